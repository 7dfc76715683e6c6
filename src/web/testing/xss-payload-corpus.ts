// The XSS vectors of src/web/__fixtures__ (public payload lists, copied as data; each folder's README cites its source),
// one entry per vector, deduplicated, in a stable order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface XssVector {
  /** `<folder>/<file>` it came from. */
  source: string;
  text: string;
}

const FIXTURES = join(import.meta.dirname, '..', '__fixtures__');

/** One vector a line (the lists are written so); blank lines are not vectors. */
const LINE_LISTS = [
  'payloads-all-the-things/XSS_Polyglots.txt',
  'payloads-all-the-things/IntrudersXSS.txt',
  'payloads-all-the-things/RSNAKE_XSS.txt',
  'payloads-all-the-things/MarioXSSVectors.txt',
  'payloads-all-the-things/xss-filter-bypass-code-blocks.txt',
  'seclists/XSS-Polyglot-Ultimate-0xsobky.txt',
  'seclists/xss-without-parentheses-semi-colons-portswigger.txt',
  'owasp-cheat-sheet-series/xss-filter-evasion-code-blocks.txt',
  'payloadbox/xss-payload-list-every-40th.txt',
];

export function loadXssVectors(): XssVector[] {
  const vectors: XssVector[] = [];
  const seen = new Set<string>();
  const add = (source: string, text: string) => {
    if (text.trim() === '' || seen.has(text)) return;
    seen.add(text);
    vectors.push({ source, text });
  };
  for (const file of LINE_LISTS) {
    for (const line of readFileSync(join(FIXTURES, file), 'utf8').split('\n')) add(file, line.replace(/\r$/, ''));
  }
  const dompurify = JSON.parse(readFileSync(join(FIXTURES, 'dompurify', 'expect-payloads.json'), 'utf8')) as Array<{
    payload: string;
  }>;
  for (const { payload } of dompurify) add('dompurify/expect-payloads.json', payload);
  return vectors;
}
