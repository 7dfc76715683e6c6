import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * Qwen Code's read-only shell checker cases (see __fixtures__/README.md): a command it schedules as read-only must
 * run without approval here unless the fixture says why we hold it (`ours`: stricter, never looser); one it will not
 * must be held, unless the fixture says why it truly only reads.
 */
interface QwenCase {
  command: string;
  upstream: 'read-only' | 'not-read-only';
  source: string;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<QwenCase>('qwen-shell-read-only.jsonl');

const classifier = await defaultClassifier();

test('Qwen Code read-only cases: read-only runs, the rest is held unless the fixture says why', (t) => {
  assert.ok(cases.length >= 240, `${cases.length} cases`);
  for (const entry of cases) {
    if (entry.ours) assert.ok(entry.ours.why.length > 10, `${entry.command}: a disagreement needs its reason`);
    // A read-only case may be held only with its reason, and only more strictly (never the other way round).
    if (entry.upstream === 'read-only' && entry.ours)
      assert.notEqual(entry.ours.decision, 'allow', `${entry.command}: a disagreement is a stricter answer`);
  }
  const { failures, agreed } = compareWithUpstream(
    classifier,
    cases,
    ['read-only', 'not-read-only'],
    (verdict, decision) => (verdict === 'read-only' ? decision === 'allow' : decision !== 'allow'),
    (entry) => `upstream ${entry.upstream}`,
  );
  const total = (verdict: QwenCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;
  t.diagnostic(
    `read-only agreement ${agreed['read-only']}/${total('read-only')}, held ${agreed['not-read-only']}/${total('not-read-only')}`,
  );
  assert.deepEqual(failures, []);
});
