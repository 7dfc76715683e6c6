import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * Cline's command-permission and plan-mode guard cases (see __fixtures__/README.md): what a test calls dangerous must
 * be held here, no exception; what Cline refuses (`held`) must be held unless the fixture says why it only reads; what
 * it calls read-only must run unless the fixture says why not; and what it runs once the test's list names the program
 * (`allowed`) must not be refused outright unless the fixture says why.
 */
interface ClineCase {
  command: string;
  upstream: 'dangerous' | 'held' | 'read-only' | 'allowed';
  policy?: string;
  source: string;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<ClineCase>('cline-command-permissions.jsonl');
const classifier = await defaultClassifier();
const verdicts = ['dangerous', 'held', 'read-only', 'allowed'] as const;
const count = (verdict: ClineCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;

/** What our decision must be to agree with Cline's verdict. */
function agrees(verdict: ClineCase['upstream'], decision: Decision): boolean {
  if (verdict === 'dangerous' || verdict === 'held') return decision !== 'allow';
  return verdict === 'read-only' ? decision === 'allow' : decision !== 'deny';
}

test('Cline cases: the fixture covers every verdict and explains each disagreement', () => {
  assert.ok(count('dangerous') >= 15 && count('held') >= 90 && count('read-only') >= 80 && count('allowed') >= 25);
  for (const entry of cases) {
    assert.match(
      entry.source,
      /^(src\/core\/permissions\/CommandPermissionController|sdk\/packages\/core\/src\/extensions\/tools\/command-guard(-extension)?)\.test\.ts: /,
    );
    assert.equal(entry.policy !== undefined, entry.source.startsWith('src/core/permissions/'), entry.command);
    if (!entry.ours) continue;
    assert.notEqual(
      entry.upstream,
      'dangerous',
      `${JSON.stringify(entry.command)}: a dangerous command may not be excused`,
    );
    assert.ok(entry.ours.why.length > 20, `${JSON.stringify(entry.command)}: a disagreement needs its reason`);
    assert.ok(
      !agrees(entry.upstream, entry.ours.decision),
      `${JSON.stringify(entry.command)}: an exception records a disagreement`,
    );
  }
});

test('Cline cases: dangerous and refused commands are held, read-only ones run, unless the fixture says why not', (t) => {
  const { failures, agreed } = compareWithUpstream(
    classifier,
    cases,
    verdicts,
    agrees,
    (entry) => `Cline ${entry.upstream}`,
  );
  t.diagnostic(verdicts.map((verdict) => `${verdict} ${agreed[verdict]}/${count(verdict)}`).join(', '));
  assert.deepEqual(failures, []);
});
