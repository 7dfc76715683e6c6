import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * Google Gemini CLI's shell-safety test cases (see __fixtures__/README.md): what Gemini refuses must never run without
 * an approval here; what it asks about must be held unless the fixture says why it only reads; what it runs without
 * asking must run here unless the fixture says why not (`ours`). `policy` is the rule set the upstream test builds.
 */
interface GeminiCase {
  command: string;
  upstream: 'allow' | 'ask' | 'deny';
  policy: string;
  source: string;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<GeminiCase>('gemini-cli-shell-safety.jsonl');

const classifier = await defaultClassifier();

test('Gemini CLI cases: the fixture covers every verdict and explains each disagreement', () => {
  const count = (verdict: GeminiCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;
  assert.ok(count('allow') >= 20 && count('ask') >= 30 && count('deny') >= 8, `${cases.length} cases`);
  for (const entry of cases) {
    assert.ok(entry.source && entry.policy, `${entry.command}: names its upstream test and rule set`);
    if (entry.ours) assert.ok(entry.ours.why.length > 20, `${entry.command}: a disagreement needs its reason`);
    if (entry.upstream === 'deny')
      assert.equal(entry.ours, undefined, `${entry.command}: a refusal may not be excused`);
  }
});

test('Gemini CLI cases: refused and asked commands are held, allowed ones run, unless the fixture says why', (t) => {
  const { failures, agreed } = compareWithUpstream(
    classifier,
    cases,
    ['allow', 'ask', 'deny'],
    (verdict, decision) => (verdict === 'allow' ? decision === 'allow' : decision !== 'allow'),
    (entry) => `Gemini ${entry.upstream}`,
  );
  const total = (verdict: GeminiCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;
  t.diagnostic(
    `allowed ${agreed.allow}/${total('allow')}, asked held ${agreed.ask}/${total('ask')}, denied held ${agreed.deny}/${total('deny')}`,
  );
  assert.deepEqual(failures, []);
});
