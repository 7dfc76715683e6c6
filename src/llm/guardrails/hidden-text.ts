import { remove as foldConfusables } from 'confusables';

/**
 * What text hides from a person or a filter and a model still reads: ASCII smuggled in Unicode tag characters, in
 * variation selectors or in "sneaky bits" (U+2062/U+2064), zero-width and bidi characters between letters, a
 * character and a backspace, look-alike letters of other scripts (Cyrillic `о` for `o`) and compatibility forms
 * (fullwidth, mathematical, circled letters). The ways garak's smuggling and bad-characters probes hide an instruction.
 */

/** Characters a person does not see: format characters (zero-width, bidi, tags, invisible operators), variation
 * selectors, the combining grapheme joiner and the Hangul fillers. */
export const INVISIBLE_CHARACTERS = /\p{Cf}|[\u034f\u115f\u1160\u3164\uffa0]|[\ufe00-\ufe0f]|[\u{e0100}-\u{e01ef}]/gu;

const TAG_RUN = /[\u{e0000}-\u{e007f}]+/gu;
const SELECTOR_RUN = /(?:[\ufe00-\ufe0f]|[\u{e0100}-\u{e01ef}]){2,}/gu;
const SNEAKY_BITS_RUN = /[\u2062\u2064\u200b]{6,}/g;
const DELETED = /[^\u0008]\u0008/g;
/** Capital-I look-alikes the confusables table folds to `l` (they stand for `i` in the attacks we know). */
const I_LOOKALIKES = /[\u0131\u0399\u0406\u04c0]/g;

/**
 * The text as a model may read it, in two forms when it holds hidden characters (none else: []): the hidden ASCII
 * decoded, backspaced characters removed, look-alikes folded, and the remaining invisible characters dropped (they
 * split a word) or read as spaces (they replace one).
 */
export function revealHidden(text: string): string[] {
  if (!/[^\x20-\x7e\t\n\r]/.test(text)) return [];
  let decoded = text
    .replace(TAG_RUN, (run) => String.fromCodePoint(...[...run].map((char) => codeOf(char) - 0xe0000)))
    .replace(SELECTOR_RUN, decodeSelectors)
    .replace(SNEAKY_BITS_RUN, decodeSneakyBits);
  for (let round = 0; round < 8 && decoded.includes('\u0008'); round++) decoded = decoded.replace(DELETED, '');
  const fold = (form: string) => foldConfusables(form.normalize('NFKC').replace(I_LOOKALIKES, 'i'));
  const joined = fold(decoded.replace(INVISIBLE_CHARACTERS, ''));
  const spaced = fold(decoded.replace(INVISIBLE_CHARACTERS, ' ').replace(/ {2,}/g, ' '));
  return joined === spaced ? [joined] : [joined, spaced];
}

const codeOf = (char: string) => char.codePointAt(0) ?? 0;

/**
 * Variation selectors carry a byte each in two published schemes: code point - U+E0100 (garak's
 * `variant_smuggling`), or U+FE00..FE0F for 0..15 and U+E0100.. for 16..255 (the emoji smuggling scheme); the
 * decoding with more letters wins.
 */
function decodeSelectors(run: string): string {
  const codes = [...run].map(codeOf);
  const direct = codes.map((code) => (code >= 0xe0100 ? code - 0xe0100 : code - 0xfe00));
  const bytes = codes.map((code) => (code >= 0xe0100 ? code - 0xe0100 + 16 : code - 0xfe00));
  const candidates = [String.fromCharCode(...direct), Buffer.from(bytes).toString('utf8')];
  const letters = (candidate: string) => candidate.replace(/[^A-Za-z ]/g, '').length;
  return letters(candidates[1]) > letters(candidates[0]) ? candidates[1] : candidates[0];
}

/**
 * U+2062 is 0, U+2064 is 1, U+200B a space; each character 8 bits, or unpadded (garak's: 7 bits from `@`, 6 below it,
 * 4 for a tab or line break).
 */
function decodeSneakyBits(run: string): string {
  const words = run.split('\u200b').map((word) => word.replace(/\u2062/g, '0').replace(/\u2064/g, '1'));
  const decodedWords = words.map((bits) => decodePadded(bits) ?? decodeUnpadded(bits));
  return decodedWords.some((word) => word === undefined) ? run : decodedWords.join(' ');
}

function decodePadded(bits: string): string | undefined {
  if (bits.length === 0 || bits.length % 8 !== 0) return undefined;
  const bytes = bits.match(/.{8}/g)?.map((byte) => Number.parseInt(byte, 2)) ?? [];
  return bytes.every((byte) => byte >= 0x20 && byte < 0x7f) ? String.fromCharCode(...bytes) : undefined;
}

/** Tab, line feed and carriage return, the control characters text carries, are four bits unpadded. */
const CONTROL_BITS = new Map([
  ['1001', '\t'],
  ['1010', '\n'],
  ['1101', '\r'],
]);

function decodeUnpadded(bits: string): string | undefined {
  // Every character starts with a 1 and is 7, 6 or 4 bits long, so a word splits several ways: the split with the
  // most letters and digits wins (from the end: best[i] is the best reading of bits i..), linear in the word.
  const best: Array<{ text: string; score: number } | undefined> = [];
  best[bits.length] = { text: '', score: 0 };
  for (let index = bits.length - 1; index >= 0; index--) {
    if (bits[index] !== '1') continue;
    for (const length of [7, 6, 4]) {
      const rest = best[index + length];
      const char = rest && charOfBits(bits.slice(index, index + length));
      if (!rest || char === undefined) continue;
      const score = rest.score + (/[A-Za-z0-9]/.test(char) ? 1 : 0);
      if (!best[index] || score > (best[index]?.score ?? -1)) best[index] = { text: char + rest.text, score };
    }
  }
  return best[0]?.text;
}

/** The character `bits` stand for unpadded: 7 bits from `@`, 6 from the space, 4 for a tab or line break. */
function charOfBits(bits: string): string | undefined {
  const code = Number.parseInt(bits, 2);
  if (bits.length === 4) return CONTROL_BITS.get(bits);
  if (bits.length === 6) return code >= 0x20 ? String.fromCharCode(code) : undefined;
  return code >= 0x40 && code < 0x7f ? String.fromCharCode(code) : undefined;
}
