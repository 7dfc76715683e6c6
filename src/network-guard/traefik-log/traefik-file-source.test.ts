import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { CORE_MIGRATIONS } from '../../store/core-migrations.ts';
import { type Database, migrate, openDatabase } from '../../store/database.ts';
import { PositionStore } from '../../store/position-store.ts';
import { createPrefilter } from './prefilter.ts';
import { replayFile } from './replay-file.ts';
import type { TraefikFilePosition } from './source-batch.ts';
import { addStats, emptyStats, type SourceBatch, type SourceStats } from './source-batch.ts';
import { TraefikFileSource, type TraefikFileSourceOptions } from './traefik-file-source.ts';

let directory: string;
let database: Database;
let positions: PositionStore;
let counter = 0;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'traefik-file-source-'));
  database = openDatabase(join(directory, 'state.db'));
  migrate(database, 'core', CORE_MIGRATIONS);
  positions = new PositionStore(database);
});

after(async () => {
  database.close();
  await rm(directory, { recursive: true, force: true });
});

/** A JSON line whose path carries a sequence number, so duplicates and gaps are visible. */
function line(sequence: number, extra = ''): string {
  const time = new Date(Date.parse('2026-11-21T08:00:00Z') + sequence * 1000).toISOString();
  return `{"ClientAddr":"81.2.69.${sequence % 250}:5000","ClientHost":"81.2.69.${sequence % 250}","DownstreamStatus":200,"RequestMethod":"GET","RequestPath":"/page/${sequence}${extra}","StartUTC":"${time}","request_User-Agent":"Mozilla/5.0"}\n`;
}

/**
 * A source that catches up with two threads from a 256 KB backlog on (ranges of 128 KB, reads of 128 KB), with a
 * `/.env` prefilter: the daemon's figures, scaled down to small files.
 */
function catchUpSource(path: string, sourceId: string): TraefikFileSource {
  const catchUp = {
    threads: 2,
    prefilter: { paths: ['/.env'], agents: [] },
    minBacklogBytes: 256 * 1024,
    minBytesPerThread: 128 * 1024,
    rangeBytes: 128 * 1024,
  };
  return source(path, sourceId, { catchUp, prefilter: createPrefilter(['/.env'], []), maxBytesPerRead: 128 * 1024 });
}

/** Ordinary lines with a `/.env` probe every fourth (its path still starts `/page/<sequence>`). */
function probesAmong(from: number, to: number): string {
  let text = '';
  for (let sequence = from; sequence < to; sequence++) text += line(sequence, sequence % 4 === 0 ? '/.env' : '');
  return text;
}

function lines(from: number, to: number): string {
  let text = '';
  for (let sequence = from; sequence < to; sequence++) text += line(sequence);
  return text;
}

function sequences(batch: SourceBatch): number[] {
  return batch.events.map((event) => Number(event.rawPath.split('/')[2]));
}

function sumStats(batches: SourceBatch[]): SourceStats {
  const total = emptyStats();
  for (const batch of batches) addStats(total, batch.stats);
  return total;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, index) => from + index);
}

async function freshLog(content: string): Promise<{ path: string; sourceId: string }> {
  counter++;
  const path = join(directory, `access-${counter}.log`);
  await writeFile(path, content);
  return { path, sourceId: `test-${counter}` };
}

function source(path: string, sourceId: string, options: Partial<TraefikFileSourceOptions> = {}): TraefikFileSource {
  return new TraefikFileSource({ path, sourceId, positions, pollIntervalMs: 10, ...options });
}

/** Reads until nothing more is available, committing each batch; returns every sequence seen. */
async function drain(reader: TraefikFileSource): Promise<{ seen: number[]; batches: SourceBatch[] }> {
  const seen: number[] = [];
  const batches: SourceBatch[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const batch = await reader.read();
    batches.push(batch);
    seen.push(...sequences(batch));
    reader.commit(batch.position);
    if (!batch.hasMore) return { seen, batches };
  }
  throw new Error('the source never ran dry');
}

describe('TraefikFileSource', () => {
  it('reads a file, counts every line, and reads nothing new when nothing was written', async () => {
    const { path, sourceId } = await freshLog(`${lines(0, 50)}\nnot a log line\n{"ClientAddr":"1.2.3.4:1"\n`);
    const reader = source(path, sourceId);
    const { seen, batches } = await drain(reader);
    assert.deepEqual(seen, range(0, 50));
    const stats = batches[0].stats;
    assert.equal(stats.lines, 53);
    assert.equal(stats.skipped, 3);
    assert.equal(stats.malformed, 1);
    assert.equal(stats.truncated, 1);
    const again = await reader.read();
    assert.equal(again.stats.lines, 0);
    assert.equal(again.position.offset, batches.at(-1)!.position.offset);
    await reader.close();
  });

  it('reads CRLF line endings, and says clearly when the path is not a file', async () => {
    const { path, sourceId } = await freshLog(lines(0, 3).replaceAll('\n', '\r\n'));
    const reader = source(path, sourceId);
    const batch = await reader.read();
    assert.deepEqual(sequences(batch), [0, 1, 2]);
    assert.equal(batch.stats.skipped, 0);
    await reader.close();
    const notAFile = source(directory, 'directory');
    await assert.rejects(notAFile.read(), /is not a regular file/);
  });

  it('keeps lines with bytes that are not UTF-8, and every line is an event, skipped or filtered', async () => {
    const latin1 = Buffer.from(line(1).replace('Mozilla/5.0', 'Mozilla/5.0 caf\u00e9'), 'latin1'); // 0xe9 alone
    const { path, sourceId } = await freshLog('');
    await writeFile(
      path,
      Buffer.concat([Buffer.from(line(0)), latin1, Buffer.from('\n\u0000\u0001\u0002\n'), Buffer.from(line(2))]),
    );
    const reader = source(path, sourceId, { prefilter: (text) => !text.includes('/page/2') });
    const batch = await reader.read();
    assert.deepEqual(sequences(batch), [0, 1]);
    assert.match(batch.events[1].userAgent, /^Mozilla\/5\.0 caf\uFFFD$/);
    const { stats } = batch;
    assert.equal(stats.lines, 5);
    assert.equal(stats.binary, 1);
    assert.equal(stats.filtered, 1);
    assert.equal(stats.lines, batch.events.length + stats.skipped + stats.filtered);
    await reader.close();
  });

  it('holds a partial last line back until its newline arrives', async () => {
    const partial = line(3);
    const { path, sourceId } = await freshLog(lines(0, 3) + partial.slice(0, 40));
    const reader = source(path, sourceId);
    const first = await reader.read();
    assert.deepEqual(sequences(first), [0, 1, 2]);
    assert.equal(first.position.offset, Buffer.byteLength(lines(0, 3)));
    await appendFile(path, partial.slice(40, 90));
    assert.equal((await reader.read()).stats.lines, 0);
    await appendFile(path, partial.slice(90) + lines(4, 6));
    assert.deepEqual(sequences(await reader.read()), [3, 4, 5]);
    await reader.close();
  });

  it('restarts from the committed position: no duplicates, no gaps', async () => {
    const { path, sourceId } = await freshLog(lines(0, 100));
    const first = source(path, sourceId, { maxBytesPerRead: 16 * 1024 + 1 });
    const batch = await first.read();
    first.commit(batch.position);
    await first.read(); // read but never committed: must be read again after the restart
    await first.close();
    await appendFile(path, lines(100, 130));
    const second = source(path, sourceId);
    const { seen } = await drain(second);
    assert.deepEqual([...sequences(batch), ...seen], range(0, 130));
    await second.close();
    const third = source(path, sourceId);
    assert.equal((await third.read()).stats.lines, 0);
    await third.close();
  });

  it('hands a large read out in small batches: same events and counters, same read ends', async () => {
    const bad = 'not a log line\n\n{"ClientAddr":"1.2.3.4:1"\n';
    const { path, sourceId } = await freshLog(lines(0, 120) + bad + lines(120, 300));
    const whole = source(path, sourceId, { maxBytesPerRead: 16 * 1024 + 1, maxBatchEvents: 100_000 });
    const small = source(path, `${sourceId}-small`, { maxBytesPerRead: 16 * 1024 + 1, maxBatchEvents: 7 });
    const expected = await drain(whole);
    const got = await drain(small);
    assert.deepEqual(got.seen, expected.seen);
    assert.deepEqual(got.seen, range(0, 300));
    assert.deepEqual(sumStats(got.batches), sumStats(expected.batches));
    assert.ok(got.batches.every((batch) => batch.events.length <= 7));
    assert.ok(expected.batches.every((batch) => !batch.readContinues));
    // Every read ends where the one-batch read ends: the caller drains and commits at the same lines.
    const ends = (batches: SourceBatch[]) =>
      batches.filter((batch) => !batch.readContinues).map((batch) => batch.position.offset);
    assert.deepEqual(ends(got.batches), ends(expected.batches));
    assert.ok(got.batches.filter((batch) => batch.readContinues).length > 30);
    await whole.close();
    await small.close();
  });

  it('reads a backlog with worker threads: the same events in order, commits at read ends, a restart goes on', async () => {
    const bad = 'not a log line\n{"ClientAddr":"1.2.3.4:1"\n';
    const { path, sourceId } = await freshLog(probesAmong(0, 12_000) + bad + probesAmong(12_000, 24_000));
    // About 5 MB: ranges of 256 KB, a backlog from 1 MB on (the daemon's are 32 and 64 MiB), from the first read.
    const catchUp = {
      threads: 2,
      prefilter: { paths: ['/.env'], agents: [] },
      minBacklogBytes: 1024 * 1024,
      minBytesPerThread: 256 * 1024,
      rangeBytes: 256 * 1024,
    };
    const options = { prefilter: createPrefilter(['/.env'], []), maxBatchEvents: 50, maxBytesPerRead: 256 * 1024 };
    const single = source(path, `${sourceId}-alone`, options);
    const alone = await drain(single);
    await single.close();
    const first = source(path, sourceId, { ...options, catchUp });
    const seen: number[] = [];
    const notices: string[] = [];
    let committed: TraefikFilePosition | undefined;
    let linesRead = 0;
    let committedLines = 0;
    const offsets: number[] = [];
    while (seen.length < 2000) {
      const batch = await first.read();
      seen.push(...sequences(batch));
      notices.push(...batch.notices);
      offsets.push(batch.position.offset);
      linesRead += batch.stats.lines;
      if (!batch.readContinues) {
        first.commit(batch.position);
        committed = batch.position;
        committedLines = linesRead;
      }
    }
    await first.close(); // stops the workers in the middle of the backlog
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /: reading a backlog of 5\.\d MB with up to 2 threads$/);
    assert.deepEqual(seen, alone.seen.slice(0, seen.length), 'in file order, none twice, none left out');
    assert.ok(committed && committed.offset > 0, 'a read end was committed');
    assert.deepEqual(
      offsets,
      [...offsets].sort((x, y) => x - y),
      'positions only move forward',
    );
    // After the restart: from the committed position on, every line once, in order, the counters as one thread's.
    const second = source(path, sourceId, { ...options, catchUp });
    const rest = await drain(second);
    const before = seen.slice(0, seen.indexOf(rest.seen[0]!));
    assert.ok(before.length > 0 && before.length < seen.length, 'the uncommitted batches are read again');
    assert.deepEqual([...before, ...rest.seen], alone.seen);
    assert.deepEqual(
      alone.seen,
      range(0, 24_000).filter((sequence) => sequence % 4 === 0),
    );
    assert.equal(committedLines + sumStats(rest.batches).lines, 24_002, 'every line counted once');
    await appendFile(path, probesAmong(24_000, 24_010));
    assert.deepEqual(sequences(await second.read()), [24_000, 24_004, 24_008], 'then it tails as before');
    await second.close();
  });

  it('a catch-up reads complete lines only: a last line still being written waits for its newline', async () => {
    const { path, sourceId } = await freshLog(`${probesAmong(0, 12_000)}${line(12_000, '/.env').slice(0, 40)}`);
    const reader = catchUpSource(path, sourceId);
    const { seen, batches } = await drain(reader);
    assert.deepEqual(
      seen,
      range(0, 12_000).filter((sequence) => sequence % 4 === 0),
    );
    assert.ok(batches.some((batch) => batch.notices.some((notice) => notice.includes('reading a backlog'))));
    await appendFile(path, line(12_000, '/.env').slice(40));
    assert.deepEqual(sequences(await reader.read()), [12_000]);
    await reader.close();
  });

  it('a backlog that turns into a flood is read with worker threads to its end: every line once, in order', async () => {
    let flood = '';
    for (let sequence = 12_000; sequence < 40_000; sequence++) flood += line(sequence, '/.env');
    const { path, sourceId } = await freshLog(probesAmong(0, 12_000) + flood);
    const reader = catchUpSource(path, sourceId);
    const { seen, batches } = await drain(reader);
    const notices = batches.flatMap((batch) => batch.notices);
    assert.equal(notices.length, 1, notices.join('\n'));
    assert.match(notices[0]!, /reading a backlog/);
    const probes = range(0, 12_000).filter((sequence) => sequence % 4 === 0);
    const expected = [...probes, ...range(12_000, 40_000)];
    // Compared by hand: a failing deepEqual of 31,000 numbers takes minutes and gigabytes to print its diff.
    assert.equal(seen.length, expected.length);
    assert.equal(
      seen.findIndex((sequence, index) => sequence !== expected[index]),
      -1,
    );
    assert.equal(sumStats(batches).lines, 40_000);
    await appendFile(path, line(40_000, '/.env'));
    assert.deepEqual(sequences(await reader.read()), [40_000], 'then it tails as before');
    await reader.close();
  });

  it('a flood from the first line (every line passes the prefilter) is read with worker threads too', async () => {
    let flood = '';
    for (let sequence = 0; sequence < 12_000; sequence++) flood += line(sequence, '/.env');
    const { path, sourceId } = await freshLog(flood);
    const reader = catchUpSource(path, sourceId);
    const { seen, batches } = await drain(reader);
    assert.equal(sumStats(batches).lines, 12_000);
    assert.equal(seen.length, 12_000);
    assert.equal(
      seen.findIndex((sequence, index) => sequence !== index),
      -1,
    );
    const notices = batches.flatMap((batch) => batch.notices);
    assert.equal(notices.length, 1, notices.join('\n'));
    assert.match(notices[0]!, /reading a backlog of 2\.\d MB with up to 2 threads$/);
    await reader.close();
  });

  it('reads again, after a restart, the batches of a read whose end was never committed', async () => {
    const { path, sourceId } = await freshLog(lines(0, 40));
    const first = source(path, sourceId, { maxBatchEvents: 10 });
    const batch = await first.read();
    assert.equal(batch.readContinues, true);
    assert.deepEqual(sequences(batch), range(0, 10));
    await first.read(); // observed, not committed (the read has not ended)
    await first.close();
    const second = source(path, sourceId, { maxBatchEvents: 10 });
    assert.deepEqual((await drain(second)).seen, range(0, 40));
    await second.close();
  });

  it('finishes a read in batches across a rotation, then the new file', async () => {
    const { path, sourceId } = await freshLog(lines(0, 30));
    const reader = source(path, sourceId, { maxBatchEvents: 8 });
    const first = await reader.read();
    assert.equal(first.readContinues, true);
    await rename(path, `${path}.1`);
    await writeFile(path, lines(30, 45));
    const { seen, batches } = await drain(reader);
    assert.deepEqual([...sequences(first), ...seen], range(0, 45));
    assert.ok(batches.every((batch) => batch.events.length <= 8));
    await reader.close();
  });

  it('finishes a file rotated by rename, then reads the new one from its start', async () => {
    const { path, sourceId } = await freshLog(lines(0, 10));
    const reader = source(path, sourceId);
    assert.deepEqual(sequences(await reader.read()), range(0, 10));
    await appendFile(path, lines(10, 15) + line(15).slice(0, 30)); // the old file ends with a partial line
    await rename(path, `${path}.1`);
    await writeFile(path, lines(16, 20));
    const { seen, batches } = await drain(reader);
    assert.deepEqual(
      seen,
      range(10, 20).filter((sequence) => sequence !== 15),
    );
    assert.equal(
      batches.flatMap((batch) => batch.notices).filter((notice) => notice.includes('was rotated')).length,
      1,
    );
    // The cut-off last line of the old file is counted, not lost silently.
    assert.equal(
      batches.reduce((total, batch) => total + batch.stats.truncated, 0),
      1,
    );
    await reader.close();
  });

  it('finishes a rotated file across a restart when it is still in the directory', async () => {
    const { path, sourceId } = await freshLog(lines(0, 10));
    const first = source(path, sourceId);
    const batch = await first.read();
    first.commit(batch.position);
    await first.close();
    await appendFile(path, lines(10, 20));
    await rename(path, `${path}-20261121`);
    await writeFile(path, lines(20, 25));
    const second = source(path, sourceId);
    const { seen, batches } = await drain(second);
    assert.deepEqual(seen, range(10, 25));
    assert.ok(batches[0].notices.some((notice) => notice.includes('while stopped')));
    await second.close();
  });

  it("finishes a file renamed and compressed while stopped (logrotate's compress, no delaycompress)", async () => {
    for (const [suffix, compress] of [
      ['.1.gz', gzipSync],
      ['-20261121.zst', zstdCompressSync],
    ] as const) {
      const { path, sourceId } = await freshLog(lines(0, 10));
      const first = source(path, sourceId);
      first.commit((await first.read()).position);
      await first.close();
      await appendFile(path, lines(10, 20)); // written after our last read: only the compressed file will have them
      await writeFile(`${path}${suffix}`, compress(await readFile(path)));
      await rm(path);
      await writeFile(`${path}.2.gz`, gzipSync(lines(100, 120))); // an older rotation: another head
      await writeFile(path, lines(20, 25));
      const second = source(path, sourceId);
      const { seen, batches } = await drain(second);
      assert.deepEqual(seen, range(10, 25), suffix);
      assert.ok(
        batches[0].notices.some((notice) => notice.includes(`finishing ${path}${suffix}`)),
        suffix,
      );
      await second.close();
    }
  });

  it('stopped across two and three rotations: finishes the compressed file it had, then every file after it', async () => {
    for (const { rotations, name } of [
      { rotations: 2, name: (n: number) => (n === 1 ? '.1' : `.${n}.gz`) },
      { rotations: 3, name: (n: number) => `-2026120${4 - n}${n === 1 ? '' : '.gz'}` },
    ]) {
      const { path, sourceId } = await freshLog(lines(0, 10));
      const first = source(path, sourceId);
      first.commit((await first.read()).position);
      await first.close();
      await appendFile(path, lines(10, 20)); // after our last read
      // The file we had is the oldest rotation now, compressed; the later ones we never saw (the newest plain).
      const files = [await readFile(path)];
      for (let n = 1; n < rotations; n++) files.push(Buffer.from(lines(20 + (n - 1) * 10, 30 + (n - 1) * 10)));
      await rm(path);
      for (const [index, bytes] of files.entries()) {
        const number = rotations - index;
        await writeFile(`${path}${name(number)}`, number === 1 ? bytes : gzipSync(bytes));
      }
      const end = 20 + (rotations - 1) * 10;
      await writeFile(path, lines(end, end + 5));
      const second = source(path, sourceId);
      const { seen, batches } = await drain(second);
      assert.deepEqual(seen, range(10, end + 5), `${rotations} rotations`);
      const notices = batches.flatMap((batch) => batch.notices);
      assert.ok(
        notices.some((notice) => notice.includes(`finishing ${path}${name(rotations)}`)),
        notices.join('\n'),
      );
      await second.close();
      // A restart afterwards reads nothing again.
      const third = source(path, sourceId);
      assert.deepEqual((await drain(third)).seen, []);
      await third.close();
    }
  });

  it('two rotations between two reads: the open file, then the file rotated after it, then the new one', async () => {
    const { path, sourceId } = await freshLog(lines(0, 10));
    const reader = source(path, sourceId);
    reader.commit((await reader.read()).position);
    await appendFile(path, lines(10, 15));
    // compress + delaycompress, twice: the open file ends up as access.log.2.gz, access.log.1 was never open.
    await rename(path, `${path}.1`);
    await writeFile(path, lines(15, 25));
    await writeFile(`${path}.2.gz`, gzipSync(await readFile(`${path}.1`)));
    await rm(`${path}.1`);
    await rename(path, `${path}.1`);
    await writeFile(path, lines(25, 30));
    const { seen, batches } = await drain(reader);
    assert.deepEqual(seen, range(10, 30));
    const notices = batches.flatMap((batch) => batch.notices);
    assert.ok(
      notices.some((notice) => notice.includes(`reading ${path}.1`)),
      notices.join('\n'),
    );
    await reader.close();
  });

  it('a restart in the middle of the files rotated while stopped neither repeats nor skips', async () => {
    const { path, sourceId } = await freshLog(lines(0, 10));
    const first = source(path, sourceId);
    first.commit((await first.read()).position);
    await first.close();
    await appendFile(path, lines(10, 20));
    await writeFile(`${path}.3.gz`, gzipSync(await readFile(path)));
    await writeFile(`${path}.2.gz`, gzipSync(lines(20, 120)));
    await writeFile(`${path}.1`, lines(120, 130));
    await writeFile(path, lines(130, 135));
    const seen: number[] = [];
    // Batches of 16 events, a new source after each: restarts inside access.log.2.gz and .1, and between files.
    for (let restart = 0; restart < 50; restart++) {
      const reader = source(path, sourceId, { maxBatchEvents: 16 });
      const batch = await reader.read();
      seen.push(...sequences(batch));
      reader.commit(batch.position);
      await reader.close();
      if (!batch.hasMore && batch.events.length === 0) break;
    }
    assert.deepEqual(seen, range(10, 135));
  });

  it('finishes a copytruncate copy compressed at once', async () => {
    const { path, sourceId } = await freshLog(lines(0, 10));
    const reader = source(path, sourceId);
    assert.equal((await reader.read()).events.length, 10);
    await appendFile(path, lines(10, 15));
    await writeFile(`${path}.1.gz`, gzipSync(await readFile(path)));
    await truncate(path, 0);
    await appendFile(path, lines(15, 18));
    const { seen, batches } = await drain(reader);
    assert.deepEqual(seen, range(10, 18));
    assert.ok(batches[0].notices.some((notice) => notice.includes(`finishing its copy ${path}.1.gz`)));
    await reader.close();
  });

  it('does not take a compressed file with another head, or one cut before the read offset, for the copy', async () => {
    const { path, sourceId } = await freshLog(lines(0, 10));
    const first = source(path, sourceId);
    first.commit((await first.read()).position);
    await first.close();
    const whole = await readFile(path);
    await writeFile(`${path}.1.gz`, gzipSync(whole.subarray(0, whole.length - 200)));
    await writeFile(`${path}.2.gz`, gzipSync(lines(50, 60)));
    await writeFile(`${path}.3.gz`, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    await rm(path);
    await writeFile(path, lines(20, 22));
    const second = source(path, sourceId);
    const { seen, batches } = await drain(second);
    assert.deepEqual(seen, range(20, 22));
    // The new file may have the old one's inode (freed when it was removed): then it reads as truncated.
    assert.ok(batches[0].notices.some((notice) => /the old one is gone|truncated/.test(notice)));
    assert.ok(!batches.some((batch) => batch.notices.some((notice) => notice.includes('finishing'))));
    await second.close();
  });

  it('notices copytruncate (the file shrinks) and reads the rewritten file from the start', async () => {
    const { path, sourceId } = await freshLog(lines(0, 20));
    const reader = source(path, sourceId);
    assert.equal((await reader.read()).events.length, 20);
    await truncate(path, 0);
    await appendFile(path, lines(20, 23));
    const batch = await reader.read();
    assert.deepEqual(sequences(batch), [20, 21, 22]);
    assert.ok(batch.notices.some((notice) => notice.includes('truncated')));
    await reader.close();
  });

  it('finishes the copy made by copytruncate before reading the truncated file again', async () => {
    const { path, sourceId } = await freshLog(lines(0, 10));
    const reader = source(path, sourceId);
    assert.equal((await reader.read()).events.length, 10);
    await appendFile(path, lines(10, 15)); // written after our last read: only the copy will have them
    await copyFile(path, `${path}.1`);
    await truncate(path, 0);
    await appendFile(path, lines(15, 18));
    const { seen, batches } = await drain(reader);
    assert.deepEqual(seen, range(10, 18));
    assert.ok(batches[0].notices.some((notice) => notice.includes(`finishing its copy ${path}.1`)));
    await reader.close();
  });

  it('finishes the copytruncate copy when the truncation comes in the middle of a read in batches', async () => {
    const { path, sourceId } = await freshLog(lines(0, 30));
    const reader = source(path, sourceId, { maxBatchEvents: 8 });
    const first = await reader.read();
    assert.equal(first.readContinues, true);
    await appendFile(path, lines(30, 35));
    await copyFile(path, `${path}.1`);
    await truncate(path, 0);
    await appendFile(path, lines(35, 40));
    const { seen, batches } = await drain(reader);
    assert.deepEqual([...sequences(first), ...seen], range(0, 40));
    assert.ok(batches.every((batch) => batch.events.length <= 8));
    await reader.close();
  });

  it('finishes the copytruncate copy across a restart too', async () => {
    const { path, sourceId } = await freshLog(lines(0, 10));
    const first = source(path, sourceId);
    first.commit((await first.read()).position);
    await first.close();
    await appendFile(path, lines(10, 12));
    await copyFile(path, `${path}.1`);
    await truncate(path, 0);
    await appendFile(path, lines(12, 13));
    const second = source(path, sourceId);
    const { seen } = await drain(second);
    assert.deepEqual(seen, range(10, 13));
    await second.close();
  });

  it('skips the NUL hole a writer without O_APPEND leaves after copytruncate, and says so', async () => {
    const { path, sourceId } = await freshLog(lines(0, 3));
    const reader = source(path, sourceId);
    const size = (await reader.read()).position.offset;
    await truncate(path, 0);
    // The writer still writes at its old offset: the file now starts with `size` zero bytes.
    await writeFile(path, Buffer.concat([Buffer.alloc(size + 100_000), Buffer.from(lines(3, 5))]));
    const { seen, batches } = await drain(reader);
    assert.deepEqual(seen, [3, 4]);
    assert.ok(batches.some((batch) => batch.notices.some((notice) => notice.includes('NUL bytes'))));
    assert.equal(
      batches.reduce((total, batch) => total + batch.stats.binary + batch.stats.oversized, 0),
      0,
    );
    await reader.close();
  });

  it('notices a file truncated and rewritten past the old offset (its first bytes changed)', async () => {
    const { path, sourceId } = await freshLog(lines(0, 5));
    const reader = source(path, sourceId);
    const first = await reader.read();
    reader.commit(first.position);
    await reader.close();
    // Rewritten while we were stopped, longer than before: only the head hash can tell.
    await writeFile(path, lines(100, 120));
    const restarted = source(path, sourceId);
    const batch = await restarted.read();
    assert.deepEqual(sequences(batch), range(100, 120));
    assert.ok(batch.notices.some((notice) => notice.includes('replaced')));
    await restarted.close();
  });

  it('starts at the end of an existing file when asked, skipping a line in progress', async () => {
    const { path, sourceId } = await freshLog(lines(0, 10) + line(10).slice(0, 25));
    const reader = source(path, sourceId, { startAt: 'end' });
    assert.equal((await reader.read()).events.length, 0);
    await appendFile(path, line(10).slice(25) + lines(11, 13));
    const batch = await reader.read();
    assert.deepEqual(sequences(batch), [11, 12]);
    assert.equal(batch.stats.lines, 2);
    await reader.close();
  });

  it('waits for a missing file and reads it from the start when it appears', async () => {
    counter++;
    const path = join(directory, `later-${counter}.log`);
    const reader = source(path, `later-${counter}`, { startAt: 'end' });
    const empty = await reader.read();
    assert.equal(empty.stats.lines, 0);
    await writeFile(path, lines(0, 3));
    assert.deepEqual(sequences(await reader.read()), [0, 1, 2]);
    await reader.close();
  });

  it('caps an oversized line in memory, counts it, and goes on with the next', async () => {
    const huge = `{"ClientAddr":"1.2.3.4:1","DownstreamStatus":404,"RequestPath":"/.env","StartUTC":"2026-11-21T08:00:00Z","request_User-Agent":"gitleaks ${'x'.repeat(50_000)}"}\n`;
    const { path, sourceId } = await freshLog(lines(0, 2) + huge + lines(2, 4));
    const reader = source(path, sourceId, { maxLineBytes: 1024 });
    const { batches } = await drain(reader);
    const events = batches.flatMap((batch) => batch.events);
    assert.deepEqual(
      events.map((event) => event.path),
      ['/page/0', '/page/1', '/.env', '/page/2', '/page/3'],
    );
    assert.ok(events[2].userAgent.startsWith('gitleaks xxx'));
    assert.equal(
      batches.reduce((total, batch) => total + batch.stats.oversized, 0),
      1,
    );
    await reader.close();
  });

  it('skips the rest of an oversized line still being written, across reads and a restart', async () => {
    const { path, sourceId } = await freshLog(`${lines(0, 1)}{"RequestPath":"/${'y'.repeat(3000)}`);
    const reader = source(path, sourceId, { maxLineBytes: 1024 });
    const first = await reader.read();
    assert.equal(first.stats.oversized, 1);
    assert.equal(first.position.skipToNewline, true);
    reader.commit(first.position);
    await reader.close();
    await appendFile(path, `${'y'.repeat(5000)}"}\n${lines(1, 3)}`);
    const restarted = source(path, sourceId, { maxLineBytes: 1024 });
    const batch = await restarted.read();
    assert.deepEqual(sequences(batch), [1, 2]);
    assert.equal(batch.stats.lines, 2);
    await restarted.close();
  });

  it('tails with polling until aborted, handing batches to the caller', async () => {
    const { path, sourceId } = await freshLog(lines(0, 2));
    const reader = source(path, sourceId);
    const controller = new AbortController();
    const seen: number[] = [];
    const done = reader.tail(controller.signal, async (batch) => {
      seen.push(...sequences(batch));
      reader.commit(batch.position);
      if (seen.length === 2) await appendFile(path, lines(2, 4));
      if (seen.length >= 4) controller.abort();
    });
    await done;
    assert.deepEqual(seen, [0, 1, 2, 3]);
    await reader.close();
  });
  it('tails a read in batches to its end, even when its last batch brings nothing (a line still being written)', async () => {
    const { path, sourceId } = await freshLog(lines(0, 8) + line(8).slice(0, 40));
    const reader = source(path, sourceId, { maxBatchEvents: 8 });
    const controller = new AbortController();
    const delivered: Array<{ events: number; readContinues: boolean }> = [];
    await reader.tail(controller.signal, (batch) => {
      delivered.push({ events: batch.events.length, readContinues: batch.readContinues === true });
      if (!batch.readContinues) {
        reader.commit(batch.position);
        controller.abort();
      }
    });
    // The pause came at the eighth event, before the partial line: the read's end still reaches the caller.
    assert.deepEqual(delivered, [
      { events: 8, readContinues: true },
      { events: 0, readContinues: false },
    ]);
    await reader.close();
  });

  it('wakes on file-system events when watching, long before the poll interval', async () => {
    const { path, sourceId } = await freshLog(lines(0, 1));
    const reader = source(path, sourceId, { watch: true, pollIntervalMs: 60_000 });
    const controller = new AbortController();
    const seen: number[] = [];
    const started = performance.now();
    await reader.tail(controller.signal, (batch) => {
      seen.push(...sequences(batch));
      reader.commit(batch.position);
      if (seen.length === 1) setTimeout(() => void appendFile(path, lines(1, 2)), 100);
      if (seen.length >= 2) controller.abort();
    });
    assert.deepEqual(seen, [0, 1]);
    assert.ok(performance.now() - started < 20_000, 'woken by the watcher, not the 60 s poll');
    await reader.close();
  });

  it('reads a batch again when the caller failed to process it (tail with onError)', async () => {
    const { path, sourceId } = await freshLog(lines(0, 3));
    const errors: unknown[] = [];
    const reader = source(path, sourceId, { onError: (error) => errors.push(error) });
    const controller = new AbortController();
    const deliveries: number[][] = [];
    await reader.tail(controller.signal, (batch) => {
      deliveries.push(sequences(batch));
      if (deliveries.length === 1) throw new Error('database is locked');
      reader.commit(batch.position);
      controller.abort();
    });
    assert.deepEqual(deliveries, [
      [0, 1, 2],
      [0, 1, 2],
    ]);
    assert.equal(errors.length, 1);
    await reader.close();
  });
});

describe('replayFile', () => {
  it('streams a whole file in chunks with the same events and counters as the source', async () => {
    const { path, sourceId } = await freshLog(`${lines(0, 3000)}garbage\n${line(3000).trimEnd()}`);
    const replayed: number[] = [];
    let total = 0;
    let batches = 0;
    for await (const batch of replayFile(path, { chunkBytes: 64 * 1024 })) {
      replayed.push(...sequences(batch));
      total += batch.stats.lines;
      batches++;
    }
    assert.ok(batches > 3, `expected several batches, got ${batches}`);
    assert.deepEqual(replayed, range(0, 3001)); // the last line has no newline: read at the end of a replay
    assert.equal(total, 3002);
    const reader = source(path, sourceId);
    const { seen } = await drain(reader);
    assert.deepEqual(seen, range(0, 3000)); // a live source waits for the newline
    await reader.close();
  });
});
