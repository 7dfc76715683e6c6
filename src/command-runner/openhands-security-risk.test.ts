import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * OpenHands' security-risk cases (see __fixtures__/README.md): what its pattern analyzer rates HIGH must be held here,
 * no exception; what it or the Invariant policy test rates MEDIUM must be held unless the fixture says why it only
 * reads; what it rates LOW must run unless the fixture says why not; and what a test only says is not HIGH must not be
 * refused outright unless the fixture says why.
 */
interface OpenHandsCase {
  command: string;
  upstream: 'high' | 'medium' | 'low' | 'not-high';
  source: string;
  xfail?: true;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<OpenHandsCase>('openhands-security-risk.jsonl');
const classifier = await defaultClassifier();
const verdicts = ['high', 'medium', 'low', 'not-high'] as const;
const count = (verdict: OpenHandsCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;

/** What our decision must be to agree with OpenHands' risk. */
function agrees(verdict: OpenHandsCase['upstream'], decision: Decision): boolean {
  if (verdict === 'high' || verdict === 'medium') return decision !== 'allow';
  return verdict === 'low' ? decision === 'allow' : decision !== 'deny';
}

test('OpenHands cases: the fixture covers every risk and explains each disagreement', () => {
  assert.ok(count('high') >= 45 && count('medium') >= 4 && count('low') >= 15 && count('not-high') >= 2);
  for (const entry of cases) {
    assert.match(
      entry.source,
      /^(software-agent-sdk\/tests\/sdk\/security\/defense_in_depth\/test_(pattern|shell_parser_bypasses|shell_semantics|adversarial)|OpenHands\/tests\/unit\/security\/test_security)\.py@[0-9a-f]{8}: [\w.]+$/,
    );
    if (!entry.ours) continue;
    assert.notEqual(entry.upstream, 'high', `${JSON.stringify(entry.command)}: a HIGH risk may not be excused`);
    assert.ok(entry.ours.why.length > 20, `${JSON.stringify(entry.command)}: a disagreement needs its reason`);
    assert.ok(
      !agrees(entry.upstream, entry.ours.decision),
      `${JSON.stringify(entry.command)}: an exception records a disagreement`,
    );
  }
});

test('OpenHands cases: HIGH and MEDIUM risks are held, LOW ones run, unless the fixture says why not', (t) => {
  const { failures, agreed } = compareWithUpstream(
    classifier,
    cases,
    verdicts,
    agrees,
    (entry) => `OpenHands ${entry.upstream}${entry.xfail ? ' (a bypass upstream still misses)' : ''}`,
  );
  t.diagnostic(verdicts.map((verdict) => `${verdict} ${agreed[verdict]}/${count(verdict)}`).join(', '));
  assert.deepEqual(failures, []);
});
