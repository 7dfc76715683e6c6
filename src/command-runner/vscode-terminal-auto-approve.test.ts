import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * VS Code's default terminal auto-approve cases (see __fixtures__/README.md): what its default rules run without
 * asking must run here (no exception may be written); what they ask about is held unless the fixture says why it
 * only reads or prints (`ours`).
 */
interface VsCodeCase {
  command: string;
  upstream: 'auto-approved' | 'confirmation-required';
  source: string;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<VsCodeCase>('vscode-terminal-auto-approve.jsonl');

const classifier = await defaultClassifier();

test('VS Code default auto-approve cases: approved ones run, the rest is held unless the fixture says why', (t) => {
  assert.ok(cases.length >= 65, `${cases.length} cases`);
  for (const entry of cases) {
    assert.match(entry.source, /^runInTerminalTool\.test\.ts@[0-9a-f]{8}: /, `${entry.command} names its test`);
    if (entry.upstream === 'auto-approved')
      assert.equal(entry.ours, undefined, `${entry.command}: may not be held silently`);
    if (entry.ours) assert.ok(entry.ours.why.length > 20, `${entry.command}: a disagreement needs its reason`);
  }
  const { failures, agreed } = compareWithUpstream(
    classifier,
    cases,
    ['auto-approved', 'confirmation-required'],
    (verdict, decision) => (verdict === 'auto-approved' ? decision === 'allow' : decision !== 'allow'),
    (entry) => `upstream ${entry.upstream}`,
  );
  const total = (verdict: VsCodeCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;
  t.diagnostic(
    `auto-approved allowed ${agreed['auto-approved']}/${total('auto-approved')}, ` +
      `confirmation-required held ${agreed['confirmation-required']}/${total('confirmation-required')}`,
  );
  assert.deepEqual(failures, []);
});
