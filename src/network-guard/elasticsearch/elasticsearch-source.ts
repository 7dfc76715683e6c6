import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, IntegrationError } from '../../core/errors.ts';
import type { Finding, Incident } from '../../core/incident.ts';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { IncidentOutcome, NetworkGuard } from '../network-guard.ts';
import type { TimeRange } from './detection-queries.ts';
import { type DetectionResult, ElasticsearchDetector } from './elasticsearch-detector.ts';
import type { BackendOptions } from './search-backend.ts';

export interface ScanProgress {
  window: TimeRange;
  documents: number;
  findings: number;
  windowsDone: number;
  windowsTotal: number;
}

export interface ScanSummary {
  /** Documents in [from, to) (each once, however many overlapping windows read it). */
  lines: number;
  /** Documents without a client, path or status field. */
  skipped: number;
  seconds: number;
  /**
   * Every incident a window of the range found, whether this scan changed it or found it already up to date: a rescan
   * of the same range reports the same incidents (never a subset that depends on an earlier scan or on alignment).
   */
  incidents: IncidentOutcome[];
}

export interface ElasticsearchSourceOptions extends BackendOptions {
  now?: () => number;
  log?: (message: string) => void;
  /** An already connected detector (tests, benchmarks). */
  detector?: ElasticsearchDetector;
  /**
   * Told about each connected detector (undefined when dropped), so the background investigation queue can query
   * Elasticsearch; detection never waits for an investigation.
   */
  onDetector?: (detector: ElasticsearchDetector | undefined) => void;
}

interface Cursor {
  /** Epoch ms up to which every slow window has been evaluated. */
  until: number;
}

/**
 * Backfill: evaluates [from, to) in slow windows that overlap by half, so a slow scan straddling a boundary is still
 * seen whole in one of them. Counts are recomputed from Elasticsearch each window and an active incident's evidence is
 * replaced, never added to, so overlapping windows cannot double-count.
 */
export async function scanElasticsearch(
  runtime: AgentRuntime,
  guard: NetworkGuard,
  range: { from: Date | number; to: Date | number },
  onProgress?: (progress: ScanProgress) => void,
  options: ElasticsearchSourceOptions = {},
): Promise<ScanSummary> {
  const started = performance.now();
  const from = Number(range.from);
  const to = Number(range.to);
  if (!(to > from))
    throw new IntegrationError('elasticsearch', 'scan range is empty (to must be after from)', { isRetryable: false });
  const detector = options.detector ?? (await ElasticsearchDetector.connect(runtime.config, options));
  options.onDetector?.(detector);
  try {
    const windows = slowWindows(from, to, runtime.config.detection.slow_window * 1000);
    let lines = 0;
    let skipped = 0;
    const incidents = new Map<number, IncidentOutcome>();
    for (const [index, window] of windows.entries()) {
      const result = await runWindow(runtime, guard, detector, window);
      for (const outcome of result.outcomes) incidents.set(outcome.incident.id, outcome);
      lines += result.documents;
      skipped += result.skipped;
      onProgress?.({
        window,
        documents: result.documents,
        findings: result.findings.length,
        windowsDone: index + 1,
        windowsTotal: windows.length,
      });
    }
    if (windows.length > 1) ({ documents: lines, skipped } = await detector.countDocuments({ from, to }));
    return { lines, skipped, seconds: (performance.now() - started) / 1000, incidents: [...incidents.values()] };
  } finally {
    if (!options.detector) {
      options.onDetector?.(undefined);
      await detector.close();
    }
  }
}

/**
 * The daemon loop: every `elasticsearch.interval`, evaluate the slow window ending `ingest_delay` ago. The cursor
 * (store.positions) remembers how far evaluation got; after a restart or a long outage the missed span is evaluated
 * window by window first. Elasticsearch down, slow or refusing: the error is logged and audited, the cursor stays, and
 * the next cycle retries (the client already retried with backoff). Never throws for a remote failure.
 */
export async function watchElasticsearch(
  runtime: AgentRuntime,
  guard: NetworkGuard,
  signal: AbortSignal,
  options: ElasticsearchSourceOptions = {},
): Promise<void> {
  const settings = runtime.config.elasticsearch;
  if (!settings) throw new Error('elasticsearch is not configured');
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const now = options.now ?? Date.now;
  let detector = options.detector;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (!detector) {
        detector = await ElasticsearchDetector.connect(runtime.config, options);
        options.onDetector?.(detector);
        const { info } = detector.backend;
        const { profile } = detector;
        log(
          `elasticsearch: ${info.flavor} ${info.version}, ${settings.index_pattern}, profile ${profile.name}${profile.reason ? ` (chosen by ${profile.reason})` : ''} (${Object.entries(
            profile.fields,
          )
            .map(([role, field]) => `${role}=${field}`)
            .join(', ')})`,
        );
        for (const warning of profile.warnings) log(`elasticsearch: ${warning}`);
      }
      await runCycle(runtime, guard, detector, now(), signal);
      failures = 0;
    } catch (error) {
      if (signal.aborted) break;
      failures++;
      const message = errorMessage(error);
      log(`elasticsearch cycle failed (${failures} in a row): ${message}`);
      runtime.store.audit.append('elasticsearch_cycle_failed', { error: message, consecutive: failures });
      if (error instanceof IntegrationError && !error.isRetryable && detector && !options.detector) {
        options.onDetector?.(undefined);
        await detector.close().catch(() => undefined);
        detector = undefined; // reconnect: the mapping or the credentials may have been fixed
      }
    }
    const pause = failures === 0 ? settings.interval : Math.min(settings.interval * 2 ** (failures - 1), 600);
    await sleep(pause * 1000, undefined, { signal }).catch(() => undefined);
  }
  options.onDetector?.(undefined);
  if (detector && !options.detector) await detector.close().catch(() => undefined);
}

/** One daemon cycle: catch up from the cursor to now - ingest_delay, then move the cursor. Exported for tests. */
export async function runCycle(
  runtime: AgentRuntime,
  guard: NetworkGuard,
  detector: ElasticsearchDetector,
  nowMs: number,
  signal?: AbortSignal,
): Promise<DetectionResult[]> {
  const settings = runtime.config.elasticsearch!;
  const key = cursorKey(settings.url, settings.index_pattern);
  const slow = runtime.config.detection.slow_window * 1000;
  const end = nowMs - settings.ingest_delay * 1000;
  const cursor = runtime.store.positions.get<Cursor>(key);
  const step = Math.max(1000, Math.floor(slow / 2));
  const ends: number[] = [];
  if (cursor && cursor.until < end - step) {
    for (let at = Math.max(cursor.until, end - 30 * 86400_000) + step; at < end; at += step) ends.push(at);
  }
  ends.push(end);
  const windows = ends.map((at) => ({ from: at - slow, to: at }));
  const results: DetectionResult[] = [];
  for (const window of windows) {
    results.push(await runWindow(runtime, guard, detector, window, signal));
    // Each finished window moves the cursor, so a failure halfway through a catch-up resumes where it stopped.
    runtime.store.positions.set(key, { until: Math.max(window.to, cursor?.until ?? 0) } satisfies Cursor);
  }
  return results;
}

export function cursorKey(url: string, indexPattern: string): string {
  return `elasticsearch:${url.replace(/\/+$/, '')}/${indexPattern}`;
}

/** Windows of `slow` ms stepping by half of it, the last one ending at `to`; one window when the span is short. */
export function slowWindows(from: number, to: number, slow: number): TimeRange[] {
  if (to - from <= slow) return [{ from: Math.min(from, to - slow), to }];
  const step = Math.max(1000, Math.floor(slow / 2));
  const windows: TimeRange[] = [];
  for (let end = from + slow; end < to; end += step) windows.push({ from: end - slow, to: end });
  windows.push({ from: to - slow, to });
  return windows;
}

async function runWindow(
  runtime: AgentRuntime,
  guard: NetworkGuard,
  detector: ElasticsearchDetector,
  window: TimeRange,
  signal?: AbortSignal,
): Promise<DetectionResult & { outcomes: IncidentOutcome[] }> {
  const { store } = runtime;
  detector.siteProfile = guard.profile; // learn into, and judge by, the guard's profile (kept in SQLite)
  const result = await detector.detect(
    window,
    (ip, threatType) => store.incidents.findActive(ip, threatType)?.evidence,
    signal,
  );
  // One look-up of the active incident per finding: unchanged counts are reported as they are, changed ones rewritten.
  const upToDate: Incident[] = [];
  const changed: Finding[] = [];
  for (const finding of result.findings) {
    const active = store.incidents.findActive(finding.ip, finding.threatType);
    if (active && unchanged(active, finding)) upToDate.push(active);
    else changed.push(active ? keepLlmQueries(active, finding) : finding);
  }
  // New incidents go to the guard's investigation queue (if any) inside ingestFindings, which never waits for a model.
  const outcomes: IncidentOutcome[] = await guard.ingestFindings(changed);
  guard.saveProfile();
  for (const incident of upToDate) outcomes.push({ incident, decision: incident.decision, created: false });
  return { ...result, outcomes };
}

/** Recomputed evidence replaces the incident's; the LLM's queries of an earlier window stay with it. */
function keepLlmQueries(active: Incident, finding: Finding): Finding {
  const previous = active.evidence.extra?.llmQueries;
  if (previous === undefined) return finding;
  return { ...finding, evidence: { ...finding.evidence, extra: { ...finding.evidence.extra, llmQueries: previous } } };
}

/** The same counts as the incident already holds: nothing to update (keeps overlapping cycles quiet). */
function unchanged(active: Incident, finding: Finding): boolean {
  const previous = (active.evidence.extra as { resultHash?: string } | undefined)?.resultHash;
  return previous !== undefined && previous === finding.evidence.extra?.resultHash;
}
