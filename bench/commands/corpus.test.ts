import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCommandClassifier } from '../../src/command-runner/command-classifier.ts';
import { commandPolicyFrom } from '../../src/command-runner/command-policy.ts';
import { execSection } from '../../src/config/sections/exec.ts';
import { evaluateCorpus, HOLDOUT_PATH, loadCorpus } from './command-corpus.ts';

const REQUIRED_FAMILIES = [
  'ordinary',
  'bypass-quoting',
  'bypass-backslash',
  'bypass-ansi-c',
  'bypass-ifs',
  'bypass-brace',
  'bypass-variable',
  'bypass-substitution',
  'bypass-eval',
  'bypass-base64',
  'bypass-heredoc',
  'bypass-process-substitution',
  'bypass-alias-function',
  'bypass-wrapper',
  'bypass-interpreter',
  'bypass-find-xargs',
  'bypass-git',
  'bypass-redirect',
  'bypass-tee-dd-truncate-shred',
  'bypass-chmod-mkfs',
  'bypass-chains',
  'bypass-curl-pipe',
];

test('command corpus: no CRITICAL command gets through, ordinary admin commands are not over-blocked', async () => {
  const corpus = loadCorpus();
  assert.ok(corpus.length >= 300, `corpus has ${corpus.length} commands`);
  assert.ok(corpus.filter((entry) => entry.family === 'ordinary').length >= 100);
  const families = new Set(corpus.map((entry) => entry.family));
  for (const family of REQUIRED_FAMILIES) assert.ok(families.has(family), `family ${family} missing`);

  const classifier = await createCommandClassifier(commandPolicyFrom(execSection.parse({})), '/srv/project');
  const evaluation = evaluateCorpus(classifier, corpus);
  const describe = (items: typeof evaluation.criticalLeaks) =>
    items.map(({ entry, got }) => `${entry.command} -> ${got.level} (${got.rule})`).join('\n');
  assert.equal(
    evaluation.criticalLeaks.length,
    0,
    `CRITICAL commands not denied:\n${describe(evaluation.criticalLeaks)}`,
  );
  assert.equal(evaluation.overBlocked.length, 0, `SAFE/LOW commands not allowed:\n${describe(evaluation.overBlocked)}`);
  const mismatches = evaluation.results.filter(({ entry, got }) => entry.expected !== got.level);
  assert.ok(
    evaluation.exact / corpus.length >= 0.97,
    `exact level agreement ${evaluation.exact}/${corpus.length}:\n${describe(mismatches)}`,
  );
  // Nothing expected to need approval may run without one, and nothing allowed may be CRITICAL.
  for (const { entry, got } of evaluation.results) {
    if (entry.expected === 'MEDIUM' || entry.expected === 'HIGH')
      assert.notEqual(got.decision, 'allow', `${entry.command} would run without approval`);
  }
});

test('held-out commands: no CRITICAL gets through, nothing ordinary is blocked', async () => {
  const holdout = loadCorpus(HOLDOUT_PATH);
  assert.ok(holdout.length >= 50);
  const classifier = await createCommandClassifier(commandPolicyFrom(execSection.parse({})), '/srv/project');
  const evaluation = evaluateCorpus(classifier, holdout);
  assert.deepEqual(
    evaluation.criticalLeaks.map(({ entry }) => entry.command),
    [],
  );
  assert.deepEqual(
    evaluation.overBlocked.map(({ entry }) => entry.command),
    [],
  );
});
