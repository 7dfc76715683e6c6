import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ArgvDifference, argvDifferences, lowerLevels } from './testing/bash-argv-comparison.ts';
import { recordedSnippets } from './testing/bash-ground-truth.ts';
import { DANGER_RULE_SNIPPETS, DANGER_RULE_SOURCE } from './testing/danger-rule-snippets.ts';
import { defaultClassifier } from './testing/upstream-cases.ts';

/**
 * The words we parse against the argv the real bash passed (`__fixtures__/bash-ground-truth/`, recorded byte for
 * byte): for each program run bash recorded, one of our parsed programs of that name must have exactly its words, or
 * the difference is counted by cause. A difference is a gap when the snippet's level is below the level of the
 * command rebuilt from bash's argv (safely quoted): the rule would have fired on the words bash really passed.
 */
const cases = recordedSnippets();
const classifier = await defaultClassifier();
const levelOf = (snippet: string) => classifier.classify(snippet).level;

/**
 * Snippets whose level is below what bash's real argv gets, each with why it is still so. None left: the 16 measured
 * (variables, arrays, `set --`, `${HOME}` and brace expansion) are rated as static-expansion.ts expands them.
 */
const KNOWN_LOWER: Record<string, string> = {};

/** Causes that mean our parser read a literal word otherwise than bash: none may occur. */
const PARSER_MISREADS = new Set(['literal text (quote removal, escapes)', 'program not seen']);

const differences: ArgvDifference[] = cases.flatMap((entry) =>
  argvDifferences(entry, classifier.classify(entry.snippet)),
);

test('bash argv: the danger-rule snippets are recorded', () => {
  const recorded = new Set(cases.map((entry) => entry.snippet));
  assert.deepEqual(
    DANGER_RULE_SNIPPETS.filter((snippet) => !recorded.has(snippet)),
    [],
  );
  assert.ok(cases.filter((entry) => entry.source === DANGER_RULE_SOURCE).length >= 150);
  // Recorded byte for byte: `$'\xff'` reaches the program as the byte 0xff, not as U+FFFD.
  const byte = cases.find((entry) => entry.snippet === "rm $'-rf\\xff' /");
  assert.deepEqual(byte?.bash.executed, [['/usr/sbin/rm', '-rf\udcff', '/']]);
});

test('bash argv: every program run gets our words, or a difference whose level is no lower than the real argv', (t) => {
  const runs = cases.reduce((total, entry) => total + entry.bash.executed.length, 0);
  const byCause: Record<string, number> = {};
  for (const difference of differences) byCause[difference.cause] = (byCause[difference.cause] ?? 0) + 1;
  t.diagnostic(`${runs} program runs, ${differences.length} with other words than ours: ${JSON.stringify(byCause)}`);
  const gaps = lowerLevels(classifier, differences, levelOf);
  t.diagnostic(`${gaps.length} below the level of bash's argv`);
  assert.deepEqual(
    gaps
      .filter((gap) => !Object.hasOwn(KNOWN_LOWER, gap.snippet))
      .map((gap) => `${JSON.stringify(gap.snippet)}: ours ${gap.ourLevel}, bash ran ${gap.rebuilt} (${gap.bashLevel})`),
    [],
  );
  assert.deepEqual(
    differences
      .filter((difference) => PARSER_MISREADS.has(difference.cause))
      .map((difference) => `${JSON.stringify(difference.snippet)}: bash ${JSON.stringify(difference.bash)}`),
    [],
  );
  const lower = new Set(gaps.map((gap) => gap.snippet));
  assert.deepEqual(
    Object.keys(KNOWN_LOWER).filter((snippet) => !lower.has(snippet)),
    [],
    'a known lower level that is no longer lower: remove it from KNOWN_LOWER',
  );
});
