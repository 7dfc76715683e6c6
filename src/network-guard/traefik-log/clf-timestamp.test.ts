import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLF_TIMESTAMP_LENGTH, clfMonth, clfTimestampTime, findClfTimestamp } from './clf-timestamp.ts';

/** The expression the scanner replaces: its leftmost match, and the time it gave. */
const EXPRESSION = /\[(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\] "/g;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function byExpression(line: string, from: number): { at: number; time: number } {
  EXPRESSION.lastIndex = from;
  const match = EXPRESSION.exec(line);
  if (!match) return { at: -1, time: Number.NaN };
  const month = MONTHS.indexOf(match[2]!.toLowerCase());
  const utc = Date.UTC(+match[3]!, month, +match[1]!, +match[4]!, +match[5]!, +match[6]!);
  const offset = (+match[8]! * 60 + +match[9]!) * (match[7] === '-' ? -1 : 1);
  return { at: match.index, time: month < 0 ? Number.NaN : utc - offset * 60_000 };
}

function byScanner(line: string, from: number): { at: number; time: number } {
  const at = findClfTimestamp(line, from);
  return { at, time: at < 0 ? Number.NaN : clfTimestampTime(line, at) };
}

test('the timestamp of real CLF heads, with its time, month case and offsets', () => {
  const cases: Array<[string, string]> = [
    ['1.2.3.4 - - [21/Nov/2026:08:00:00 +0000] "GET / HTTP/1.1" 200 1', '2026-11-21T08:00:00Z'],
    ['1.2.3.4 - - [01/jan/2026:23:59:59 -0130] "GET / HTTP/1.1" 200 1', '2026-01-02T01:29:59Z'],
    ['1.2.3.4 - bob [29/FEB/2024:12:00:00 +0530] "GET / HTTP/1.1" 200 1', '2024-02-29T06:30:00Z'],
  ];
  for (const [line, iso] of cases) {
    const at = findClfTimestamp(line);
    assert.equal(line.slice(at, at + CLF_TIMESTAMP_LENGTH).startsWith('['), true);
    assert.equal(clfTimestampTime(line, at), Date.parse(iso), line);
  }
  const noMonth = '1.2.3.4 - - [21/Abc/2026:08:00:00 +0000] "GET / HTTP/1.1" 200 1';
  assert.equal(clfMonth(noMonth, findClfTimestamp(noMonth)), -1);
  assert.ok(Number.isNaN(clfTimestampTime(noMonth, findClfTimestamp(noMonth))));
});

test('the same leftmost match and time as the expression on random and hostile lines', () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const good = '[21/Nov/2026:08:02:38 +0000] "';
  // Characters near each position's expected one: digits, letters, the separators, non-ASCII and case variants.
  const alphabet = [
    '[',
    ']',
    '/',
    ':',
    ' ',
    '"',
    '+',
    '-',
    '0',
    '9',
    '5',
    'a',
    'Z',
    'n',
    'N',
    '@',
    '`',
    '{',
    'é',
    'Ａ',
    '٣',
  ];
  for (let round = 0; round < 20_000; round++) {
    const parts: string[] = [];
    const pieces = 1 + Math.floor(random() * 4);
    for (let piece = 0; piece < pieces; piece++) {
      const chars = good.split('');
      const edits = Math.floor(random() * 3);
      for (let edit = 0; edit < edits; edit++)
        chars[Math.floor(random() * chars.length)] = alphabet[Math.floor(random() * alphabet.length)]!;
      if (random() < 0.2) chars.splice(Math.floor(random() * chars.length), 1);
      parts.push(random() < 0.5 ? 'x - y ' : '', chars.join(''));
    }
    const line = parts.join('');
    const from = random() < 0.3 ? Math.floor(random() * line.length) : 0;
    assert.deepEqual(byScanner(line, from), byExpression(line, from), JSON.stringify({ line, from }));
  }
});
