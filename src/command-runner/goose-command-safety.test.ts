import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * Goose's shell-command safety cases (see __fixtures__/README.md): what its Python `is_dangerous_command` flags, and
 * what a Critical or High threat pattern of the Rust scanner matches, must be held here, no exception; a Medium or Low
 * match must be held unless the fixture says why it is harmless; its safe commands must run unless the fixture says
 * why not; and a command a pattern test says it does not match (`no-match`) must not be refused outright unless the
 * fixture says why.
 */
interface GooseCase {
  command: string;
  upstream: 'dangerous' | 'threat' | 'safe' | 'no-match';
  pattern?: string;
  risk?: 'Critical' | 'High' | 'Medium' | 'Low';
  source: string;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<GooseCase>('goose-command-safety.jsonl');
const classifier = await defaultClassifier();
const verdicts = ['dangerous', 'threat', 'safe', 'no-match'] as const;
const count = (verdict: GooseCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;
const excusable = (entry: GooseCase) =>
  entry.upstream !== 'dangerous' &&
  !(entry.upstream === 'threat' && (entry.risk === 'Critical' || entry.risk === 'High'));

function agrees(verdict: GooseCase['upstream'], decision: Decision): boolean {
  if (verdict === 'dangerous' || verdict === 'threat') return decision !== 'allow';
  return verdict === 'safe' ? decision === 'allow' : decision !== 'deny';
}

test('Goose cases: the fixture covers every verdict and explains each disagreement', () => {
  assert.ok(count('dangerous') >= 10 && count('threat') >= 90 && count('safe') >= 8 && count('no-match') >= 50);
  for (const entry of cases) {
    assert.match(
      entry.source,
      /^(crates\/goose\/src\/security\/(patterns|scanner)\.rs|tests\/utils\/test_check_shell_command\.py)@[0-9a-f]{8}: \w+/,
    );
    assert.equal(entry.risk !== undefined, entry.upstream === 'threat', entry.command);
    if (!entry.ours) continue;
    assert.ok(excusable(entry), `${JSON.stringify(entry.command)}: a dangerous command may not be excused`);
    assert.ok(entry.ours.why.length > 20, `${JSON.stringify(entry.command)}: a disagreement needs its reason`);
    assert.ok(
      !agrees(entry.upstream, entry.ours.decision),
      `${JSON.stringify(entry.command)}: an exception records a disagreement`,
    );
  }
});

test('Goose cases: dangerous commands and threats are held, safe ones run, unless the fixture says why not', (t) => {
  const { failures, agreed } = compareWithUpstream(
    classifier,
    cases,
    verdicts,
    agrees,
    (entry) => `Goose ${entry.upstream}${entry.risk ? ` ${entry.risk}` : ''}`,
  );
  t.diagnostic(verdicts.map((verdict) => `${verdict} ${agreed[verdict]}/${count(verdict)}`).join(', '));
  assert.deepEqual(failures, []);
});
