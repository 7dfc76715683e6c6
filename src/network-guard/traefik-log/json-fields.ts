/**
 * Reads single fields out of a flat, one-line JSON object without parsing the whole object: Traefik lines are
 * 600-1000 bytes and we need a dozen fields of them. In valid JSON an unescaped `"key"` followed by `:` can only be
 * a key (quotes inside string values are always escaped), so attacker-controlled values cannot forge a field.
 */

/** Marks a field whose value is present but not well-formed (unterminated string, wrong type). */
export const INVALID: unique symbol = Symbol('invalid');

export interface StringSpan {
  /** Index of the first character inside the quotes. */
  start: number;
  /** Index of the closing quote. */
  end: number;
  /** True when the raw value contains a backslash escape and must be decoded. */
  escaped: boolean;
}

/**
 * Index just after `"key":` (and any spaces), or -1 when the key is absent. `key` is the bare name (no quotes).
 * `hint` is where to start looking: Traefik sorts its keys, so reading them in order makes the searches together one
 * pass over the line; a key before the hint is still found by a backward search from the hint (so an absent key costs
 * one pass, not two).
 */
export function findValueStart(line: string, key: string, hint = 0): number {
  if (hint > 0) {
    const found = findValueStartFrom(line, key, hint);
    return found >= 0 ? found : findValueStartBackward(line, key, hint);
  }
  return findValueStartFrom(line, key, 0);
}

/*
 * The searches look for the bare name and check its quotes: a needle that starts with `"` (the commonest character of
 * a JSON line) makes V8's string search give up its first-character scan for a table-driven one, set up again on
 * every call (the dozen searches of a Traefik line took twice as long).
 */

function findValueStartFrom(line: string, key: string, start: number): number {
  let from = start;
  for (;;) {
    const at = line.indexOf(key, from);
    if (at < 0) return -1;
    const value = valueAfterName(line, key, at);
    if (value >= 0) return value;
    // A value, or a longer name, that contains the name: keep looking.
    from = at + 1;
  }
}

/** Index just after `:` (and any spaces) when the name at `at` is quoted and followed by one; else -1. */
function valueAfterName(line: string, key: string, at: number): number {
  const close = at + key.length;
  if (line.charCodeAt(at - 1) !== 34 /* " */ || line.charCodeAt(close) !== 34) return -1;
  let cursor = close + 1;
  while (line.charCodeAt(cursor) === 32) cursor++;
  if (line.charCodeAt(cursor) !== 58 /* : */) return -1;
  cursor++;
  while (line.charCodeAt(cursor) === 32) cursor++;
  return cursor;
}

/** Like findValueStart, searching from the end: faster for the keys Traefik writes last (request headers). */
export function findValueStartFromEnd(line: string, key: string): number {
  return findValueStartBackward(line, key, line.length);
}

function findValueStartBackward(line: string, key: string, start: number): number {
  let from = start;
  for (;;) {
    const at = line.lastIndexOf(key, from);
    if (at < 0) return -1;
    const value = valueAfterName(line, key, at);
    if (value >= 0) return value;
    if (at === 0) return -1;
    from = at - 1;
  }
}

/**
 * The span of a string value, `undefined` when absent or JSON null, INVALID when not a terminated string.
 * `fromEnd` searches the key from the end of the line (same answer: a key occurs once in a Traefik line).
 */
export function findStringSpan(
  line: string,
  key: string,
  fromEnd = false,
  hint = 0,
): StringSpan | undefined | typeof INVALID {
  const span: StringSpan = { start: 0, end: 0, escaped: false };
  const found = locateString(line, key, fromEnd, hint, span);
  return found === FOUND ? span : found === ABSENT ? undefined : INVALID;
}

const FOUND = 0;
const ABSENT = 1;
const NOT_A_STRING = 2;

/** findStringSpan into a span the caller owns (a reader reuses one for the dozen fields of a line). */
function locateString(line: string, key: string, fromEnd: boolean, hint: number, span: StringSpan): number {
  const valueStart = fromEnd ? findValueStartFromEnd(line, key) : findValueStart(line, key, hint);
  if (valueStart < 0) return ABSENT;
  const first = line.charCodeAt(valueStart);
  if (first !== 34 /* " */) return line.startsWith('null', valueStart) ? ABSENT : NOT_A_STRING;
  const start = valueStart + 1;
  span.start = start;
  // Fast path: the first quote ends the value unless a backslash comes before it.
  const quote = line.indexOf('"', start);
  if (quote < 0) return NOT_A_STRING;
  const backslash = line.indexOf('\\', start);
  if (backslash < 0 || backslash > quote) {
    span.end = quote;
    span.escaped = false;
    return FOUND;
  }
  for (let index = backslash; index < line.length; index++) {
    const code = line.charCodeAt(index);
    if (code === 34) {
      span.end = index;
      span.escaped = true;
      return FOUND;
    }
    if (code === 92) index++;
  }
  return NOT_A_STRING;
}

/** Decodes a string span; INVALID when its escapes are not valid JSON. */
export function decodeSpan(line: string, span: StringSpan): string | typeof INVALID {
  if (!span.escaped) return line.slice(span.start, span.end);
  try {
    return JSON.parse(line.slice(span.start - 1, span.end + 1)) as string;
  } catch {
    return INVALID;
  }
}

export function readString(line: string, key: string, fromEnd = false, hint = 0): string | undefined | typeof INVALID {
  const span = findStringSpan(line, key, fromEnd, hint);
  if (span === undefined || span === INVALID) return span;
  return decodeSpan(line, span);
}

/** A JSON number (integers only are expected), or a numeric string; undefined when absent or null. */
export function readInteger(line: string, key: string, hint = 0): number | undefined | typeof INVALID {
  const valueStart = findValueStart(line, key, hint);
  return valueStart < 0 ? undefined : integerAt(line, valueStart);
}

function integerAt(line: string, valueStart: number): number | undefined | typeof INVALID {
  let cursor = valueStart;
  const quoted = line.charCodeAt(cursor) === 34;
  if (quoted) cursor++;
  let value = 0;
  let digits = 0;
  for (; ; cursor++) {
    const code = line.charCodeAt(cursor);
    if (code < 48 || code > 57) break;
    value = value * 10 + (code - 48);
    digits++;
  }
  if (digits === 0) return line.startsWith('null', valueStart) ? undefined : INVALID;
  if (quoted && line.charCodeAt(cursor) !== 34) return INVALID;
  return digits > 15 ? INVALID : value;
}

/**
 * Reads fields of one line in Traefik's key order (byte-wise sorted), each search starting where the previous key
 * was found. Keys asked out of order, or lines written by something else, still work (a second search).
 */
export class JsonLineReader {
  readonly line: string;
  #hint = 0;
  readonly #span: StringSpan = { start: 0, end: 0, escaped: false };

  constructor(line: string) {
    this.line = line;
  }

  string(key: string): string | undefined | typeof INVALID {
    const span = this.#span;
    const found = locateString(this.line, key, false, this.#hint, span);
    if (found !== FOUND) {
      span.escaped = true; // lastStart: no plain slice of the line
      return found === ABSENT ? undefined : INVALID;
    }
    this.#hint = span.end;
    return decodeSpan(this.line, span);
  }

  /** Where the last string() value starts in the line when it is a plain slice of it (no escapes), else -1. */
  get lastStart(): number {
    return this.#span.escaped ? -1 : this.#span.start;
  }

  integer(key: string): number | undefined | typeof INVALID {
    const valueStart = findValueStart(this.line, key, this.#hint);
    if (valueStart < 0) return undefined;
    this.#hint = valueStart;
    return integerAt(this.line, valueStart);
  }
}
