/**
 * The CLF timestamp with the quote that opens the request, `[21/Nov/2026:08:02:38 +0000] "`, found by its fixed
 * shape instead of a regular expression: the same leftmost match as
 * `/\[(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\] "/` (clf-timestamp.test.ts
 * checks both on random and hostile lines), without the ten strings of a match. splitClfLine ran that expression on
 * every line of a CLF log, in the prefilter too: a fifth of reading a line.
 */
export const CLF_TIMESTAMP_LENGTH = 30;

/** Where the first timestamp at or after `from` starts (its `[`), or -1. */
export function findClfTimestamp(line: string, from = 0): number {
  const last = line.length - CLF_TIMESTAMP_LENGTH;
  for (let at = line.indexOf('[', from); at >= 0 && at <= last; at = line.indexOf('[', at + 1))
    if (isClfTimestampAt(line, at)) return at;
  return -1;
}

/** The timestamp starting at `at` (a findClfTimestamp answer) in epoch ms, or NaN when its month is no month. */
export function clfTimestampTime(line: string, at: number): number {
  const month = clfMonth(line, at);
  if (month < 0) return Number.NaN;
  const utc = Date.UTC(
    digits(line, at + 8, 4),
    month,
    digits(line, at + 1, 2),
    digits(line, at + 13, 2),
    digits(line, at + 16, 2),
    digits(line, at + 19, 2),
  );
  const offsetMinutes =
    (digits(line, at + 23, 2) * 60 + digits(line, at + 25, 2)) * (line.charCodeAt(at + 22) === 45 ? -1 : 1);
  return utc - offsetMinutes * 60_000;
}

/** The month (0 to 11) of the timestamp at `at`, case-insensitive, or -1. */
export function clfMonth(line: string, at: number): number {
  // Lower-case each ASCII letter (the shape test let only letters through) into one number per name.
  const key =
    ((line.charCodeAt(at + 4) | 32) << 16) | ((line.charCodeAt(at + 5) | 32) << 8) | (line.charCodeAt(at + 6) | 32);
  return MONTH_KEYS.indexOf(key);
}

const MONTH_KEYS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map(
  (name) => (name.charCodeAt(0) << 16) | (name.charCodeAt(1) << 8) | name.charCodeAt(2),
);

/** `[dd/Mon/yyyy:hh:mm:ss +zzzz] "` at `at`: digits where \d stands, ASCII letters for the month. */
function isClfTimestampAt(line: string, at: number): boolean {
  // The separators first: a `[` that starts something else fails on one of them at once.
  if (
    line.charCodeAt(at + 3) !== 47 /* / */ ||
    line.charCodeAt(at + 7) !== 47 ||
    line.charCodeAt(at + 12) !== 58 /* : */ ||
    line.charCodeAt(at + 15) !== 58 ||
    line.charCodeAt(at + 18) !== 58 ||
    line.charCodeAt(at + 21) !== 32 ||
    line.charCodeAt(at + 27) !== 93 /* ] */ ||
    line.charCodeAt(at + 28) !== 32 ||
    line.charCodeAt(at + 29) !== 34 /* " */
  )
    return false;
  const sign = line.charCodeAt(at + 22);
  if (sign !== 43 /* + */ && sign !== 45 /* - */) return false;
  if (!isLetter(line.charCodeAt(at + 4)) || !isLetter(line.charCodeAt(at + 5)) || !isLetter(line.charCodeAt(at + 6)))
    return false;
  for (const offset of DIGIT_OFFSETS) if (!isDigit(line.charCodeAt(at + offset))) return false;
  return true;
}

/** Where the timestamp has digits: day, year, hour, minute, second, offset. */
const DIGIT_OFFSETS = [1, 2, 8, 9, 10, 11, 13, 14, 16, 17, 19, 20, 23, 24, 25, 26];

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isLetter(code: number): boolean {
  const lower = code | 32;
  return lower >= 97 && lower <= 122;
}

function digits(line: string, at: number, count: number): number {
  let value = 0;
  for (let index = at; index < at + count; index++) value = value * 10 + line.charCodeAt(index) - 48;
  return value;
}
