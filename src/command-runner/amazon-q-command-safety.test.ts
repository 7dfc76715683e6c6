import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * Amazon Q Developer CLI's execute_bash acceptance cases (see __fixtures__/README.md): what Amazon Q asks the user to
 * accept (`ask`) must be held here unless the fixture says why it only reads or prints; what it runs without asking
 * (`run`) must run here unless the fixture says why not (`ours`).
 */
interface AmazonQCase {
  command: string;
  upstream: 'ask' | 'run';
  source: string;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<AmazonQCase>('amazon-q-command-safety.jsonl');

const classifier = await defaultClassifier();
const count = (verdict: AmazonQCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;

test('Amazon Q cases: the fixture covers both verdicts and explains each disagreement', () => {
  assert.ok(count('ask') >= 50 && count('run') >= 10, `${cases.length} cases`);
  for (const entry of cases) {
    assert.match(entry.source, /^crates\/chat-cli\/src\/cli\/chat\/tools\/execute\/mod\.rs: test_\w+$/);
    if (!entry.ours) continue;
    assert.ok(entry.ours.why.length > 20, `${JSON.stringify(entry.command)}: a disagreement needs its reason`);
    // An exception records a disagreement: allowing what Amazon Q asks about, or holding what it runs.
    assert.equal(entry.ours.decision === 'allow', entry.upstream === 'ask', `${JSON.stringify(entry.command)}`);
  }
});

test('Amazon Q cases: accepted commands are held, the others run, unless the fixture says why not', (t) => {
  const { failures, agreed } = compareWithUpstream(
    classifier,
    cases,
    ['ask', 'run'],
    (verdict, decision) => (verdict === 'ask' ? decision !== 'allow' : decision === 'allow'),
    (entry) => `Amazon Q ${entry.upstream}`,
  );
  t.diagnostic(`asked held ${agreed.ask}/${count('ask')}, run allowed ${agreed.run}/${count('run')}`);
  assert.deepEqual(failures, []);
});
