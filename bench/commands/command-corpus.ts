import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandClassification, CommandClassifier } from '../../src/command-runner/command-classifier.ts';
import { DANGER_LEVELS, type DangerLevel, decisionFor } from '../../src/command-runner/danger-level.ts';

export interface CorpusEntry {
  command: string;
  expected: DangerLevel;
  family: string;
}

export const CORPUS_PATH = fileURLToPath(new URL('./corpus.jsonl', import.meta.url));
export const HOLDOUT_PATH = fileURLToPath(new URL('./holdout.jsonl', import.meta.url));

/** Reads the corpus; a malformed line is an error naming its line number (the corpus is ours, it must be clean). */
export function loadCorpus(path = CORPUS_PATH): CorpusEntry[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const entry = JSON.parse(line) as CorpusEntry;
      if (typeof entry.command !== 'string' || !DANGER_LEVELS.includes(entry.expected) || !entry.family)
        throw new Error(`${path}:${index + 1}: expected {command, expected: SAFE|LOW|MEDIUM|HIGH|CRITICAL, family}`);
      return entry;
    });
}

export interface CorpusEvaluation {
  results: Array<{ entry: CorpusEntry; got: CommandClassification }>;
  /** matrix[expected][got] = count */
  matrix: Record<DangerLevel, Record<DangerLevel, number>>;
  exact: number;
  /** Same decision (allow/ask/deny) as expected. */
  sameDecision: number;
  /** Expected CRITICAL but not denied: must be zero. */
  criticalLeaks: Array<{ entry: CorpusEntry; got: CommandClassification }>;
  /** Expected SAFE/LOW but not allowed: the over-blocking count. */
  overBlocked: Array<{ entry: CorpusEntry; got: CommandClassification }>;
}

export function evaluateCorpus(classifier: CommandClassifier, corpus: CorpusEntry[]): CorpusEvaluation {
  const matrix = Object.fromEntries(
    DANGER_LEVELS.map((expected) => [expected, Object.fromEntries(DANGER_LEVELS.map((got) => [got, 0]))]),
  ) as CorpusEvaluation['matrix'];
  const results = corpus.map((entry) => ({ entry, got: classifier.classify(entry.command) }));
  for (const { entry, got } of results) matrix[entry.expected][got.level] += 1;
  return {
    results,
    matrix,
    exact: results.filter(({ entry, got }) => entry.expected === got.level).length,
    sameDecision: results.filter(({ entry, got }) => decisionFor(entry.expected) === got.decision).length,
    criticalLeaks: results.filter(({ entry, got }) => entry.expected === 'CRITICAL' && got.decision !== 'deny'),
    overBlocked: results.filter(
      ({ entry, got }) => (entry.expected === 'SAFE' || entry.expected === 'LOW') && got.decision !== 'allow',
    ),
  };
}

export function formatMatrix(matrix: CorpusEvaluation['matrix']): string {
  const width = 10;
  const header = `${'expected \\ got'.padEnd(16)}${DANGER_LEVELS.map((level) => level.padStart(width)).join('')}`;
  const rows = DANGER_LEVELS.map(
    (expected) =>
      `${expected.padEnd(16)}${DANGER_LEVELS.map((got) => String(matrix[expected][got]).padStart(width)).join('')}`,
  );
  return [header, ...rows].join('\n');
}
