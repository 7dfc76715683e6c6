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
 * Index just after `"key":` (and any spaces), or -1 when the key is absent. `hint` is where to start looking: Traefik
 * sorts its keys, so reading them in order makes the searches together one pass over the line; a key before the hint
 * is still found by a backward search from the hint (so an absent key costs one pass, not two).
 */
export function findValueStart(line: string, quotedKey: string, hint = 0): number {
  if (hint > 0) {
    const found = findValueStartFrom(line, quotedKey, hint);
    return found >= 0 ? found : findValueStartBackward(line, quotedKey, hint);
  }
  return findValueStartFrom(line, quotedKey, 0);
}

function findValueStartFrom(line: string, quotedKey: string, start: number): number {
  let from = start;
  for (;;) {
    const at = line.indexOf(quotedKey, from);
    if (at < 0) return -1;
    const value = valueAfterKey(line, at + quotedKey.length);
    if (value >= 0) return value;
    // A string value that happens to equal the key name: keep looking.
    from = at + quotedKey.length;
  }
}

/** Index just after `:` (and any spaces) when it follows `afterKey` (spaces allowed); -1 when the key was a value. */
function valueAfterKey(line: string, afterKey: number): number {
  let cursor = afterKey;
  while (line.charCodeAt(cursor) === 32) cursor++;
  if (line.charCodeAt(cursor) !== 58 /* : */) return -1;
  cursor++;
  while (line.charCodeAt(cursor) === 32) cursor++;
  return cursor;
}

/** Like findValueStart, searching from the end: faster for the keys Traefik writes last (request headers). */
export function findValueStartFromEnd(line: string, quotedKey: string): number {
  return findValueStartBackward(line, quotedKey, line.length);
}

function findValueStartBackward(line: string, quotedKey: string, start: number): number {
  let from = start;
  for (;;) {
    const at = line.lastIndexOf(quotedKey, from);
    if (at < 0) return -1;
    const value = valueAfterKey(line, at + quotedKey.length);
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
  quotedKey: string,
  fromEnd = false,
  hint = 0,
): StringSpan | undefined | typeof INVALID {
  const span: StringSpan = { start: 0, end: 0, escaped: false };
  const found = locateString(line, quotedKey, fromEnd, hint, span);
  return found === FOUND ? span : found === ABSENT ? undefined : INVALID;
}

const FOUND = 0;
const ABSENT = 1;
const NOT_A_STRING = 2;

/**
 * The first backslash of a line at or after a position, remembered: the search for it runs to the line's end when
 * there is none (most lines), so a reader asking for a dozen fields searches once instead of once per field.
 */
class BackslashFinder {
  #from = Number.POSITIVE_INFINITY;
  #at = -1;

  /** Index of the first backslash at or after `position`, -1 when none. */
  from(line: string, position: number): number {
    // Valid when it was searched from at or before `position` and found nothing, or found one at or after it.
    if (this.#from > position || (this.#at >= 0 && this.#at < position)) {
      this.#from = position;
      this.#at = line.indexOf('\\', position);
    }
    return this.#at;
  }
}

/** findStringSpan into a span the caller owns (a reader reuses one for the dozen fields of a line). */
function locateString(
  line: string,
  quotedKey: string,
  fromEnd: boolean,
  hint: number,
  span: StringSpan,
  backslashes?: BackslashFinder,
): number {
  const valueStart = fromEnd ? findValueStartFromEnd(line, quotedKey) : findValueStart(line, quotedKey, hint);
  if (valueStart < 0) return ABSENT;
  const first = line.charCodeAt(valueStart);
  if (first !== 34 /* " */) return line.startsWith('null', valueStart) ? ABSENT : NOT_A_STRING;
  const start = valueStart + 1;
  span.start = start;
  // Fast path: the first quote ends the value unless a backslash comes before it.
  const quote = line.indexOf('"', start);
  if (quote < 0) return NOT_A_STRING;
  const backslash = backslashes ? backslashes.from(line, start) : line.indexOf('\\', start);
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

export function readString(
  line: string,
  quotedKey: string,
  fromEnd = false,
  hint = 0,
): string | undefined | typeof INVALID {
  const span = findStringSpan(line, quotedKey, fromEnd, hint);
  if (span === undefined || span === INVALID) return span;
  return decodeSpan(line, span);
}

/** A JSON number (integers only are expected), or a numeric string; undefined when absent or null. */
export function readInteger(line: string, quotedKey: string, hint = 0): number | undefined | typeof INVALID {
  const valueStart = findValueStart(line, quotedKey, hint);
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
  readonly #backslashes = new BackslashFinder();

  constructor(line: string) {
    this.line = line;
  }

  string(quotedKey: string): string | undefined | typeof INVALID {
    const span = this.#span;
    const found = locateString(this.line, quotedKey, false, this.#hint, span, this.#backslashes);
    if (found !== FOUND) return found === ABSENT ? undefined : INVALID;
    this.#hint = span.end;
    return decodeSpan(this.line, span);
  }

  integer(quotedKey: string): number | undefined | typeof INVALID {
    const valueStart = findValueStart(this.line, quotedKey, this.#hint);
    if (valueStart < 0) return undefined;
    this.#hint = valueStart;
    return integerAt(this.line, valueStart);
  }
}
