import { createCommandClassifier } from '../../src/command-runner/command-classifier.ts';
import { commandPolicyFrom } from '../../src/command-runner/command-policy.ts';
import { execSection } from '../../src/config/sections/exec.ts';
import { evaluateCorpus, formatMatrix, HOLDOUT_PATH, loadCorpus } from './command-corpus.ts';

/**
 * `npm run bench:commands`: classifies the corpus, prints the confusion matrix (expected vs got), every mismatch,
 * and classification throughput. Exits 1 if any expected-CRITICAL command would be allowed or asked.
 */
const corpus = loadCorpus();
const loadStarted = performance.now();
const classifier = await createCommandClassifier(commandPolicyFrom(execSection.parse({})), '/srv/project');
const loadMs = performance.now() - loadStarted;
const evaluation = evaluateCorpus(classifier, corpus);

const families = new Map<string, { total: number; exact: number }>();
for (const { entry, got } of evaluation.results) {
  const family = families.get(entry.family) ?? { total: 0, exact: 0 };
  family.total += 1;
  if (got.level === entry.expected) family.exact += 1;
  families.set(entry.family, family);
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;
const lines = [
  `corpus: ${corpus.length} commands (${corpus.filter((entry) => entry.expected === 'CRITICAL').length} expected CRITICAL, ${corpus.filter((entry) => entry.family === 'ordinary').length} ordinary admin commands)`,
  '',
  formatMatrix(evaluation.matrix),
  '',
  `exact level:            ${evaluation.exact}/${corpus.length} (${percent(evaluation.exact, corpus.length)})`,
  `same decision:          ${evaluation.sameDecision}/${corpus.length} (${percent(evaluation.sameDecision, corpus.length)})`,
  `CRITICAL not denied:    ${evaluation.criticalLeaks.length}`,
  `SAFE/LOW not allowed:   ${evaluation.overBlocked.length}`,
  '',
  'per family (exact level):',
  ...[...families].map(([name, family]) => `  ${name.padEnd(32)} ${family.exact}/${family.total}`),
];
const mismatches = evaluation.results.filter(({ entry, got }) => entry.expected !== got.level);
if (mismatches.length > 0) {
  lines.push('', 'mismatches:');
  for (const { entry, got } of mismatches)
    lines.push(
      `  expected ${entry.expected.padEnd(8)} got ${got.level.padEnd(8)} ${JSON.stringify(entry.command)}  (${got.rule}: ${got.reason})`,
    );
}

// The held-out set was labelled and first run after the corpus work; it measures rules on commands they were not tuned on.
const holdout = loadCorpus(HOLDOUT_PATH);
const held = evaluateCorpus(classifier, holdout);
lines.push(
  '',
  `held-out set: ${holdout.length} commands, exact level ${held.exact}/${holdout.length}, CRITICAL not denied ${held.criticalLeaks.length}, SAFE/LOW not allowed ${held.overBlocked.length}`,
  formatMatrix(held.matrix),
);
for (const { entry, got } of held.results.filter(({ entry, got }) => entry.expected !== got.level))
  lines.push(
    `  expected ${entry.expected.padEnd(8)} got ${got.level.padEnd(8)} ${JSON.stringify(entry.command)}  (${got.rule})`,
  );

// Throughput: classify the whole corpus repeatedly for about two seconds after a warm-up round.
for (const entry of corpus) classifier.classify(entry.command);
let classified = 0;
const started = performance.now();
while (performance.now() - started < 2000) {
  for (const entry of corpus) classifier.classify(entry.command);
  classified += corpus.length;
}
const seconds = (performance.now() - started) / 1000;
lines.push(
  '',
  `grammar load: ${loadMs.toFixed(0)} ms; throughput: ${Math.round(classified / seconds)} commands/s (${((1000 * seconds) / classified).toFixed(3)} ms each, ${classified} classifications)`,
);
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = evaluation.criticalLeaks.length + held.criticalLeaks.length > 0 ? 1 : 0;
