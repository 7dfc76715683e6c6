import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { CommandClassification } from '../command-classifier.ts';
import type { BashRecording } from './bash-recorder.ts';

/** One corpus snippet with what the real bash executed for it (`__fixtures__/bash-ground-truth/`). */
export interface RecordedSnippet {
  snippet: string;
  source: string;
  bash: Pick<BashRecording, 'executed' | 'notFound' | 'timedOut'>;
}

export const RECORDED_FIXTURE = new URL('../__fixtures__/bash-ground-truth/recorded.jsonl', import.meta.url);

export function recordedSnippets(): RecordedSnippet[] {
  return readFileSync(RECORDED_FIXTURE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RecordedSnippet);
}

/** The recording as stored: what bash ran and looked up, not its stderr or exit code (those vary with the sandbox). */
export function storedRecording(recording: BashRecording): RecordedSnippet['bash'] {
  return { executed: unique(recording.executed), notFound: unique(recording.notFound), timedOut: recording.timedOut };
}

/** Each distinct value once, in first-seen order (a loop runs the same program many times). */
function unique<T>(values: T[]): T[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = JSON.stringify(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Programs bash started or tried to start, by name. */
export function bashPrograms(recording: RecordedSnippet['bash']): Set<string> {
  return new Set([
    ...recording.executed.map((argv) => posix.basename(argv[0])),
    ...recording.notFound.map((name) => posix.basename(name)),
  ]);
}

/**
 * - `agree`: we see exactly the programs bash ran;
 * - `ours-extra`: we see every program bash ran and more (branches not taken, wrappers' payloads, builtins);
 * - `refused`: bash ran a program we did not see, but the command is denied (CRITICAL), so it never runs;
 * - `ours-misses`: bash ran a program we did not see and the command could run: a security gap.
 */
export type Agreement = 'agree' | 'ours-extra' | 'refused' | 'ours-misses';

export function compareWithBash(
  recording: RecordedSnippet['bash'],
  ours: CommandClassification,
): { agreement: Agreement; missing: string[]; extra: string[] } {
  const theirs = bashPrograms(recording);
  const mine = new Set(ours.programs.map((program) => posix.basename(program.program)));
  const missing = [...theirs].filter((name) => !mine.has(name));
  const extra = [...mine].filter((name) => !theirs.has(name));
  if (missing.length > 0) return { agreement: ours.decision === 'deny' ? 'refused' : 'ours-misses', missing, extra };
  return { agreement: extra.length > 0 ? 'ours-extra' : 'agree', missing, extra };
}
