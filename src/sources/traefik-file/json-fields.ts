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

/** Index just after `"key":` (and any spaces), or -1 when the key is absent. */
export function findValueStart(line: string, quotedKey: string): number {
  let from = 0;
  for (;;) {
    const at = line.indexOf(quotedKey, from);
    if (at < 0) return -1;
    let cursor = at + quotedKey.length;
    while (line.charCodeAt(cursor) === 32) cursor++;
    if (line.charCodeAt(cursor) === 58 /* : */) {
      cursor++;
      while (line.charCodeAt(cursor) === 32) cursor++;
      return cursor;
    }
    // A string value that happens to equal the key name: keep looking.
    from = at + quotedKey.length;
  }
}

/** The span of a string value, `undefined` when absent or JSON null, INVALID when not a terminated string. */
export function findStringSpan(line: string, quotedKey: string): StringSpan | undefined | typeof INVALID {
  const valueStart = findValueStart(line, quotedKey);
  if (valueStart < 0) return undefined;
  const first = line.charCodeAt(valueStart);
  if (first !== 34 /* " */) return line.startsWith('null', valueStart) ? undefined : INVALID;
  const start = valueStart + 1;
  let escaped = false;
  for (let index = start; index < line.length; index++) {
    const code = line.charCodeAt(index);
    if (code === 34) return { start, end: index, escaped };
    if (code === 92) {
      escaped = true;
      index++;
    }
  }
  return INVALID;
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

export function readString(line: string, quotedKey: string): string | undefined | typeof INVALID {
  const span = findStringSpan(line, quotedKey);
  if (span === undefined || span === INVALID) return span;
  return decodeSpan(line, span);
}

/** A JSON number (integers only are expected), or a numeric string; undefined when absent or null. */
export function readInteger(line: string, quotedKey: string): number | undefined | typeof INVALID {
  const valueStart = findValueStart(line, quotedKey);
  if (valueStart < 0) return undefined;
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
