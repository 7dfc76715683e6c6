import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { LogEvent } from '../../core/log-event.ts';
import { writeTraefikLog } from '../sample-traffic/generate-traefik-log.ts';
import { replayFileParallel } from './parallel-replay.ts';
import { createPrefilter } from './prefilter.ts';
import { replayFile } from './replay-file.ts';
import { addStats, emptyStats, MAX_BATCH_CHARS, type SourceBatch } from './source-batch.ts';

const dir = await mkdtemp(join(tmpdir(), 'parallel-replay-'));
after(() => rm(dir, { recursive: true, force: true }));
const NEEDLES = { paths: ['/.env', '/.git', '/wp-config', '/backup'], agents: ['trufflehog', 'nuclei', 'sqlmap'] };

async function collect(batches: AsyncIterable<SourceBatch>) {
  const events: LogEvent[] = [];
  const stats = emptyStats();
  /** Where each read ends: where a scan drains its findings. */
  const readEnds: number[] = [];
  for await (const batch of batches) {
    events.push(...batch.events);
    addStats(stats, batch.stats);
    if (!batch.readContinues) readEnds.push(batch.position.offset);
  }
  return { events, stats, readEnds };
}

for (const format of ['json', 'clf'] as const) {
  for (const seed of [3, 17]) {
    test(`${format} log, seed ${seed}: threads give the one-thread events, in order, with the same counters`, async () => {
      const path = join(dir, `${format}-${seed}.log`);
      await writeTraefikLog(path, { lines: 6000, seed, format });
      // Damage that must be counted the same way whichever range it falls in: malformed, blank, oversized, no newline.
      await appendFile(path, `not a log line\n\n${'{"RequestPath":"/.env","x":"'.padEnd(20_000, 'a')}"}\n{"Req`);
      const options = { maxLineBytes: 4096, chunkBytes: 64 * 1024, trustedProxies: ['10.0.0.2'] };
      const single = await collect(
        replayFile(path, { ...options, prefilter: createPrefilter(NEEDLES.paths, NEEDLES.agents) }),
      );
      // One range per thread, and ranges of 100 KB the threads take in turn.
      for (const rangeBytes of [undefined, 100 * 1024]) {
        for (const threads of [2, 3, 5]) {
          const parallel = await collect(
            replayFileParallel(path, {
              ...options,
              prefilter: NEEDLES,
              threads,
              minBytesPerThread: 64 * 1024,
              rangeBytes,
            }),
          );
          const label = `${threads} threads, ranges of ${rangeBytes ?? 'a share'}`;
          assert.deepEqual(parallel.stats, single.stats, `${label}: counters`);
          assert.equal(parallel.events.length, single.events.length);
          assert.deepEqual(parallel.events, single.events, `${label}: events`);
          // Ranges start where one thread's reads end: findings are drained at the same lines.
          assert.deepEqual(parallel.readEnds, single.readEnds, `${label}: read ends`);
        }
      }
      assert.ok(single.readEnds.length > 10, `${single.readEnds.length} reads`);
      assert.ok(single.events.length > 100 && single.stats.filtered > 1000, 'the log exercises both paths');
      assert.ok(single.stats.malformed >= 1 && single.stats.oversized >= 1);
    });
  }
}

test('a read is handed out in batches of at most maxBatchEvents, drained once per read, with the same events', async () => {
  const path = join(dir, 'batches.log');
  await writeTraefikLog(path, { lines: 5000, seed: 5, format: 'json' });
  // NUL padding where a line should start (copytruncate) and a last line without a newline.
  await appendFile(path, `\0\0\0${'{"RequestPath":"/.env"}'}\n{"Req`);
  const options = { maxLineBytes: 4096, chunkBytes: 256 * 1024 };
  const whole: SourceBatch[] = [];
  for await (const batch of replayFile(path, { ...options, maxBatchEvents: 1_000_000 })) whole.push(batch);
  const small: SourceBatch[] = [];
  for await (const batch of replayFile(path, { ...options, maxBatchEvents: 7 })) small.push(batch);
  assert.ok(whole.length >= 3 && whole.every((batch) => !batch.readContinues), 'one batch per read');
  assert.ok(small.every((batch) => batch.events.length <= 7));
  assert.ok(small.length > whole.length * 10);
  // The reads end where they ended before: the batches that do not continue are the reads' last ones.
  const readEnds = (batches: SourceBatch[]) =>
    batches.filter((batch) => !batch.readContinues).map((b) => b.position.offset);
  assert.deepEqual(readEnds(small), readEnds(whole));
  const all = await collect(replayFile(path, options));
  assert.deepEqual(
    small.flatMap((batch) => batch.events),
    whole.flatMap((batch) => batch.events),
  );
  assert.deepEqual(
    all.events,
    whole.flatMap((batch) => batch.events),
  );
  const counted = emptyStats();
  for (const batch of small) addStats(counted, batch.stats);
  assert.deepEqual(counted, all.stats);
  assert.equal(small.flatMap((batch) => batch.notices).length, whole.flatMap((batch) => batch.notices).length);
  assert.equal(all.stats.lines, 5002);
});

test('a batch also ends after MAX_BATCH_CHARS of lines: a read of filtered traffic is handed out in several', async () => {
  const path = join(dir, 'filtered.log');
  await writeTraefikLog(path, { lines: 6_000, seed: 9, format: 'json' });
  const rejectAll = () => false;
  const batches: SourceBatch[] = [];
  for await (const batch of replayFile(path, { prefilter: rejectAll, chunkBytes: 8 * 1024 * 1024 }))
    batches.push(batch);
  const total = emptyStats();
  for (const batch of batches) addStats(total, batch.stats);
  assert.equal(total.filtered, 6_000);
  // One read (the file is under 8 MiB), in batches of about 1 MiB of lines each.
  const { size } = await stat(path);
  assert.ok(size > 3 * MAX_BATCH_CHARS && size < 8 * 1024 * 1024, `${size} bytes`);
  assert.equal(batches.filter((batch) => !batch.readContinues).length, 1);
  assert.ok(batches.length >= Math.floor(size / MAX_BATCH_CHARS), `${batches.length} batches`);
  assert.ok(batches.every((batch) => batch.events.length === 0));
});

test('a log rotated in the middle of a parallel replay is read to its end: every range reads the file it began with', async () => {
  const path = join(dir, 'rotated.log');
  await writeTraefikLog(path, { lines: 6000, seed: 23, format: 'json' });
  const options = { maxLineBytes: 4096, chunkBytes: 64 * 1024 };
  const single = await collect(
    replayFile(path, { ...options, prefilter: createPrefilter(NEEDLES.paths, NEEDLES.agents) }),
  );
  const events: LogEvent[] = [];
  const stats = emptyStats();
  let rotated = false;
  const replay = replayFileParallel(path, {
    ...options,
    prefilter: NEEDLES,
    threads: 2,
    minBytesPerThread: 64 * 1024,
    rangeBytes: 100 * 1024,
  });
  for await (const batch of replay) {
    events.push(...batch.events);
    addStats(stats, batch.stats);
    if (!rotated) {
      // logrotate's create mode: the log moves aside and a new, short one takes its path.
      await rename(path, `${path}.1`);
      await writeFile(path, '{"RequestPath":"/.env","ClientAddr":"192.0.2.1:1"}\n');
      rotated = true;
    }
  }
  assert.deepEqual(stats, single.stats);
  assert.deepEqual(events, single.events);
});
