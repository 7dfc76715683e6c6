import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { setImmediate } from 'node:timers/promises';
import type { Config } from '../config/schema.ts';
import { heapBusyNow } from '../core/adaptive-heap.ts';
import { limitHeapGrowthWhenLarge } from '../core/heap-growth.ts';
import { metrics } from '../core/metrics.ts';
import type { Store } from '../store/store.ts';
import type { IncidentOutcome, NetworkGuard } from './network-guard.ts';
import { replayFileParallel } from './traefik-log/parallel-replay.ts';
import { createPrefilter } from './traefik-log/prefilter.ts';
import { replayFile } from './traefik-log/replay-file.ts';
import { addStats, emptyStats, type SourceBatch, type SourceStats } from './traefik-log/source-batch.ts';
import { TraefikFileSource } from './traefik-log/traefik-file-source.ts';

export interface FileScanResult {
  /** The last outcome of each incident the scan created or updated, by id (`created` when any drain created it). */
  outcomes: IncidentOutcome[];
  stats: SourceStats;
  seconds: number;
}

/** The prefilter lets through every line the detector could care about and drops ordinary traffic unparsed. */
export function prefilterFor(guard: NetworkGuard) {
  const { paths, agents } = prefilterNeedles(guard);
  return createPrefilter(paths, agents);
}

/** The needles the prefilter is built from (plain data: worker threads build their own prefilter from them). */
function prefilterNeedles(guard: NetworkGuard): { paths: string[]; agents: string[] } {
  return { paths: guard.detector.pathMatcher.needles, agents: guard.detector.agentMatcher.needles };
}

function countBatch(batch: SourceBatch, source: string): void {
  metrics.increment('devops_agent_log_lines_total', { source }, batch.stats.lines);
  metrics.increment('devops_agent_log_lines_skipped_total', { source }, batch.stats.skipped);
  metrics.increment(
    'devops_agent_parse_errors_total',
    { source },
    batch.stats.malformed + batch.stats.truncated + batch.stats.binary,
  );
}

/** One-shot replay of a whole file through the guard (the `scan` command). */
export async function scanTraefikFile(
  guard: NetworkGuard,
  config: Config,
  path: string,
  onProgress?: (stats: SourceStats, bytes: { read: number; total: number }) => void,
  threads = 1,
): Promise<FileScanResult> {
  const started = performance.now();
  const stats = emptyStats();
  // Only each incident's last outcome is kept: a storm updates thousands of incidents at several drains, and each
  // outcome holds a copy of its incident (the store has the current one).
  const latest = new Map<number, IncidentOutcome>();
  const keep = (outcomes: IncidentOutcome[]) => {
    for (const outcome of outcomes) {
      const created = outcome.created || latest.get(outcome.incident.id)?.created === true;
      latest.set(outcome.incident.id, created === outcome.created ? outcome : { ...outcome, created });
    }
  };
  const { size } = await stat(path);
  const reading = {
    format: config.sources.traefik_file.format,
    maxLineBytes: config.sources.traefik_file.max_line_bytes,
    trustedProxies: config.trusted_proxies,
  };
  const needles = prefilterNeedles(guard);
  // Past what the warm-up may keep, the rest of its window is read for the profile alone, one thread: only the lines
  // that can teach it (a 2xx or 3xx answer), and one in 64 of the others for the time (where the window ends).
  const profileLines = createPrefilter(needles.paths, needles.agents, { profileOnly: true });
  const rest = (start: number) => replayFile(path, { ...reading, start, prefilter: profileLines });
  const replay = afterWarmUp(
    guard,
    () => replayFileParallel(path, { ...reading, prefilter: needles, threads }),
    config.detection.site_profile.warmup,
    MAX_KEPT_BYTES,
    rest,
  );
  // Worker threads read, prefilter and parse; this thread runs the one detector over their batches in file order.
  for await (const batch of replay) {
    limitHeapGrowthWhenLarge();
    guard.observe(batch.events);
    addStats(stats, batch.stats);
    countBatch(batch, 'traefik-file');
    if (batch.readContinues) {
      // Findings are drained once per read, after its last batch. Until then a turn of the event loop per batch
      // lets V8 finish its concurrent collection work (sweeping, marking), which waits for one: 431 instead of
      // 507 MB for a million new clients.
      await setImmediate();
      continue;
    }
    keep(await guard.flush());
    onProgress?.(stats, { read: batch.position.offset, total: size });
  }
  keep(await guard.flush(true)); // the whole file is seen: judge what waited for the profile
  const outcomes = [...latest.values()].sort((a, b) => a.incident.id - b.incident.id);
  return { outcomes, stats, seconds: (performance.now() - started) / 1000 };
}

/**
 * Memory the warm-up may keep for the scan, estimated as each event's raw line plus about 400 bytes of fields; past
 * it the warm-up stops keeping and the scan reads the window again. Ordinary traffic is mostly prefiltered away, so
 * a window seldom holds this much; a flood of probes in 1 KB lines holds about 25,000 events in it.
 */
const MAX_KEPT_BYTES = 32 * 1024 * 1024;
const EVENT_FIELD_BYTES = 400;

/**
 * The batches of `replay()` for the scan, after warming the site profile from their first `warmupSeconds` (event
 * time), so the first visitors of a single-page app fetching `/config.js` are not leaks just because they came first.
 * The warm-up's batches are kept and handed on, so a window full of probes is read and parsed once; a window holding
 * more than `maxKeptBytes` of events is read again instead (memory stays bounded). Past that bound the warm-up goes on
 * with `rest(offset)` when given: the rest of the file from there, holding at least every line answered 2xx or 3xx
 * (the profile learns from nothing else, so it learns the same) and enough others to tell where the window ends.
 */
export async function* afterWarmUp(
  guard: NetworkGuard,
  replay: () => AsyncGenerator<SourceBatch>,
  warmupSeconds: number,
  maxKeptBytes = MAX_KEPT_BYTES,
  rest?: (offset: number) => AsyncGenerator<SourceBatch>,
): AsyncGenerator<SourceBatch> {
  const batches = replay();
  let kept: SourceBatch[] | undefined;
  try {
    kept = await warmSiteProfile(guard, batches, warmupSeconds, maxKeptBytes, rest);
    if (kept) {
      // Handed over one by one, so each kept batch can be collected once the scan has observed it.
      while (kept.length > 0) yield kept.shift()!;
      yield* batches;
    }
  } finally {
    // A no-op once it is finished; else (the window too big to keep, or the scan stopped on an error) this closes
    // the replay's file and workers.
    await batches.return(undefined);
  }
  if (!kept) yield* replay();
}

/** Feeds the profile until the warm-up window ends; returns the batches read, or undefined past `maxKeptBytes`. */
async function warmSiteProfile(
  guard: NetworkGuard,
  batches: AsyncGenerator<SourceBatch>,
  warmupSeconds: number,
  maxKeptBytes: number,
  rest: ((offset: number) => AsyncGenerator<SourceBatch>) | undefined,
): Promise<SourceBatch[] | undefined> {
  let kept: SourceBatch[] | undefined = [];
  let keptBytes = 0;
  const window = { start: undefined as number | undefined, seconds: warmupSeconds };
  // next() by hand: leaving a for-await loop would close the generator the scan continues with.
  for (let next = await batches.next(); !next.done; next = await batches.next()) {
    const batch = next.value;
    limitHeapGrowthWhenLarge();
    keptBytes += batch.events.reduce((sum, event) => sum + (event.raw?.length ?? 0) + EVENT_FIELD_BYTES, 0);
    if (keptBytes <= maxKeptBytes) kept?.push(batch);
    else kept = undefined;
    if (!learnFrom(guard, batch, window)) return kept;
    if (!kept && rest) {
      await batches.return(undefined);
      for await (const more of rest(batch.position.offset)) if (!learnFrom(guard, more, window)) break;
      return undefined;
    }
  }
  return kept;
}

/**
 * Feeds a batch's sensitive-path events to the profile; false at the first event past the warm-up window (its
 * start is the first event's time).
 */
function learnFrom(guard: NetworkGuard, batch: SourceBatch, window: { start?: number; seconds: number }): boolean {
  const matcher = guard.detector.pathMatcher;
  for (const event of batch.events) {
    window.start ??= event.time;
    if (event.time - window.start > window.seconds * 1000) return false;
    if (!matcher.matches(event.path)) continue;
    const client = guard.detector.clientKey(event.clientIp);
    const { host, path, status, time, bytes } = event;
    guard.profile.observe(host, path, client, status, time, bytes, event.rawPath.length, event.queryLength);
  }
  limitHeapGrowthWhenLarge();
  return true;
}

/** Follows the configured file until the signal aborts, committing the read position after each processed batch. */
export async function tailTraefikFile(
  guard: NetworkGuard,
  config: Config,
  store: Store,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  const settings = config.sources.traefik_file;
  const source = new TraefikFileSource({
    path: settings.path,
    format: settings.format,
    startAt: settings.start_at,
    maxLineBytes: settings.max_line_bytes,
    trustedProxies: config.trusted_proxies,
    positions: store.positions,
    prefilter: prefilterFor(guard),
    catchUp: { threads: settings.catch_up_threads || availableParallelism(), prefilter: prefilterNeedles(guard) },
    pollIntervalMs: settings.poll_interval * 1000,
    // inotify (fs.watch on the directory) wakes the tail as soon as Traefik writes; polling stays as the fallback.
    watch: settings.watch,
    onError: (error) => {
      metrics.increment('devops_agent_integration_errors_total', { integration: 'traefik-file' });
      log(`traefik-file: ${(error as Error).message ?? String(error)}`);
    },
  });
  try {
    await source.tail(signal, async (batch) => {
      for (const notice of batch.notices) log(`traefik-file: ${notice}`);
      // A backlog (more written than one read takes): no memory-saver mode while it is read.
      if (batch.hasMore) heapBusyNow();
      guard.observe(batch.events);
      countBatch(batch, 'traefik-file');
      limitHeapGrowthWhenLarge();
      // As in scan: a read handed out in small batches is drained, and its position committed, after its last
      // batch. A restart before then reads the uncommitted batches again, and they had written nothing.
      if (batch.readContinues) return setImmediate();
      await guard.flush();
      source.commit(batch.position);
    });
  } finally {
    await source.close();
  }
}
