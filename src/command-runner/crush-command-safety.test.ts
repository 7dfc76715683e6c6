import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * Crush's bash-tool cases (see __fixtures__/README.md): what its safe-command tests auto-approve (`read-only`) must run
 * here unless the fixture says why not; what they send to a permission prompt (`prompt`), what its bash tool bans
 * outright (`banned`) and what a test's argument blocker refuses (`blocked`) must be held unless the fixture says why
 * it only reads; and what a blocker test lets through (`not-blocked`) must not be refused outright unless the fixture
 * says why.
 */
interface CrushCase {
  command: string;
  upstream: 'read-only' | 'prompt' | 'banned' | 'blocked' | 'not-blocked';
  source: string;
  argv?: string[];
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<CrushCase>('crush-command-safety.jsonl');
const classifier = await defaultClassifier();
const verdicts = ['read-only', 'prompt', 'banned', 'blocked', 'not-blocked'] as const;
const count = (verdict: CrushCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;

/** What our decision must be to agree with Crush's verdict. */
function agrees(verdict: CrushCase['upstream'], decision: Decision): boolean {
  if (verdict === 'read-only') return decision === 'allow';
  return verdict === 'not-blocked' ? decision !== 'deny' : decision !== 'allow';
}

test('Crush cases: the fixture covers every verdict and explains each disagreement', () => {
  assert.ok(count('read-only') >= 35 && count('prompt') >= 70 && count('banned') >= 60 && count('blocked') >= 8);
  for (const entry of cases) {
    assert.match(
      entry.source,
      /^internal\/(agent\/tools\/(safe_test|bash_test|bash)|shell\/command_block_test)\.go@[0-9a-f]{8}: \w+/,
    );
    if (!entry.ours) continue;
    assert.ok(entry.ours.why.length > 20, `${JSON.stringify(entry.command)}: a disagreement needs its reason`);
    assert.ok(
      !agrees(entry.upstream, entry.ours.decision),
      `${JSON.stringify(entry.command)}: an exception records a disagreement`,
    );
  }
});

test('Crush cases: prompted, banned and blocked commands are held, read-only ones run, unless the fixture says why not', (t) => {
  const { failures, agreed } = compareWithUpstream(
    classifier,
    cases,
    verdicts,
    agrees,
    (entry) => `Crush ${entry.upstream}`,
  );
  t.diagnostic(verdicts.map((verdict) => `${verdict} ${agreed[verdict]}/${count(verdict)}`).join(', '));
  assert.deepEqual(failures, []);
});
