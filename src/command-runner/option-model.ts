import type { Finding } from './danger-level.ts';
import { type PathContext, type ShellWord, writeTargetFinding } from './path-rules.ts';

/**
 * What an option does with its value. `exec`: names a program to run (or code to load: a plugin, an engine);
 * `pager`: a pager, editor or browser command to spawn; `config`: a file of settings that can itself name programs;
 * `write`: a file to write. `value` takes a value and is harmless; `flag` takes none (listed so that a long-option
 * prefix resolves to it rather than to a dangerous neighbour).
 */
export type OptionEffect = 'exec' | 'pager' | 'config' | 'write' | 'value' | 'flag';

/** One program's options, as its own parser reads them. */
export interface ProgramOptions {
  /** Short option letters that take a value (`-o FILE`, `-oFILE`, `-abo FILE`), with what the value is. */
  short?: Record<string, OptionEffect>;
  /** Short letters whose value is optional and only ever joined (`gawk -o[file]`, `man -H[browser]`). */
  optionalShort?: string;
  /** Long options (`--pre`, or `-out` for single-dash programs), with what their value is. */
  long?: Record<string, OptionEffect>;
  /** Long options are written with one dash (openssl, find, go); two dashes are accepted too. */
  singleDash?: boolean;
  /**
   * Long options are whole names only, no abbreviation (Go's pflag, under cobra: kubectl, helm, docker): `helm list
   * --output json` names the format, not a prefix of `--output-dir`.
   */
  exactLong?: boolean;
  /** Options end at the first operand (wrappers: what follows belongs to the wrapped command). */
  stopAtOperand?: boolean;
  /** `+text` is a command to the program (less): the effect when the text runs something, else undefined. */
  plus?: (text: string) => OptionEffect | undefined;
}

export interface OptionUse {
  /** The option as the table names it (`--pre` for `--pr=x`, `-z` for `-nz`). */
  option: string;
  /** The word as written. */
  written: string;
  effect: OptionEffect;
  /** The value; undefined for a flag or an optional value left out; `value: undefined` inside when dynamic. */
  value?: ShellWord;
}

const DANGER: Record<OptionEffect, number> = { exec: 5, pager: 4, config: 3, write: 2, value: 1, flag: 0 };
const TAKES_VALUE = new Set<OptionEffect>(['exec', 'pager', 'config', 'write', 'value']);

/**
 * Resolves a long option name the way getopt_long, optparse, nopt and git's parse-options do: an exact name, or an
 * unambiguous prefix (`--pr` for `--pre`). An ambiguous prefix is an error for those parsers; it resolves here to
 * the most dangerous candidate, so a parser that does accept it cannot run more than we judged.
 */
function resolveLong(name: string, long: Record<string, OptionEffect>): [string, OptionEffect] | undefined {
  if (Object.hasOwn(long, name)) return [name, long[name]];
  let best: [string, OptionEffect] | undefined;
  for (const [candidate, effect] of Object.entries(long))
    if (candidate.startsWith(name) && (!best || DANGER[effect] > DANGER[best[1]])) best = [candidate, effect];
  return best;
}

function slice(word: ShellWord, from: number): ShellWord {
  return { ...word, value: word.value?.slice(from), raw: word.raw.slice(from) };
}

/** The literal start of a word bash computes at run time (`--pre=$X` starts with `--pre=`). */
function staticPrefix(word: ShellWord): string {
  return word.raw.replace(/^["']/, '').split(/[$`"'\\]/)[0];
}

/**
 * A word bash may turn into an option the table cannot see: a value decided at run time with no literal start
 * (`$X`, `"$OPTS"`, `-$X`), or a brace expansion that yields an option (`{-o,out}`). `X=--pre=sh; rg $X p`.
 */
function mayBecomeOption(word: ShellWord): boolean {
  if (word.value === undefined) {
    const prefix = staticPrefix(word);
    return prefix === '' || (prefix.startsWith('-') && !prefix.includes('='));
  }
  return word.pattern && /^\{[^}]*-/.test(word.value);
}

/**
 * Every option the table knows in `args`, in order, in every spelling the program accepts. Words that may become
 * options only at run time (and are not the value of an option) are added to `unseen` when it is given.
 */
export function scanOptions(args: readonly ShellWord[], spec: ProgramOptions, unseen?: ShellWord[]): OptionUse[] {
  const uses: OptionUse[] = [];
  const long = spec.long ?? {};
  const short = spec.short ?? {};
  for (let index = 0; index < args.length; index++) {
    const word = args[index];
    const value = word.value ?? staticPrefix(word);
    const dynamic = word.value === undefined;
    if (value === '--') break;
    if (unseen && mayBecomeOption(word)) unseen.push(word);
    if (spec.plus && value.startsWith('+') && !dynamic) {
      const effect = spec.plus(value.slice(1));
      if (effect) uses.push({ option: '+', written: value, effect, value: slice(word, 1) });
      continue;
    }
    if (!value.startsWith('-') || value === '-') {
      if (spec.stopAtOperand) break;
      continue;
    }
    const isLong = value.startsWith('--') || spec.singleDash === true;
    if (isLong) {
      const body = spec.singleDash ? value.replace(/^--?/, '-') : value;
      const equals = body.indexOf('=');
      const name = equals === -1 ? body : body.slice(0, equals);
      // A dynamic word is judged by its literal start only when that start names the option completely.
      if (dynamic && equals === -1) continue;
      // Single-dash parsers (Go's flag package, openssl, find) and pflag take whole names only.
      const resolved =
        spec.singleDash || spec.exactLong
          ? Object.hasOwn(long, name)
            ? ([name, long[name]] as [string, OptionEffect])
            : undefined
          : name.length > 2
            ? resolveLong(name, long)
            : undefined;
      if (!resolved) continue;
      const [option, effect] = resolved;
      if (!TAKES_VALUE.has(effect)) continue;
      const separator = value.indexOf('=');
      if (separator !== -1)
        uses.push({
          option,
          written: value,
          effect,
          value: dynamic ? { ...word, value: undefined } : slice(word, separator + 1),
        });
      else {
        uses.push({ option, written: value, effect, value: args[index + 1] });
        index++;
      }
      continue;
    }
    // A cluster of short options: a letter that takes a value takes the rest of the word, or the next word.
    for (let position = 1; position < value.length; position++) {
      const letter = value[position];
      const effect = Object.hasOwn(short, letter) ? short[letter] : undefined;
      if (spec.optionalShort?.includes(letter)) {
        const rest = position + 1 < value.length && !dynamic ? slice(word, position + 1) : undefined;
        uses.push({ option: `-${letter}`, written: value, effect: effect ?? 'value', value: rest });
        break;
      }
      if (!effect || !TAKES_VALUE.has(effect)) continue;
      if (position + 1 < value.length)
        uses.push({
          option: `-${letter}`,
          written: value,
          effect,
          value: dynamic ? { ...word, value: undefined } : slice(word, position + 1),
        });
      else if (!dynamic) {
        uses.push({ option: `-${letter}`, written: value, effect, value: args[index + 1] });
        index++;
      }
      break;
    }
  }
  return uses;
}

/** The values given to one option, in every spelling (`sed -e x -ne y --expression=z`). */
export function optionValues(args: readonly ShellWord[], spec: ProgramOptions, option: string): ShellWord[] {
  return scanOptions(args, spec)
    .filter((use) => use.option === option && use.value !== undefined)
    .map((use) => use.value as ShellWord);
}

/** Findings for the options that run, spawn, load or write something. */
export function optionFindings(
  program: string,
  args: readonly ShellWord[],
  spec: ProgramOptions,
  context: PathContext,
): Finding[] {
  const found: Finding[] = [];
  const unseen: ShellWord[] = [];
  const uses = scanOptions(args, spec, unseen);
  const effects = [...Object.values(spec.short ?? {}), ...Object.values(spec.long ?? {})];
  if (unseen.length > 0 && (spec.plus || effects.some((effect) => DANGER[effect] >= DANGER.write)))
    found.push({
      level: 'HIGH',
      rule: 'dynamic-option',
      reason: `${program} ${unseen[0].raw.slice(0, 80)} may become an option at run time (one that runs a program or writes)`,
    });
  for (const use of uses) {
    const shown = use.value ? (use.value.value ?? use.value.raw) : '';
    const label = `${program} ${use.written}${use.value && !use.written.includes(shown) ? ` ${shown}` : ''}`.slice(
      0,
      120,
    );
    if (use.effect === 'exec')
      found.push({ level: 'CRITICAL', rule: 'option-runs-program', reason: `${label}: ${use.option} runs a program` });
    else if (use.effect === 'pager')
      found.push({
        level: 'CRITICAL',
        rule: 'option-spawns-pager',
        reason: `${label}: ${use.option} names the pager, editor or browser command to run`,
      });
    else if (use.effect === 'config')
      found.push({
        level: 'HIGH',
        rule: 'option-loads-config',
        reason: `${label}: ${use.option} loads settings that can name programs to run`,
      });
    else if (use.effect === 'write') {
      const write = use.value
        ? writeTargetFinding(use.value, context, `${program} ${use.option} writes`)
        : { level: 'MEDIUM' as const, rule: 'file-write', reason: `${label}: ${use.option} writes a file` };
      if (write) found.push(write);
    }
  }
  return found;
}
