import { posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { CommandClassification, CommandClassifier } from '../command-classifier.ts';
import { type DangerLevel, levelRank } from '../danger-level.ts';
import type { RecordedSnippet } from './bash-ground-truth.ts';

/**
 * Why the words we parsed for a program differ from the argv bash passed it, judged on our word (for a word we
 * cannot evaluate statically we keep its source text, so what it still holds names the expansion bash did).
 */
export type ArgvCause =
  | 'program not seen, command refused'
  | 'program not seen'
  | 'command substitution'
  | 'arithmetic expansion'
  | 'parameter expansion'
  | 'brace expansion'
  | 'tilde expansion'
  | 'globbing'
  | 'non-ASCII ANSI-C escape'
  | 'words bash adds'
  | 'literal text (quote removal, escapes)';

export interface ArgvDifference {
  snippet: string;
  source: string;
  /** The argv bash passed, argv[0] the path it resolved. */
  bash: string[];
  /** Our closest parse of the same program (its name and words), if we saw that program at all. */
  ours?: string[];
  cause: ArgvCause;
}

/** Each program run bash recorded whose argv none of our parsed programs of that name has. */
export function argvDifferences(entry: RecordedSnippet, ours: CommandClassification): ArgvDifference[] {
  const differences: ArgvDifference[] = [];
  for (const argv of entry.bash.executed) {
    const name = posix.basename(argv[0]);
    const candidates = ours.programs
      .filter((program) => posix.basename(program.program) === name)
      .map((program) => [program.program, ...program.args.map(atRecorderHome)]);
    if (candidates.some((words) => isDeepStrictEqual(words.slice(1), argv.slice(1)))) continue;
    const closest = candidates.sort((left, right) => sameWords(right, argv) - sameWords(left, argv))[0];
    differences.push({
      snippet: entry.snippet,
      source: entry.source,
      bash: argv,
      ours: closest,
      cause: closest
        ? causeOf(closest.slice(1), argv.slice(1))
        : ours.decision === 'deny'
          ? 'program not seen, command refused'
          : 'program not seen',
    });
  }
  return differences;
}

/** The recorder's HOME (bash-recorder.ts): our `~` (a home directory, also what we give $HOME) is it. */
const RECORDER_HOME = '/work';

function atRecorderHome(word: string): string {
  return word.replace(/^~(?=\/|$)/, RECORDER_HOME);
}

function sameWords(words: string[], argv: string[]): number {
  return words.slice(1).filter((word, index) => word === argv[index + 1]).length;
}

const BRACE = /(^|[^\\$])\{[^}\s]*(,|\.\.)[^}\s]*\}/;

function causeOf(ours: string[], bash: string[]): ArgvCause {
  const word = ours.find((value, index) => value !== bash[index] && !bash.includes(value));
  if (word === undefined) return 'words bash adds';
  if (/\$\(\(|\$\[/.test(word)) return 'arithmetic expansion';
  if (/`|\$\(|[<>]\(/.test(word)) return 'command substitution';
  if (/\$[{\w@*#?$!-]/.test(word)) return 'parameter expansion';
  if (BRACE.test(word)) return 'brace expansion';
  if (/(^|[=:])~/.test(word)) return 'tilde expansion';
  if (/[*?[]/.test(word)) return 'globbing';
  if (/[^\x00-\x7f]/.test(word) || bash.some((value) => /[\udc80-\udcff]/.test(value)))
    return 'non-ASCII ANSI-C escape';
  return 'literal text (quote removal, escapes)';
}

/** The argv as a command line that passes exactly those words: single quotes, `$'\xHH'` for control bytes. */
export function quotedCommand(argv: string[]): string {
  return [posix.basename(argv[0]), ...argv.slice(1)].map(quoteWord).join(' ');
}

function quoteWord(word: string): string {
  if (/^[\w./=:,@%+-]+$/.test(word)) return word;
  if (!/[\x00-\x1f\x7f\udc80-\udcff]/.test(word)) return `'${word.replaceAll("'", "'\\''")}'`;
  let body = '';
  for (const character of word) {
    const code = character.charCodeAt(0);
    if (code >= 0xdc80 && code <= 0xdcff) body += `\\x${(code - 0xdc00).toString(16)}`;
    else if (code < 0x20 || code === 0x7f) body += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (character === "'" || character === '\\') body += `\\${character}`;
    else body += character;
  }
  return `$'${body}'`;
}

export interface LevelGap extends ArgvDifference {
  ourLevel: DangerLevel;
  /** The level of the command rebuilt from bash's argv (`quotedCommand`). */
  bashLevel: DangerLevel;
  rebuilt: string;
}

/** The differences where the snippet's level is below the level of a command bash really ran. */
export function lowerLevels(
  classifier: CommandClassifier,
  differences: ArgvDifference[],
  levelOfSnippet: (snippet: string) => DangerLevel,
): LevelGap[] {
  const gaps: LevelGap[] = [];
  for (const difference of differences) {
    const rebuilt = quotedCommand(difference.bash);
    const bashLevel = classifier.classify(rebuilt).level;
    const ourLevel = levelOfSnippet(difference.snippet);
    if (levelRank(ourLevel) < levelRank(bashLevel)) gaps.push({ ...difference, ourLevel, bashLevel, rebuilt });
  }
  return gaps;
}
