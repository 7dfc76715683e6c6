import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * Qwen Code's read-only shell checker cases (see __fixtures__/README.md): a command it schedules as read-only must
 * run without approval here; one it will not must be held, unless the fixture says why it truly only reads (`ours`).
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
  const agreed = { 'read-only': 0, 'not-read-only': 0 };
  const failures: string[] = [];
  for (const entry of cases) {
    const result = classifier.classify(entry.command);
    const agrees = entry.upstream === 'read-only' ? result.decision === 'allow' : result.decision !== 'allow';
    if (agrees) agreed[entry.upstream]++;
    if (entry.ours) assert.ok(entry.ours.why.length > 10, `${entry.command}: a disagreement needs its reason`);
    if (entry.upstream === 'read-only')
      assert.equal(entry.ours, undefined, `${entry.command}: may not be held silently`);
    if (entry.ours ? result.decision !== entry.ours.decision : !agrees)
      failures.push(
        `${JSON.stringify(entry.command)}: upstream ${entry.upstream}, ours ${result.decision} (${result.level}, ${result.rule})`,
      );
  }
  const total = (verdict: QwenCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;
  t.diagnostic(
    `read-only agreement ${agreed['read-only']}/${total('read-only')}, held ${agreed['not-read-only']}/${total('not-read-only')}`,
  );
  assert.deepEqual(failures, []);
});
