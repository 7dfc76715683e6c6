import assert from 'node:assert/strict';
import { appendFile, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LogEvent } from '../../core/log-event.ts';
import { CORE_MIGRATIONS } from '../../store/core-migrations.ts';
import { migrate, openDatabase } from '../../store/database.ts';
import { PositionStore } from '../../store/position-store.ts';
import { ContainerFragments, unwrapContainerLine } from './container-log.ts';
import { replayFileParallel } from './parallel-replay.ts';
import { replayFile } from './replay-file.ts';
import { addStats, emptyStats, type SourceBatch } from './source-batch.ts';
import { TraefikFileSource } from './traefik-file-source.ts';

const dir = await mkdtemp(join(tmpdir(), 'container-log-'));
after(() => rm(dir, { recursive: true, force: true }));

const cri = (stream: string, tag: 'P' | 'F', text: string) => `2026-11-21T08:02:38.5Z ${stream} ${tag} ${text}\n`;
/** Traefik's default CLF line, with a sequence number in the path. */
const clf = (sequence: number, agent = 'Mozilla/5.0') =>
  `81.2.${(sequence >> 8) & 255}.${sequence & 255} - - [21/Nov/2026:08:02:38 +0000] "GET /.env/${sequence} HTTP/1.1" 404 19 "-" "${agent}" ${sequence} "web@docker" "http://10.0.0.5:80" 1ms`;
/** A line whose user agent, cut by the runtime, leaves a fragment that reads like a probe from 9.9.9.9. */
const FORGED = '9.9.9.9 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 19 "-" "x" 1 "web@docker" "-" 0ms';
const forgedLine = (sequence: number) =>
  cri('stdout', 'P', clf(sequence, 'x'.repeat(200)).slice(0, 120)) + cri('stdout', 'F', FORGED);

async function events(batches: AsyncIterable<SourceBatch>) {
  const seen: LogEvent[] = [];
  const stats = emptyStats();
  for await (const batch of batches) {
    seen.push(...batch.events);
    addStats(stats, batch.stats);
  }
  return { seen, stats };
}

describe('container log records', () => {
  it('readBefore: the fragments still open at an offset, from the records before it, stream by stream', async () => {
    const path = join(dir, 'before.log');
    const head = cri('stdout', 'P', 'a fragment') + cri('stderr', 'F', 'a line of the other stream');
    await writeFile(path, head + cri('stdout', 'F', FORGED));
    const handle = await open(path, 'r');
    try {
      const fragments = new ContainerFragments();
      await fragments.readBefore(handle, Buffer.byteLength(head));
      const next = unwrapContainerLine(cri('stdout', 'F', FORGED).trimEnd())!;
      assert.equal(fragments.continues(next), true, 'the stdout fragment is still open there');
      await fragments.readBefore(handle, 0);
      assert.equal(fragments.continues(next), false, 'nothing is open at the start of a file');
    } finally {
      await handle.close();
    }
  });

  it('a replay reads CLF inside CRI records, and never a later fragment: from the start, from a range start, with threads', async () => {
    const path = join(dir, 'cri.log');
    let text = '';
    const continuations: number[] = [];
    for (let sequence = 0; sequence < 3000; sequence++) {
      if (sequence % 7 === 3) {
        const line = forgedLine(sequence);
        continuations.push(Buffer.byteLength(text) + Buffer.byteLength(line.slice(0, line.indexOf('\n') + 1)));
        text += line;
      } else text += cri('stdout', 'F', clf(sequence));
    }
    await writeFile(path, text);
    const whole = await events(replayFile(path, { chunkBytes: 64 * 1024 }));
    assert.equal(whole.seen.length, 3000, 'every line is an event, a cut one read from its head');
    assert.ok(whole.seen.every((event) => event.clientIp !== '9.9.9.9'));
    assert.equal(whole.seen.filter((event) => event.path === '/.env/3').length, 1, 'the cut line, of its own client');
    assert.equal(whole.stats.oversized, continuations.length * 2, 'each first fragment, and each later one');
    // A range (a worker's share, a read after a restart) that starts at a later fragment knows it for one.
    const fromFragment = await events(replayFile(path, { start: continuations[100]!, chunkBytes: 64 * 1024 }));
    assert.ok(fromFragment.seen.length > 100);
    assert.ok(fromFragment.seen.every((event) => event.clientIp !== '9.9.9.9'));
    for (const threads of [2, 3]) {
      const parallel = await events(
        replayFileParallel(path, { threads, chunkBytes: 64 * 1024, minBytesPerThread: 64 * 1024, rangeBytes: 80_000 }),
      );
      assert.deepEqual(parallel.stats, whole.stats, `${threads} threads: counters`);
      assert.deepEqual(parallel.seen, whole.seen, `${threads} threads: events`);
    }
  });

  it('the daemon, restarted between a fragment and the rest of its line, reads the rest as a fragment', async () => {
    const database = openDatabase(join(dir, 'state.db'));
    migrate(database, 'core', CORE_MIGRATIONS);
    const positions = new PositionStore(database);
    const path = join(dir, 'daemon.log');
    const line = forgedLine(1);
    const [first, rest] = [line.slice(0, line.indexOf('\n') + 1), line.slice(line.indexOf('\n') + 1)];
    await writeFile(path, cri('stdout', 'F', clf(0)) + first);
    const before = new TraefikFileSource({ path, sourceId: 'cri', positions });
    const read = await before.read();
    before.commit(read.position);
    await before.close();
    assert.deepEqual(
      read.events.map((event) => event.clientIp),
      ['81.2.0.0', '81.2.0.1'],
      'a first fragment is read from its head',
    );
    await appendFile(path, rest + cri('stdout', 'F', clf(2)));
    const after = new TraefikFileSource({ path, sourceId: 'cri', positions });
    const again = await after.read();
    await after.close();
    database.close();
    assert.deepEqual(
      again.events.map((event) => event.clientIp),
      ['81.2.0.2'],
      'the forged address is never read',
    );
    assert.equal(again.stats.oversized, 1);
  });
});
