import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../../core/prng.ts';
import { JsonLineReader } from './json-fields.ts';

const KEYS = ['ClientHost', 'RequestHost', 'RequestPath', 'RouterName', 'StartUTC', 'request_User-Agent', 'time'];
const PIECES = ['a', '/.env', ' ', '"', '\\', '\u00e9', '\u2028', '\n', 'ClientHost', '"RequestPath":', '?q=1&x'];

test('JsonLineReader reads every string field as JSON.parse does, escapes anywhere, keys in or out of order', () => {
  const random = new Prng(23);
  for (let round = 0; round < 3000; round++) {
    const object: Record<string, string> = {};
    for (const key of KEYS) {
      if (random.next() < 0.15) continue;
      let value = '';
      for (let piece = random.int(0, 6); piece > 0; piece--) value += random.pick(PIECES);
      object[key] = value;
    }
    const line = JSON.stringify(object);
    const reader = new JsonLineReader(line);
    const order = random.next() < 0.5 ? KEYS : [...KEYS].sort(() => random.next() - 0.5);
    for (const key of order) assert.equal(reader.string(key), object[key], `${key} of ${line}`);
  }
});
