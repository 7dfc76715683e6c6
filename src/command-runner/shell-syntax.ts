import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { Language, type Node, Parser } from 'web-tree-sitter';
import type { ShellWord } from './path-rules.ts';

export type { Node as SyntaxNode } from 'web-tree-sitter';

let loading: Promise<Parser> | undefined;

/** The bash grammar Codex CLI uses, loaded once per process (WebAssembly, no native addon). */
export function loadBashParser(): Promise<Parser> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    // V8 would soon re-compile the grammar's huge lexer with its optimising tier in the background: 450 MB and 0.3 s
    // that a short command pays at exit. Its baseline code parses a command in well under a millisecond already.
    setFlagsFromString('--wasm-tiering-budget=2000000000');
    await Parser.init();
    const language = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return loading;
}

/** Nodes whose text the shell computes at run time. */
const DYNAMIC_TYPES = new Set([
  'simple_expansion',
  'expansion',
  'command_substitution',
  'process_substitution',
  'arithmetic_expansion',
  'brace_expression',
]);

const SINGLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** Decodes the body of `$'...'` the way bash does (hex, octal, unicode and control escapes). */
export function decodeAnsiC(body: string): string {
  return body.replace(
    /\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)/g,
    (_match, sequence: string) => {
      const kind = sequence[0];
      if (kind === 'x' || kind === 'u' || kind === 'U')
        return String.fromCodePoint(Number.parseInt(sequence.slice(1), 16));
      if (/[0-7]/.test(kind)) return String.fromCharCode(Number.parseInt(sequence, 8) & 0xff);
      if (kind === 'c') return String.fromCharCode(sequence.charCodeAt(1) & 0x1f);
      return SINGLE_ESCAPES[sequence] ?? `\\${sequence}`;
    },
  );
}

/** True when a `$'...'` body writes a printable ASCII character as a numeric escape (`\x72`, `\162`, `\u0072`). */
export function hidesPrintableText(body: string): boolean {
  for (const match of body.matchAll(
    /\\(?:x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|([0-7]{1,3})|.)/g,
  )) {
    const [, hex, short, long, octal] = match;
    const code = octal ? Number.parseInt(octal, 8) & 0xff : Number.parseInt(hex ?? short ?? long ?? '', 16);
    if (code >= 0x20 && code <= 0x7e) return true;
  }
  return false;
}

/** Unquoted text: backslash escapes the next character (`\rm` is `rm`), a backslash-newline disappears. */
function unescapeBare(text: string): string {
  return text.replace(/\\(\n|.)/g, (_match, character: string) => (character === '\n' ? '' : character));
}

/** Inside double quotes only `\$`, `` \` ``, `\"`, `\\` and backslash-newline are escapes. */
function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\([$`"\\\n])/g, (_match, character: string) => (character === '\n' ? '' : character));
}

const BRACE_EXPANSION = /(^|[^\\$])\{[^}\s]*(,|\.\.)[^}\s]*\}/;

/** Evaluates a word node statically: its value if the text alone decides it, else undefined. */
export function evaluateWord(node: Node): ShellWord {
  const word: ShellWord = { value: '', raw: node.text, pattern: false, obfuscated: false };
  append(node, word);
  // The grammar splits `r{m,}` into pieces; brace expansion is judged on the whole unquoted text.
  if ((node.type === 'concatenation' || node.type === 'command_name') && BRACE_EXPANSION.test(node.text))
    word.pattern = true;
  return word;
}

function append(node: Node, word: ShellWord): void {
  if (word.value === undefined) return;
  switch (node.type) {
    case 'word':
    case 'command_name': {
      if (node.type === 'command_name' || node.namedChildCount > 0) {
        for (const child of node.namedChildren) if (child) append(child, word);
        if (node.namedChildCount > 0) return;
      }
      const text = node.text;
      if (/(^|[^\\])[*?[]/.test(text) || BRACE_EXPANSION.test(text)) word.pattern = true;
      word.value += unescapeBare(text);
      return;
    }
    case 'number':
      word.value += node.text;
      return;
    case 'raw_string':
      word.value += node.text.slice(1, -1);
      return;
    case 'ansi_c_string':
      word.obfuscated = true;
      if (hidesPrintableText(node.text.slice(2, -1))) word.hidden = true;
      word.value += decodeAnsiC(node.text.slice(2, -1));
      return;
    case 'string':
    case 'translated_string': {
      for (const child of node.children) {
        if (!child) continue;
        // A `$` that starts no expansion (`"foo$"`) is a literal dollar sign.
        if (!child.isNamed) {
          if (child.type === '$') word.value += '$';
        } else if (child.type === 'string_content') word.value += unescapeDoubleQuoted(child.text);
        else {
          word.value = undefined;
          return;
        }
      }
      return;
    }
    case 'concatenation':
      for (const child of node.children) {
        if (!child) continue;
        if (child.isNamed) append(child, word);
        // Anonymous children are literal punctuation the grammar split out (`=`, `:`...).
        else if (word.value !== undefined) word.value += child.text;
      }
      return;
    default:
      if (DYNAMIC_TYPES.has(node.type)) {
        word.value = undefined;
        return;
      }
      // Anything else (extglob, regex, test operators) is kept as text but cannot name a program safely.
      word.value += node.text;
      word.pattern = true;
  }
}

/**
 * `${var@P}` expands the value as a prompt string, and prompt strings undergo command substitution: the value (set
 * earlier in the command, or inherited) runs as code, like `eval "$var"`.
 */
export function isPromptExpansion(node: Node): boolean {
  if (node.type !== 'expansion') return false;
  const children = node.children;
  for (let index = 1; index < children.length; index++)
    if (children[index - 1]?.type === '@' && children[index]?.text === 'P') return true;
  return false;
}

function runsCode(node: Node): boolean {
  return node.type === 'command_substitution' || node.type === 'process_substitution' || isPromptExpansion(node);
}

/** Every command and process substitution (and `${var@P}`) inside a node: they run too and are classified. */
export function substitutionsIn(node: Node): Node[] {
  const found: Node[] = [];
  const visit = (current: Node) => {
    for (const child of current.namedChildren) {
      if (!child) continue;
      if (runsCode(child)) found.push(child);
      else visit(child);
    }
  };
  if (runsCode(node)) found.push(node);
  else visit(node);
  return found;
}

/** The first ERROR or MISSING node, which means the text is not a complete bash program. */
export function firstSyntaxError(node: Node): Node | undefined {
  if (node.isError || node.isMissing) return node;
  if (!node.hasError) return undefined;
  for (const child of node.children) {
    if (!child) continue;
    const found = firstSyntaxError(child);
    if (found) return found;
  }
  return node;
}

const CASE_TERMINATORS = new Set([';;', ';&', ';;&']);
/** Reserved words that cannot start a command: bash reads them as syntax, the grammar as a program name. */
const RESERVED_WORDS = new Set([
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'esac',
  'in',
  '}',
  ']]',
  'function',
  'select',
]);

/**
 * Text tree-sitter-bash accepts that bash rejects: a case terminator (`;;`, `;&`, `;;&`) outside a `case` item
 * (`ls ;; pwd` is a syntax error to bash, two commands to the grammar), or a reserved word where a program name
 * goes (`fi`, `done`). Returns the offending node.
 */
export function lenientSyntax(node: Node): Node | undefined {
  if (node.type === 'command_name' && RESERVED_WORDS.has(node.text)) return node;
  for (const child of node.children) {
    if (!child) continue;
    if (!child.isNamed && CASE_TERMINATORS.has(child.type) && node.type !== 'case_item') return child;
    const found = lenientSyntax(child);
    if (found) return found;
  }
  return undefined;
}

/** The argv of a program that is exactly one command of plain words (no expansion, glob, redirect or assignment). */
export function simpleArgv(root: Node): string[] | undefined {
  const statements = root.namedChildren.filter((child) => child && child.type !== 'comment');
  const command = statements[0];
  if (statements.length !== 1 || !command || command.type !== 'command') return undefined;
  const argv: string[] = [];
  for (const child of command.namedChildren) {
    if (!child || child.type === 'variable_assignment' || child.type.endsWith('_redirect')) return undefined;
    const word = evaluateWord(child);
    if (word.value === undefined || word.pattern || word.obfuscated) return undefined;
    argv.push(word.value);
  }
  return argv.length > 0 ? argv : undefined;
}

/**
 * A backtick or `$(` bash would execute that the grammar did not turn into a command substitution (inside `${x:-...}`
 * or an unquoted here-document, for example): the offset of the first one, or undefined. Inside single quotes,
 * `$'...'`, comments and quoted here-documents, or escaped with a backslash, they are literal text to bash too.
 */
export function strayBacktick(text: string, root: Node): number | undefined {
  const { literal, substitutionStarts } = literalSpans(root, true);
  const literalAt = (index: number) => {
    let backslashes = 0;
    while (index - backslashes - 1 >= 0 && text[index - backslashes - 1] === '\\') backslashes++;
    return backslashes % 2 === 1 || literal.some(([start, end]) => index >= start && index < end);
  };
  for (let index = text.indexOf('`'); index !== -1; index = text.indexOf('`', index + 1))
    if (!literalAt(index)) return index;
  for (let index = text.indexOf('$('); index !== -1; index = text.indexOf('$(', index + 1))
    if (text[index + 2] !== '(' && !substitutionStarts.has(index) && !literalAt(index)) return index;
  return undefined;
}

/**
 * Where bash reads text literally: single quotes, `$'...'`, comments and quoted here-documents (and backtick
 * substitutions, when `backticks`: their inside is read again later); with the starts of `$(...)` substitutions.
 */
function literalSpans(
  root: Node,
  backticks: boolean,
): { literal: Array<[number, number]>; substitutionStarts: Set<number> } {
  const literal: Array<[number, number]> = [];
  const substitutionStarts = new Set<number>();
  const visit = (node: Node, quotedHeredoc: boolean) => {
    if (node.type === 'command_substitution') substitutionStarts.add(node.startIndex);
    if (
      node.type === 'raw_string' ||
      node.type === 'ansi_c_string' ||
      node.type === 'comment' ||
      (backticks && node.type === 'command_substitution' && node.text.startsWith('`')) ||
      (node.type === 'heredoc_body' && quotedHeredoc)
    ) {
      literal.push([node.startIndex, node.endIndex]);
      return;
    }
    let quoted = quotedHeredoc;
    for (const child of node.children) {
      if (!child) continue;
      if (child.type === 'heredoc_start') quoted = /['"\\]/.test(child.text);
      visit(child, quoted);
    }
  };
  visit(root, false);
  return { literal, substitutionStarts };
}

/**
 * A backslash-newline between two non-blank characters: bash removes it before reading words, so `r\<newline>m -rf /`
 * runs `rm`, and `$\<newline>(id)` is a command substitution; the grammar splits there (`r` and `m`). The offset of
 * the first one outside single quotes, `$'...'`, comments and quoted here-documents, where it stays literal text.
 */
export function wordSplittingContinuation(text: string, root: Node): number | undefined {
  if (!text.includes('\\\n')) return undefined;
  const { literal } = literalSpans(root, false);
  for (let index = text.indexOf('\\\n'); index !== -1; index = text.indexOf('\\\n', index + 1)) {
    let backslashes = 0;
    while (index - backslashes - 1 >= 0 && text[index - backslashes - 1] === '\\') backslashes++;
    if (backslashes % 2 === 1) continue;
    const before = text[index - 1];
    const after = text[index + 2];
    if (before === undefined || after === undefined || /\s/.test(before) || /\s/.test(after)) continue;
    if (!literal.some(([start, end]) => index >= start && index < end)) return index;
  }
  return undefined;
}
