import { stat } from 'node:fs/promises';
import type { Config } from '../config/schema.ts';
import { metrics } from '../core/metrics.ts';
import type { Store } from '../store/store.ts';
import type { IncidentOutcome, NetworkGuard } from './network-guard.ts';
import { replayFileParallel } from './traefik-log/parallel-replay.ts';
import { createPrefilter } from './traefik-log/prefilter.ts';
import { type ReplayOptions, replayFile } from './traefik-log/replay-file.ts';
import { addStats, emptyStats, type SourceBatch, type SourceStats } from './traefik-log/source-batch.ts';
import { TraefikFileSource } from './traefik-log/traefik-file-source.ts';

export interface FileScanResult {
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
  const outcomes: IncidentOutcome[] = [];
  const { size } = await stat(path);
  const options = {
    format: config.sources.traefik_file.format,
    maxLineBytes: config.sources.traefik_file.max_line_bytes,
    trustedProxies: config.trusted_proxies,
    prefilter: prefilterNeedles(guard),
    threads,
  };
  await warmSiteProfile(
    guard,
    path,
    { ...options, prefilter: prefilterFor(guard) },
    config.detection.site_profile.warmup,
  );
  // Worker threads read, prefilter and parse; this thread runs the one detector over their batches in file order.
  for await (const batch of replayFileParallel(path, options)) {
    guard.observe(batch.events);
    addStats(stats, batch.stats);
    countBatch(batch, 'traefik-file');
    outcomes.push(...(await guard.flush()));
    onProgress?.(stats, { read: batch.position.offset, total: size });
  }
  outcomes.push(...(await guard.flush(true))); // the whole file is seen: judge what waited for the profile
  return { outcomes, stats, seconds: (performance.now() - started) / 1000 };
}

/**
 * Warms the site profile from the first `warmupSeconds` (event time) of a replay before judging anything, so the
 * first visitors of a single-page app fetching `/config.js` are not leaks just because they came first.
 */
async function warmSiteProfile(
  guard: NetworkGuard,
  path: string,
  options: ReplayOptions,
  warmupSeconds: number,
): Promise<void> {
  let start: number | undefined;
  const matcher = guard.detector.pathMatcher;
  for await (const batch of replayFile(path, options)) {
    for (const event of batch.events) {
      start ??= event.time;
      if (event.time - start > warmupSeconds * 1000) return;
      if (!matcher.matches(event.path)) continue;
      const client = guard.detector.clientKey(event.clientIp);
      guard.profile.observe(event.host, event.path, client, event.status, event.time, event.bytes);
    }
  }
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
      guard.observe(batch.events);
      countBatch(batch, 'traefik-file');
      await guard.flush();
      source.commit(batch.position);
    });
  } finally {
    await source.close();
  }
}
