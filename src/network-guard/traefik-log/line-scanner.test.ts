import assert from 'node:assert/strict';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Prng } from '../../core/prng.ts';
import { LineScanner } from './line-scanner.ts';

const dir = await mkdtemp(join(tmpdir(), 'line-scanner-'));
after(() => rm(dir, { recursive: true, force: true }));

/**
 * A file of lines of every length around the limits, CRLF endings, NUL runs where lines start, short lines of UTF-8
 * text among the ASCII ones (the scanner decodes ASCII a block of lines at a time, the others line by line), a last
 * line cut.
 */
function content(random: Prng, maxLineBytes: number): string {
  let text = '';
  for (let index = 0; index < 400; index++) {
    if (random.next() < 0.05) text += '\u0000'.repeat(random.int(1, 50));
    if (random.next() < 0.1) text += `${index}: caf\u00e9 \u20ac \u{1f600}\n`;
    const length = random.pick([
      0,
      1,
      random.int(2, 200),
      maxLineBytes - 1,
      maxLineBytes,
      maxLineBytes + 1,
      random.int(1, maxLineBytes * 3),
    ]);
    text += `${index}:`.padEnd(Math.max(length, 0), 'x').slice(0, Math.max(length, `${index}:`.length));
    text += random.next() < 0.2 ? '\r\n' : '\n';
  }
  return `${text}tail-without-newline`;
}

/** What a scan must hand out: each line (CR dropped), cut to maxLineBytes when longer, NUL runs at line starts skipped. */
function expectedLines(text: string, maxLineBytes: number): Array<[string, boolean]> {
  return text
    .split('\n')
    .map((line) => line.replace(/^\u0000+/, ''))
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .map((line) => (line.length > maxLineBytes ? [line.slice(0, maxLineBytes), true] : [line, false]));
}

test('a scan hands out every line once, in order, whatever the chunk, the pauses and the reads it is given', async () => {
  const random = new Prng(31);
  for (let round = 0; round < 24; round++) {
    const maxLineBytes = random.pick([100, 1000, 70_000]);
    const chunkBytes = random.pick([1, 64 * 1024, 200_000]);
    const text = content(random, maxLineBytes);
    const path = join(dir, `lines-${round}.log`);
    await writeFile(path, text, 'utf8');
    const size = Buffer.byteLength(text, 'utf8');
    const handle = await open(path, 'r');
    try {
      const scanner = new LineScanner({ chunkBytes, maxLineBytes });
      const seen: Array<[string, boolean]> = [];
      // Reads of random sizes like a tail's (final only at the end), each paused at random lines.
      let offset = 0;
      let skipToNewline = false;
      while (offset < size) {
        const to = random.next() < 0.3 ? size : Math.min(size, offset + random.int(1, 300_000));
        const outcome = await scanner.scan(handle, offset, to, { skipToNewline, final: to === size }, (line, cut) => {
          seen.push([line, cut]);
          return random.next() > 0.1;
        });
        if (outcome.offset === offset && !outcome.paused && to < size) continue; // a partial line: read further
        offset = outcome.offset;
        skipToNewline = outcome.skipToNewline;
      }
      const expected = expectedLines(text, maxLineBytes);
      assert.equal(seen.length, expected.length, `round ${round}: lines`);
      assert.deepEqual(seen, expected, `round ${round}`);
    } finally {
      await handle.close();
    }
  }
});

test('ASCII lines come as slices of a block; lines near UTF-8 text, and a read whose lines were kept, one by one', async () => {
  const ascii = Array.from({ length: 50 }, (_, index) => `line ${index} ${'x'.repeat(100)}`);
  const path = join(dir, 'shared.log');
  await writeFile(path, `${[...ascii, 'caf\u00e9', ...ascii].join('\n')}\n`, 'utf8');
  const handle = await open(path, 'r');
  try {
    const scanner = new LineScanner({ chunkBytes: 64 * 1024, maxLineBytes: 1000 });
    const read = async () => {
      const lines: Array<[string, boolean]> = [];
      await scanner.scan(
        handle,
        0,
        (await handle.stat()).size,
        { skipToNewline: false, final: true },
        (line, _cut, shared) => {
          lines.push([line, shared]);
        },
      );
      return lines;
    };
    // One block of 64 KB holds the whole file, UTF-8 line and all: it is read line by line (UTF-8), every line.
    const first = await read();
    assert.deepEqual(
      first.map(([line]) => line),
      [...ascii, 'caf\u00e9', ...ascii],
    );
    assert.ok(first.every(([, shared]) => !shared));
    await writeFile(path, `${ascii.join('\n')}\n`);
    assert.ok(
      (await read()).every(([, shared]) => shared),
      'ASCII: slices of the block',
    );
    scanner.kept(50, 49); // a flood: nearly every line gave an event
    assert.ok(
      (await read()).every(([, shared]) => !shared),
      'then line by line',
    );
    scanner.kept(50, 1);
    assert.ok(
      (await read()).every(([, shared]) => shared),
      'and blocks again',
    );
  } finally {
    await handle.close();
  }
});
