import type { Node } from 'web-tree-sitter';
import type { ShellWord } from './path-rules.ts';
import { decodeAnsiC } from './shell-syntax.ts';

/**
 * Bash's brace expansion, parameter expansion and word splitting, done statically where the text decides them:
 * `rm -{r,f} /` is `rm -r -f /`, and after `x="-rf /"` the word `$x` is the two words `-rf` and `/`. The
 * classifier rates these words IN ADDITION to the words as written (which stay rated as before), so a value
 * we guess wrong, or a branch that is never taken, can only make a command stricter, never laxer.
 */

/** Most alternatives one word or command may expand to; beyond that the command keeps only its written words' rating. */
const MAX_ALTERNATIVES = 64;

/** The values a variable may hold at some point of the script: each alternative is its list of elements. */
export class StaticVariables {
  readonly #values = new Map<string, string[][]>([
    // Inherited: any home directory (the path rules read `~` so), and the default field separators.
    ['HOME', [['~']]],
    ['IFS', [[' \t\n']]],
  ]);

  /** Adds one possible value (a scalar is one element; an array, `set --` or `"$@"` many). */
  assign(name: string, elements: string[]): void {
    const known = this.#values.get(name) ?? [];
    if (known.length >= 8 || known.some((value) => value.join('\0') === elements.join('\0'))) return;
    this.#values.set(name, [...known, elements]);
  }

  get(name: string): string[][] | undefined {
    return this.#values.get(name);
  }
}

type Piece =
  | { kind: 'char'; char: string; quoted: boolean }
  /** An empty quoted string (`""`, `''`): it keeps a field that would otherwise vanish. */
  | { kind: 'mark' }
  | { kind: 'variable'; name: string; quoted: boolean; subscript?: string };

/**
 * The fields a word may become: each alternative a list of words, or undefined when the word has nothing to expand
 * or uses something we cannot evaluate (command substitution, an unknown variable, `${x:-...}`).
 */
export function expandStatically(
  node: Node,
  variables: StaticVariables,
  /** An assignment's value: no brace expansion, no word splitting. */
  mode: 'word' | 'assignment' = 'word',
): ShellWord[][] | undefined {
  if (!/[{$]/.test(node.text)) return undefined;
  const items: Piece[] = [];
  if (!collectPieces(node, items)) return undefined;
  const braces = mode === 'word' && items.some(isBraceStart);
  if (!items.some((item) => item.kind === 'variable') && !braces) return undefined;
  const braced = braces ? expandBraces(items) : [items];
  if (!braced) return undefined;
  const alternatives: ShellWord[][] = [];
  const fieldSeparators = mode === 'word' ? (variables.get('IFS') ?? [[' \t\n']]) : [['']];
  for (const separators of fieldSeparators) {
    // The words a brace expansion makes are all passed; each may take any of its variables' values.
    const words: ShellWord[][][] = [];
    for (const pieces of braced) {
      const expanded = expandParameters(pieces, variables, separators.join(''));
      if (!expanded) return undefined;
      words.push(expanded.map((fields) => fields.map((field) => ({ ...field, raw: node.text }))));
    }
    for (const fields of combinations(words)) {
      const key = fields.map((field) => field.value).join('\0');
      if (!alternatives.some((known) => known.map((field) => field.value).join('\0') === key))
        alternatives.push(fields);
    }
  }
  return alternatives.length > MAX_ALTERNATIVES ? undefined : alternatives;
}

/** Every combination of each word's alternatives (a word without any stands for itself), at most MAX_ALTERNATIVES. */
export function combinations(choices: ShellWord[][][]): ShellWord[][] {
  let results: ShellWord[][] = [[]];
  for (const choice of choices) {
    const next: ShellWord[][] = [];
    for (const prefix of results)
      for (const fields of choice) if (next.length < MAX_ALTERNATIVES) next.push([...prefix, ...fields]);
    results = next;
  }
  return results;
}

function isBraceStart(item: Piece): boolean {
  return item.kind === 'char' && item.char === '{' && !item.quoted;
}

function pushText(items: Piece[], text: string, quoted: boolean): void {
  for (const char of text) items.push({ kind: 'char', char, quoted });
}

function collectPieces(node: Node, items: Piece[]): boolean {
  switch (node.type) {
    case 'word':
    case 'command_name': {
      if (node.type === 'command_name' || node.namedChildCount > 0) {
        for (const child of node.namedChildren) if (child && !collectPieces(child, items)) return false;
        if (node.namedChildCount > 0) return true;
      }
      const text = node.text;
      for (let index = 0; index < text.length; index++) {
        if (text[index] !== '\\' || index + 1 >= text.length) pushText(items, text[index], false);
        else if (text[++index] !== '\n') pushText(items, text[index], true);
      }
      return true;
    }
    case 'number':
    case 'brace_expression':
      pushText(items, node.text, false);
      return true;
    case 'raw_string':
      items.push({ kind: 'mark' });
      pushText(items, node.text.slice(1, -1), true);
      return true;
    case 'ansi_c_string':
      items.push({ kind: 'mark' });
      pushText(items, decodeAnsiC(node.text.slice(2, -1)), true);
      return true;
    case 'string':
    case 'translated_string':
      items.push({ kind: 'mark' });
      for (const child of node.children) {
        if (!child) continue;
        if (!child.isNamed) {
          if (child.type === '$') pushText(items, '$', true);
        } else if (child.type === 'string_content')
          pushText(
            items,
            child.text.replace(/\\([$`"\\\n])/g, (_match, char: string) => (char === '\n' ? '' : char)),
            true,
          );
        else if (!collectVariable(child, true, items)) return false;
      }
      return true;
    case 'concatenation':
      for (const child of node.children) {
        if (!child) continue;
        if (!child.isNamed) pushText(items, child.text, false);
        else if (!collectPieces(child, items)) return false;
      }
      return true;
    default:
      return collectVariable(node, false, items);
  }
}

function collectVariable(node: Node, quoted: boolean, items: Piece[]): boolean {
  if (node.type === 'simple_expansion') {
    const name = node.text.slice(1);
    if (!/^([A-Za-z_]\w*|[@*]|\d)$/.test(name)) return false;
    items.push({ kind: 'variable', name, quoted });
    return true;
  }
  if (node.type !== 'expansion') return false;
  const match = /^\$\{([A-Za-z_]\w*|[@*]|\d+)(?:\[([@*]|\d+)\])?\}$/.exec(node.text);
  if (!match) return false;
  items.push({ kind: 'variable', name: match[1], quoted, subscript: match[2] });
  return true;
}

/** Bash's brace expansion (before every other expansion), on unquoted `{a,b}` and `{1..3}` / `{a..e}`. */
function expandBraces(items: Piece[]): Piece[][] | undefined {
  for (let start = 0; start < items.length; start++) {
    if (!isBraceStart(items[start])) continue;
    const inner = braceBody(items, start);
    if (!inner) continue;
    const { end, alternatives } = inner;
    const results: Piece[][] = [];
    for (const alternative of alternatives) {
      const expanded = expandBraces([...items.slice(0, start), ...alternative, ...items.slice(end + 1)]);
      if (!expanded) return undefined;
      results.push(...expanded);
      if (results.length > MAX_ALTERNATIVES) return undefined;
    }
    return results;
  }
  return [items];
}

function isUnquoted(item: Piece | undefined, char: string): boolean {
  return item?.kind === 'char' && !item.quoted && item.char === char;
}

/** The `{...}` starting at `start`, if it is a brace expansion: where it ends and what it offers. */
function braceBody(items: Piece[], start: number): { end: number; alternatives: Piece[][] } | undefined {
  let depth = 0;
  const commas: number[] = [];
  for (let index = start; index < items.length; index++) {
    const item = items[index];
    if (isUnquoted(item, '{')) depth++;
    else if (isUnquoted(item, '}')) {
      depth--;
      if (depth > 0) continue;
      if (commas.length > 0) {
        const bounds = [start, ...commas, index];
        return { end: index, alternatives: bounds.slice(1).map((bound, at) => items.slice(bounds[at] + 1, bound)) };
      }
      const sequence = sequenceOf(items.slice(start + 1, index));
      return sequence ? { end: index, alternatives: sequence } : undefined;
    } else if (depth === 1 && isUnquoted(item, ',')) commas.push(index);
  }
  return undefined;
}

function sequenceOf(items: Piece[]): Piece[][] | undefined {
  if (items.some((item) => item.kind !== 'char' || item.quoted)) return undefined;
  const text = items.map((item) => (item.kind === 'char' ? item.char : '')).join('');
  const numbers = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/.exec(text);
  const letters = /^([A-Za-z])\.\.([A-Za-z])(?:\.\.(-?\d+))?$/.exec(text);
  const match = numbers ?? letters;
  if (!match) return undefined;
  const from = numbers ? Number(match[1]) : match[1].charCodeAt(0);
  const to = numbers ? Number(match[2]) : match[2].charCodeAt(0);
  const step = Math.abs(Number(match[3] ?? 1)) || 1;
  if (Math.abs(to - from) / step > MAX_ALTERNATIVES) return undefined;
  // `{01..10}`: a leading zero pads every number to the widest end.
  const padded = numbers && (/^-?0\d/.test(match[1]) || /^-?0\d/.test(match[2]));
  const width = padded ? Math.max(match[1].length, match[2].length) : 0;
  const values: Piece[][] = [];
  for (let value = from; from <= to ? value <= to : value >= to; value += from <= to ? step : -step) {
    const spelled = numbers ? String(value).padStart(width, '0') : String.fromCharCode(value);
    values.push([...spelled].map((char) => ({ kind: 'char', char, quoted: false })));
  }
  return values;
}

interface Partial {
  fields: ShellWord[];
  text: string;
  pattern: boolean;
  started: boolean;
}

/** Parameter expansion and word splitting of one brace-expanded word: each alternative its list of fields. */
function expandParameters(items: Piece[], variables: StaticVariables, separators: string): ShellWord[][] | undefined {
  let states: Partial[] = [{ fields: [], text: '', pattern: false, started: false }];
  for (const item of items) {
    if (item.kind === 'mark') for (const state of states) state.started = true;
    else if (item.kind === 'char')
      for (const state of states) {
        state.text += item.char;
        state.started = true;
        if (!item.quoted && /[*?[]/.test(item.char)) state.pattern = true;
      }
    else {
      const values = valuesOf(item, variables);
      if (!values) return undefined;
      const next: Partial[] = [];
      for (const state of states)
        for (const elements of values) next.push(appendValue(copy(state), item, elements, separators));
      if (next.length > MAX_ALTERNATIVES) return undefined;
      states = next;
    }
  }
  return states.map((state) => finish(state).fields);
}

function valuesOf(item: Extract<Piece, { kind: 'variable' }>, variables: StaticVariables): string[][] | undefined {
  if (/^\d+$/.test(item.name) && item.name !== '0')
    return variables.get('@')?.map((elements) => [elements[Number(item.name) - 1] ?? '']);
  const values = variables.get(item.name === '*' ? '@' : item.name);
  if (!values) return undefined;
  const subscript = item.subscript;
  if (item.name === '@' || item.name === '*' || subscript === '@' || subscript === '*') return values;
  return values.map((elements) => [elements[Number(subscript ?? 0)] ?? '']);
}

function copy(state: Partial): Partial {
  return { ...state, fields: [...state.fields] };
}

function finish(state: Partial): Partial {
  if (state.started) state.fields.push({ value: state.text, raw: '', pattern: state.pattern, obfuscated: false });
  return { fields: state.fields, text: '', pattern: false, started: false };
}

function appendValue(
  state: Partial,
  item: Extract<Piece, { kind: 'variable' }>,
  elements: string[],
  separators: string,
): Partial {
  const each = item.name === '@' || item.subscript === '@';
  if (item.quoted) {
    if (!each) {
      state.text += elements.join(separators.slice(0, 1));
      state.started = true;
      return state;
    }
    elements.forEach((element, index) => {
      if (index > 0) state = finish(state);
      state.text += element;
      state.started = true;
    });
    return state;
  }
  elements.forEach((element, index) => {
    if (index > 0) state = finish(state);
    state = splitInto(state, element, separators);
  });
  return state;
}

/** Word splitting: IFS whitespace runs and each other IFS character end a field. */
function splitInto(state: Partial, value: string, separators: string): Partial {
  if (separators === '') {
    state.text += value;
    state.started ||= value !== '';
    if (/[*?[]/.test(value)) state.pattern = true;
    return state;
  }
  const escaped = separators.replace(/[\\\]^-]/g, '\\$&');
  const whitespaceOnly = /^\s+$/.test(separators);
  const parts = value.split(new RegExp(whitespaceOnly ? `[${escaped}]+` : `[${escaped}]`));
  parts.forEach((part, index) => {
    if (index > 0) state = finish(state);
    state.text += part;
    // `IFS=,` and `a,,b`: the empty field in the middle is kept, a trailing one is not.
    if (part !== '' || (!whitespaceOnly && index < parts.length - 1)) state.started = true;
    if (/[*?[]/.test(part)) state.pattern = true;
  });
  return state;
}
