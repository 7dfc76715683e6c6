import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * OpenCode's bash-tool permission cases (see __fixtures__/README.md): what a test's own deny rule refuses (`deny`) and
 * a `cd` out of the project the test refuses as an external directory (`external`) must be held here unless the
 * fixture says why it only reads; what a test's allow rule or its "no permission asked" case lets run (`allow`,
 * `no-request`) must run unless the fixture says why not; and what only the test's catch-all deny refuses
 * (`unlisted`) must not be refused outright unless the fixture says why.
 */
interface OpenCodeCase {
  command: string;
  upstream: 'allow' | 'deny' | 'unlisted' | 'external' | 'no-request';
  policy: string;
  source: string;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<OpenCodeCase>('opencode-bash-permissions.jsonl');
const classifier = await defaultClassifier();
const verdicts = ['allow', 'deny', 'unlisted', 'external', 'no-request'] as const;
const count = (verdict: OpenCodeCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;

/** What our decision must be to agree with OpenCode's verdict. */
function agrees(verdict: OpenCodeCase['upstream'], decision: Decision): boolean {
  if (verdict === 'deny' || verdict === 'external') return decision !== 'allow';
  return verdict === 'unlisted' ? decision !== 'deny' : decision === 'allow';
}

test('OpenCode cases: the fixture covers every verdict and explains each disagreement', () => {
  assert.ok(count('allow') >= 7 && count('deny') >= 5 && count('external') >= 1 && count('no-request') >= 1);
  for (const entry of cases) {
    assert.match(entry.source, /^packages\/opencode\/test\/tool\/bash\.test\.ts@[0-9a-f]{8}: [\w -]+$/);
    assert.ok(entry.policy.length > 0, entry.command);
    if (!entry.ours) continue;
    assert.ok(entry.ours.why.length > 20, `${JSON.stringify(entry.command)}: a disagreement needs its reason`);
    assert.ok(
      !agrees(entry.upstream, entry.ours.decision),
      `${JSON.stringify(entry.command)}: an exception records a disagreement`,
    );
  }
});

test('OpenCode cases: denied commands are held, allowed ones run, unless the fixture says why not', (t) => {
  const { failures, agreed } = compareWithUpstream(
    classifier,
    cases,
    verdicts,
    agrees,
    (entry) => `OpenCode ${entry.upstream} under ${entry.policy}`,
  );
  t.diagnostic(verdicts.map((verdict) => `${verdict} ${agreed[verdict]}/${count(verdict)}`).join(', '));
  assert.deepEqual(failures, []);
});
