import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * OpenAI Codex CLI's own command-safety test cases (see __fixtures__/README.md): what Codex calls known-safe must run
 * without approval here, what it calls dangerous must never run without one, what it holds for approval must be held
 * too. Where we decide otherwise the fixture says so and why (`ours`), and the test holds us to that.
 */
interface CodexCase {
  argv: string[];
  codex: 'safe' | 'prompt' | 'dangerous' | 'not-dangerous';
  source: string;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<CodexCase>('codex-command-safety.jsonl');

/** The command line whose words are exactly the upstream argv (what Codex executes). */
function shellLine(argv: readonly string[]): string {
  return argv
    .map((word) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`))
    .join(' ');
}

const classifier = await defaultClassifier();

test('Codex command-safety cases: the fixture covers every verdict', () => {
  const count = (verdict: CodexCase['codex']) => cases.filter((entry) => entry.codex === verdict).length;
  assert.ok(count('safe') >= 60, `safe ${count('safe')}`);
  assert.ok(count('dangerous') >= 40, `dangerous ${count('dangerous')}`);
  assert.ok(count('prompt') >= 50, `prompt ${count('prompt')}`);
  for (const entry of cases) {
    assert.ok(entry.source, `${shellLine(entry.argv)} names its upstream file`);
    if (entry.codex === 'not-dangerous')
      assert.ok(entry.ours, `${shellLine(entry.argv)}: Codex only says "not dangerous"`);
    if (entry.ours) assert.ok(entry.ours.why.length > 20, `${shellLine(entry.argv)}: a disagreement needs its reason`);
  }
});

test('Codex dangerous commands never run without an approval', () => {
  for (const entry of cases.filter((item) => item.codex === 'dangerous')) {
    const command = shellLine(entry.argv);
    assert.equal(entry.ours, undefined, `${command}: a dangerous command may not be excused`);
    const result = classifier.classify(command);
    assert.notEqual(result.decision, 'allow', `${command} is ${result.level} (${result.rule})`);
  }
});

test('Codex known-safe commands run without approval, Codex-held ones are held, unless the fixture says why not', (t) => {
  const agreed: Record<string, number> = { safe: 0, prompt: 0 };
  const failures: string[] = [];
  for (const entry of cases.filter((item) => item.codex !== 'dangerous')) {
    const command = shellLine(entry.argv);
    const result = classifier.classify(command);
    const agreesWithCodex = entry.codex === 'safe' ? result.decision === 'allow' : result.decision !== 'allow';
    if (entry.codex !== 'not-dangerous' && agreesWithCodex) agreed[entry.codex]++;
    const expected = entry.ours ? result.decision === entry.ours.decision : agreesWithCodex;
    if (!expected)
      failures.push(
        `${command}: Codex ${entry.codex}, ours ${result.decision} (${result.level}, ${result.rule})` +
          (entry.ours ? `, fixture expects ${entry.ours.decision}` : ''),
      );
  }
  const total = (verdict: 'safe' | 'prompt') => cases.filter((entry) => entry.codex === verdict).length;
  t.diagnostic(`known-safe agreement ${agreed.safe}/${total('safe')}, held ${agreed.prompt}/${total('prompt')}`);
  assert.deepEqual(failures, []);
});
