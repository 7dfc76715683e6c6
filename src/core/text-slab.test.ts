import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from './prng.ts';
import { TextSlab } from './text-slab.ts';

function put(slab: TextSlab, text: string) {
  assert.ok(slab.append(text));
  return { text, chunk: slab.lastChunk, start: slab.lastStart, end: slab.lastEnd };
}

test('TextSlab gives back every text it was given, across chunks', () => {
  const slab = new TextSlab(1 << 20, 96);
  const texts = ['', 'a', '{"ClientHost":"198.51.100.7"}', 'é\u{1F600} end', 'x'.repeat(32), 'after the long one'];
  const kept = texts.map((text) => put(slab, text));
  for (const { text, chunk, start, end } of kept) assert.equal(slab.read(chunk, start, end), text);
  assert.ok(new Set(kept.map((entry) => entry.chunk)).size >= 2);
  assert.throws(() => slab.append('y'.repeat(33)), RangeError);
});

test('TextSlab reuses a chunk only once all its texts are released, and gives up chunks beyond a few spare', () => {
  const slab = new TextSlab(1 << 20, 3 * 100);
  const prng = new Prng(0x2545f491);
  const random = (n: number) => prng.int(0, n - 1);
  // Texts come and go in a random order; every held text must read back as itself whatever was reused.
  const held: Array<ReturnType<typeof put>> = [];
  for (let round = 0; round < 20_000; round++) {
    if (held.length > 0 && random(2) === 0) {
      const [gone] = held.splice(random(held.length), 1);
      slab.release(gone.chunk);
    } else held.push(put(slab, `text ${round} ${'z'.repeat(random(60))}`));
    if (round % 97 === 0)
      for (const { text, chunk, start, end } of held) assert.equal(slab.read(chunk, start, end), text);
  }
  for (const { chunk } of held.splice(0)) slab.release(chunk);
  // Everything released: the current chunk and at most four spare ones are left.
  assert.ok(slab.bytes <= 5 * 300, `${slab.bytes} bytes held`);
});

test('TextSlab refuses texts past its bound, and takes them again once texts are released', () => {
  const slab = new TextSlab(4 * 300, 300);
  const kept: Array<ReturnType<typeof put>> = [];
  for (let index = 0; index < 100; index++) {
    const text = `${'t'.repeat(90)}${index}`;
    if (slab.append(text)) kept.push({ text, chunk: slab.lastChunk, start: slab.lastStart, end: slab.lastEnd });
  }
  // Room is reserved at 3 bytes per code unit: one of these texts per 300-byte chunk, four chunks.
  assert.equal(kept.length, 4);
  assert.equal(slab.bytes, 4 * 300);
  for (const { chunk } of kept.splice(0, 2)) slab.release(chunk);
  assert.equal(slab.append('u'.repeat(90)), true);
  assert.equal(slab.bytes, 4 * 300);
  for (const { text, chunk, start, end } of kept) assert.equal(slab.read(chunk, start, end), text);
});
