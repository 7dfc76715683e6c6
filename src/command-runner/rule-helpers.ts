import type { DangerLevel, Finding } from './danger-level.ts';
import type { PathContext, ShellWord } from './path-rules.ts';

/** What a program rule may ask of the classifier: nested scripts and argv are classified with every rule. */
export interface RuleContext extends PathContext {
  /** Classifies script text one level deeper (`bash -c`, `eval`, `ssh host cmd`); undefined text is dynamic. */
  script(text: string | undefined, origin: string): Finding[];
  /** Classifies a program with its arguments (what a wrapper such as sudo or xargs runs). */
  argv(words: ShellWord[]): Finding[];
  /** Records a path argument (for the approval prompt's "outside the working directory" list). */
  notePath(word: ShellWord): void;
}

/** Classifies one program's arguments (the program name itself is not in `args`). */
export type ProgramRule = (args: ShellWord[], context: RuleContext) => Finding[];

/** Marks a shell that would read its commands from standard input: piping anything into it is CRITICAL. */
export const STDIN_SCRIPT_RULE = 'reads-script-from-stdin';
/** The same for a non-shell interpreter (python, perl...): a here-document fed to it is code in that language. */
export const STDIN_CODE_RULE = 'reads-code-from-stdin';

/** Inline code in an interpreter: anything that spawns processes, deletes or opens sockets is CRITICAL. */
export const DANGEROUS_CODE =
  /\b(system|exec[a-z]*|spawn[a-z]*|popen|subprocess|fork|child_process|rmtree|unlink[a-zA-Z]*|rmdir[a-zA-Z]*|rm(Sync)?\s*\(|remove|kill|socket|connect|chmod|chown|eval|__import__|writeFile[a-zA-Z]*|truncate[a-zA-Z]*|shell_exec|passthru|proc_open|Runtime|FileUtils|os\.execute|io\.popen|open\s*\([^)]*['"][wa+])|`|\brm\s+-/;

export function finding(level: DangerLevel, rule: string, reason: string): Finding {
  return { level, rule, reason };
}

/** A rule that always gives the same level. */
export function fixed(level: DangerLevel, rule: string, reason: string): ProgramRule {
  return () => [finding(level, rule, reason)];
}

export function text(word: ShellWord): string {
  return word.value ?? word.raw;
}

/**
 * A word decided at run time (`$(...)`, `$VAR`, xargs input) given to a program that talks to the network: command
 * output or a variable's value leaves the machine in a URL, header, host or DNS name (`dig $(cat .env).example.net`).
 */
export function runtimeNetworkData(name: string, args: readonly ShellWord[]): Finding | undefined {
  const word = args.find((arg) => arg.value === undefined);
  return word
    ? finding(
        'MEDIUM',
        'network-runtime-data',
        `${name} sends ${word.raw.slice(0, 60)}, decided at run time, over the network`,
      )
    : undefined;
}

/**
 * The cloud instance metadata services (AWS/Azure/OpenStack 169.254.169.254 and fd00:ec2::254, GCP's name, Alibaba's,
 * ECS task credentials 169.254.170.2): a plain GET there answers with the instance role's temporary credentials.
 */
const METADATA_HOST =
  /(^|\/\/|@|\[)(169\.254\.169\.254|fd00:ec2::254|metadata\.google\.internal|100\.100\.100\.200|169\.254\.170\.2)(?=$|[:/\]?#$])/i;

/** A URL or host argument naming a cloud metadata service: a credential read, held like `aws ... get-secret-value`. */
export function cloudMetadataRead(name: string, args: readonly ShellWord[]): Finding | undefined {
  const word = args.find((arg) => METADATA_HOST.test(text(arg)));
  return word
    ? finding(
        'HIGH',
        'cloud-secret-read',
        `${name} ${text(word).slice(0, 60)} asks the cloud metadata service (instance credentials)`,
      )
    : undefined;
}

/** A word that stands for an argument nobody knows yet (xargs input, find's `{}`). */
export function unknownWord(raw: string): ShellWord {
  return { value: undefined, raw, pattern: false, obfuscated: false };
}

export function literalWord(value: string): ShellWord {
  return { value, raw: value, pattern: false, obfuscated: false };
}

/** True when a short flag letter appears in any `-abc` cluster, or a long option is present (also `--x=...`). */
export function hasFlag(args: readonly ShellWord[], letters: string, longNames: readonly string[] = []): boolean {
  for (const arg of args) {
    const value = arg.value;
    if (value === undefined) continue;
    if (value === '--') return false;
    if (value.startsWith('--')) {
      if (longNames.some((name) => isLongOption(value, name))) return true;
    } else if (/^-[A-Za-z0-9]+$/.test(value) && [...letters].some((letter) => value.includes(letter))) return true;
  }
  return false;
}

/**
 * Whether a `--word` (or `--word=value`) spells the long option `name`: exactly, or as a prefix of it, which
 * getopt_long, optparse, nopt and git accept when unambiguous (`--vac` for `--vacuum-time`). An ambiguous prefix is an
 * error for those parsers, so counting it as this option can only over-estimate.
 */
export function isLongOption(word: string, name: string): boolean {
  const equals = word.indexOf('=');
  const written = equals === -1 ? word : word.slice(0, equals);
  return written.length > 2 && name.startsWith(written);
}

/** The value given to an option (`-o x`, `-ox`, `--output x`, `--output=x`). */
export function optionValue(
  args: readonly ShellWord[],
  short: string | undefined,
  longName?: string,
): ShellWord | undefined {
  for (let index = 0; index < args.length; index++) {
    const value = args[index].value;
    if (value === undefined) continue;
    if (short && value === short) return args[index + 1];
    if (short && value.startsWith(short) && short.length === 2 && !value.startsWith('--') && value.length > 2)
      return { ...args[index], value: value.slice(2), raw: args[index].raw.slice(2) };
    if (longName && (value === longName || (value.startsWith('--') && isLongOption(value, longName)))) {
      const equals = value.indexOf('=');
      return equals === -1 ? args[index + 1] : { ...args[index], value: value.slice(equals + 1) };
    }
  }
  return undefined;
}

/**
 * Where a program's option that carries a script or command is, in every spelling getopt accepts: `-S v`, `-Sv`,
 * bundled after flags (`-iS v`, `-iSv`), `--name v`, `--name=v` and a long prefix (`--split=v`). `valueLetters` are the
 * program's other short options that take a value (they end a bundle: `-uS` unsets S). With `leadingOnly`, the scan
 * stops at the first operand, as `+` getopt strings do (`env sort -S 1G` gives -S to sort). `{ word: undefined }` means
 * present but with no literal value (the caller judges that as dynamic).
 */
export function scriptOptionValue(
  args: readonly ShellWord[],
  letter: string,
  longName: string | undefined,
  options: { valueLetters?: string; leadingOnly?: boolean } = {},
): { word: ShellWord | undefined } | undefined {
  const valueLetters = options.valueLetters ?? '';
  for (let index = 0; index < args.length; index++) {
    const word = args[index];
    const value = word.value ?? word.raw;
    if (value === '--') return undefined;
    if (value.startsWith('--')) {
      if (!longName || !isLongOption(value, longName)) continue;
      if (word.value === undefined) return { word: undefined };
      const equals = value.indexOf('=');
      return { word: equals === -1 ? args[index + 1] : { ...word, value: value.slice(equals + 1) } };
    }
    if (value.startsWith('-') && value.length > 1) {
      for (let position = 1; position < value.length; position++) {
        const current = value[position];
        if (current === letter) {
          if (position + 1 === value.length) return { word: args[index + 1] };
          if (word.value === undefined) return { word: undefined };
          return { word: { ...word, value: value.slice(position + 1) } };
        }
        if (valueLetters.includes(current)) {
          if (position + 1 === value.length) index++;
          break;
        }
      }
      continue;
    }
    if (options.leadingOnly) return undefined;
  }
  return undefined;
}

/**
 * Arguments that are not options. `withValue` lists options that consume the next word, so their value
 * is not taken for an operand. Everything after `--` is an operand.
 */
export function operands(args: readonly ShellWord[], withValue: readonly string[] = []): ShellWord[] {
  const result: ShellWord[] = [];
  for (let index = 0; index < args.length; index++) {
    const value = args[index].value;
    if (value === '--') return [...result, ...args.slice(index + 1)];
    if (value?.startsWith('-') && value !== '-') {
      // `-k 3` and also `-nrk 3`: a cluster whose last letter takes a value consumes the next word.
      const clusterEnd = /^-[A-Za-z]+$/.test(value) ? `-${value.at(-1)}` : value;
      if (withValue.includes(value) || withValue.includes(clusterEnd)) index++;
      continue;
    }
    result.push(args[index]);
  }
  return result;
}

/** The first argument that is not an option: a sub-command such as `git status` or `systemctl restart`. */
export function subcommand(args: readonly ShellWord[], withValue: readonly string[] = []): string | undefined {
  const first = operands(args, withValue)[0];
  return first ? text(first) : undefined;
}

/**
 * For wrappers (`sudo -u x cmd`, `nice -n 5 cmd`): the index where the wrapped command starts, skipping options
 * and their values, `VAR=value` words when `assignments` is set, and `skipOperands` leading operands (timeout's DURATION).
 */
export function wrappedStart(
  args: readonly ShellWord[],
  withValue: readonly string[],
  options: { assignments?: boolean; skipOperands?: number } = {},
): number {
  let skip = options.skipOperands ?? 0;
  for (let index = 0; index < args.length; index++) {
    const value = args[index].value;
    if (value === undefined) return index;
    if (value === '--') return index + 1;
    if (value.startsWith('-') && value.length > 1) {
      if (withValue.includes(value)) index++;
      continue;
    }
    if (options.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    return index;
  }
  return args.length;
}
