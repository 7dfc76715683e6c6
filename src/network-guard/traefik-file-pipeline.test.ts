import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LogEvent } from '../core/log-event.ts';
import { type IncidentOutcome, NetworkGuard } from './network-guard.ts';
import { fileBlockerGuardParts } from './testing/file-blocker-guard.ts';
import { afterWarmUp, scanTraefikFile, tailTraefikFile } from './traefik-file-pipeline.ts';
import { createPrefilter } from './traefik-log/prefilter.ts';
import { replayFile } from './traefik-log/replay-file.ts';
import { emptyStats, type SourceBatch, type TraefikFilePosition } from './traefik-log/source-batch.ts';

const T0 = Date.parse('2026-11-21T08:00:00Z');

function guard() {
  const { config, store, blocker } = fileBlockerGuardParts(
    mkdtempSync(join(tmpdir(), 'pipeline-')),
    { mode: 'disabled' },
    { maxEntries: 10 },
  );
  return new NetworkGuard({ config, store, blocker, source: 'test' });
}

/** Four batches of three `/.env` probes, one a minute: the batch at index 1 holds the end of a 4-minute warm-up. */
function batches(): SourceBatch[] {
  return [0, 1, 2, 3].map((index) => ({
    events: [0, 1, 2].map(
      (n): LogEvent => ({
        time: T0 + (index * 3 + n) * 60_000,
        clientIp: `198.51.100.${index * 3 + n}`,
        method: 'GET',
        rawPath: '/.env',
        path: '/.env',
        status: 404,
        userAgent: 'curl/8.0',
        host: 'shop.example.com',
      }),
    ),
    stats: { ...emptyStats(), lines: 3 },
    position: { path: '/x.log', dev: 0, ino: 0, offset: index + 1, size: 4, headHash: '', headLength: 0 },
    hasMore: index < 3,
    notices: [],
  }));
}

/** A replay over `source`, counting how often it is opened and closed. */
function replayOf(source: SourceBatch[]) {
  const counts = { opened: 0, closed: 0 };
  const replay = async function* () {
    counts.opened++;
    try {
      yield* source;
    } finally {
      counts.closed++;
    }
  };
  return { counts, replay };
}

async function collect(batchesOut: AsyncGenerator<SourceBatch>, stopAfter = Number.POSITIVE_INFINITY) {
  const out: SourceBatch[] = [];
  for await (const batch of batchesOut) {
    out.push(batch);
    if (out.length === stopAfter) break;
  }
  return out;
}

test('the warm-up hands its batches on: the file is read once, every batch once and in order', async () => {
  const source = batches();
  const { counts, replay } = replayOf(source);
  const scanGuard = guard();
  const observed: number[] = [];
  const observe = scanGuard.profile.observe.bind(scanGuard.profile);
  scanGuard.profile.observe = (host, path, client, status, time, bytes) => {
    observed.push(time);
    observe(host, path, client, status, time, bytes);
  };
  const out = await collect(afterWarmUp(scanGuard, replay, 240));
  assert.deepEqual(out, source);
  assert.ok(out.every((batch, index) => batch === source[index])); // the same objects: nothing parsed again
  assert.deepEqual(counts, { opened: 1, closed: 1 });
  // The warm-up saw the first 4 minutes (5 probes) and stopped at the first event past them.
  assert.deepEqual(
    observed,
    [0, 1, 2, 3, 4].map((minute) => T0 + minute * 60_000),
  );
});

test('a warm-up window with more events than it may keep is read again from the start', async () => {
  const source = batches();
  const { counts, replay } = replayOf(source);
  // Room for four events of these (no raw line: 400 bytes each); the window holds five.
  const out = await collect(afterWarmUp(guard(), replay, 240, 4 * 400));
  assert.deepEqual(out, source);
  assert.deepEqual(counts, { opened: 2, closed: 2 });
});

test('past what it may keep, the warm-up reads on with only answered lines, and the profile learns the same', async () => {
  // A 240 s window full of 404 probes from new clients, where 12 clients fetch /.env with 200: public content.
  let text = '';
  for (let index = 0; index < 3000; index++) {
    const answered = index % 250 === 0;
    const line = {
      ClientHost: `203.0.${index >> 8}.${index & 255}`,
      DownstreamContentSize: 512,
      DownstreamStatus: answered ? 200 : 404,
      RequestHost: 'shop.example.com',
      RequestMethod: 'GET',
      RequestPath: answered ? '/.env' : '/.git/config',
      StartUTC: new Date(T0 + index * 100).toISOString(),
      'request_User-Agent': 'curl/8.0',
    };
    text += `${JSON.stringify(line)}\n`;
  }
  const path = join(mkdtempSync(join(tmpdir(), 'warm-rest-')), 'access.log');
  writeFileSync(path, text);
  const needles = { paths: ['/.env', '/.git'], agents: [] };
  const replay = () =>
    replayFile(path, { prefilter: createPrefilter(needles.paths, needles.agents), chunkBytes: 32768 });
  const restReads: number[] = [];
  let restEvents = 0;
  const rest = async function* (start: number) {
    restReads.push(start);
    const profileOnly = createPrefilter(needles.paths, needles.agents, { profileOnly: true });
    for await (const batch of replayFile(path, { start, prefilter: profileOnly })) {
      restEvents += batch.events.length;
      yield batch;
    }
  };
  const withRest = guard();
  const plain = guard();
  const events = (batches: SourceBatch[]) => batches.flatMap((batch) => batch.events);
  const scanned = await collect(afterWarmUp(withRest, replay, 240, 10 * 400, rest));
  const reference = await collect(afterWarmUp(plain, replay, 240, 10 * 400));
  assert.deepEqual(events(scanned), events(await collect(replay())), 'the scan still gets every event, once');
  assert.deepEqual(events(scanned), events(reference));
  assert.equal(restReads.length, 1);
  // The 10 answered lines of the window, a 64th of the others (for the time), the first past the window.
  assert.ok(restEvents > 10 && restEvents < 60, `${restEvents} lines read for the profile`);
  assert.deepEqual(withRest.profile.paths(), plain.profile.paths());
  assert.ok(withRest.profile.isPublic('shop.example.com', '/.env'), 'the profile learned /.env is public');
});

test('a scan that stops while the kept batches are handed on closes the replay', async () => {
  const { counts, replay } = replayOf(batches());
  const out = await collect(afterWarmUp(guard(), replay, 240), 1);
  assert.equal(out.length, 1);
  assert.deepEqual(counts, { opened: 1, closed: 1 });
});

/** 20 scanners (six sensitive paths each) among 2,100 one-probe clients: 2,220 events, one second apart. */
function scannersAmongOneProbeClients(): string {
  const paths = [
    '/.env',
    '/.git/config',
    '/wp-config.php.bak',
    '/.aws/credentials',
    '/config.json.bak',
    '/.ssh/id_rsa',
  ];
  let text = '';
  for (let index = 0; index < 2120; index++) {
    const scanner = index % 106 === 0 ? index / 106 : undefined;
    const ip = scanner === undefined ? `203.0.${index >> 8}.${index & 255}` : `198.51.100.${scanner}`;
    const time = new Date(T0 + index * 1000).toISOString();
    for (const path of scanner === undefined ? ['/.env'] : paths) {
      text += `${JSON.stringify({
        ClientAddr: `${ip}:40000`,
        ClientHost: ip,
        DownstreamStatus: 404,
        RequestHost: 'shop.example.com',
        RequestMethod: 'GET',
        RequestPath: path,
        StartUTC: time,
        'request_User-Agent': 'Mozilla/5.0',
      })}\n`;
    }
  }
  return text;
}

test('the tail drains and commits once per read, after its small batches, and finds what scan finds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-tail-'));
  const log = join(dir, 'access.log');
  writeFileSync(log, scannersAmongOneProbeClients());
  const settings = { mode: 'disabled', 'sources.traefik_file.path': log, 'sources.traefik_file.start_at': 'beginning' };
  const scanned = fileBlockerGuardParts(dir, settings, { label: 'scan', maxEntries: 10 });
  const scanGuard = new NetworkGuard({ ...scanned, source: 'test' });
  const scan = await scanTraefikFile(scanGuard, scanned.config, log);
  const tailed = fileBlockerGuardParts(dir, settings, { label: 'tail', maxEntries: 10 });
  const tailGuard = new NetworkGuard({ ...tailed, source: 'test' });
  const commits: number[] = [];
  const positions = tailed.store.positions;
  const set = positions.set.bind(positions);
  const stop = new AbortController();
  positions.set = (source, position) => {
    set(source, position);
    commits.push((position as TraefikFilePosition).offset);
    if ((position as TraefikFilePosition).offset === statSync(log).size) stop.abort();
  };
  const batchSizes: number[] = [];
  const observe = tailGuard.observe.bind(tailGuard);
  tailGuard.observe = (events) => {
    batchSizes.push(events.length);
    observe(events);
  };
  const flushes: number[] = [];
  const flush = tailGuard.flush.bind(tailGuard);
  tailGuard.flush = (final) => {
    flushes.push(tailGuard.detector.trackedClients);
    return flush(final);
  };
  await tailTraefikFile(tailGuard, tailed.config, tailed.store, stop.signal, () => {});
  // 2,220 events in one read, handed out in batches of 256 events: one drain and one commit, at the file's end.
  assert.deepEqual(commits, [statSync(log).size]);
  assert.equal(flushes.length, 1);
  assert.deepEqual(batchSizes, [256, 256, 256, 256, 256, 256, 256, 256, 172]);
  const found = (outcomes: IncidentOutcome[]) =>
    [...new Set(outcomes.map(({ incident }) => `${incident.ip} ${incident.threatType}`))].sort();
  const tailedIncidents = tailed.store.incidents.list({}).map((incident) => `${incident.ip} ${incident.threatType}`);
  assert.equal(found(scan.outcomes).length, 20);
  assert.deepEqual([...new Set(tailedIncidents)].sort(), found(scan.outcomes));
  scanned.store.close();
  tailed.store.close();
});
