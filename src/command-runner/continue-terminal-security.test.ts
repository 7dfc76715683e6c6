import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * Continue's terminal-security cases (see __fixtures__/README.md). `disabled` (never runs there) and `named-held` must
 * never run without an approval here, and may not be excused; `ask` (Continue asks) is held unless the fixture says
 * why it only reads or prints (`ours`); `safe` and `named-safe` run unless `ours` says why they do more than read.
 */
interface ContinueCase {
  command: string;
  upstream: 'disabled' | 'ask' | 'safe' | 'named-safe' | 'named-held';
  source: string;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<ContinueCase>('continue-terminal-security.jsonl');

const classifier = await defaultClassifier();
const count = (verdict: ContinueCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;
const mustHold = (entry: ContinueCase) => entry.upstream === 'disabled' || entry.upstream === 'named-held';

test('Continue cases: the fixture covers every verdict and names its sources and reasons', () => {
  assert.ok(count('disabled') >= 45, `disabled ${count('disabled')}`);
  assert.ok(count('ask') >= 110, `ask ${count('ask')}`);
  assert.ok(count('safe') + count('named-safe') >= 30, `safe ${count('safe')} + ${count('named-safe')}`);
  for (const entry of cases) {
    assert.match(
      entry.source,
      /^terminalCommandSecurity\.test\.ts@[0-9a-f]{8} L\d+: /,
      `${entry.command} names its test`,
    );
    if (entry.ours) assert.ok(entry.ours.why.length > 20, `${entry.command}: a disagreement needs its reason`);
  }
});

test('Continue disabled commands never run without an approval, and none is excused', (t) => {
  let denied = 0;
  for (const entry of cases.filter(mustHold)) {
    assert.equal(entry.ours, undefined, `${JSON.stringify(entry.command)}: a disabled command may not be excused`);
    const result = classifier.classify(entry.command);
    assert.notEqual(result.decision, 'allow', `${JSON.stringify(entry.command)} is ${result.level} (${result.rule})`);
    if (result.decision === 'deny') denied++;
  }
  t.diagnostic(`held ${cases.filter(mustHold).length}/${cases.filter(mustHold).length}, denied outright ${denied}`);
});

test('Continue asks and safe commands: held or run as Continue says, unless the fixture says why not', (t) => {
  const { failures, agreed: byVerdict } = compareWithUpstream(
    classifier,
    cases.filter((item) => !mustHold(item)),
    [...new Set(cases.map((item) => item.upstream))],
    (verdict, decision) => (verdict === 'ask' ? decision !== 'allow' : decision === 'allow'),
    (entry) => `upstream ${entry.upstream}`,
  );
  const agreed = {
    ask: byVerdict.ask ?? 0,
    safe: Object.entries(byVerdict).reduce((sum, [verdict, agreeing]) => sum + (verdict === 'ask' ? 0 : agreeing), 0),
  };
  t.diagnostic(
    `asks held ${agreed.ask}/${count('ask')}, safe allowed ${agreed.safe}/${count('safe') + count('named-safe')}`,
  );
  assert.deepEqual(failures, []);
});
