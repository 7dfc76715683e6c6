import type { Evidence, Finding, Severity, ThreatType } from '../../core/incident.ts';
import { ipv6Slash64 } from '../../core/ip-address.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { EvidenceAccumulator } from './evidence-accumulator.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { ScannerAgentMatcher } from './scanner-agent-matcher.ts';

export interface SecretsScanningSettings {
  /** Seconds. */
  window: number;
  rate_per_window: number;
  /** Seconds. */
  slow_window: number;
  distinct_sensitive_paths: number;
  min_sensitive_failures: number;
  scanner_agent_min_requests: number;
  sensitive_paths: string[];
  scanner_user_agents: string[];
  replace_builtin_lists: boolean;
  max_tracked_ips: number;
  group_ipv6_by_64: boolean;
}

export interface DetectorOptions {
  source: string;
  /** Evidence of a still-active incident for this client, so a restart continues counting instead of starting at 0. */
  seed?: (clientKey: string, threatType: ThreatType) => Evidence | undefined;
}

const MAX_DISTINCT_TRACKED = 500;
const FAILURE_STATUSES = new Set([401, 403, 404]);

interface ClientState {
  evidence: EvidenceAccumulator;
  /** Times of the last `rate_per_window + 1` sensitive hits: enough to tell a burst, bounded. */
  recentSensitive: number[];
  /** Sensitive 401/403/404 per epoch minute within the slow window. */
  failuresPerMinute: Map<number, number>;
  /** Sensitive path -> last time seen, within the slow window. */
  sensitivePathsSeen: Map<string, number>;
  scannerRequests: number;
  exposedPaths: Set<string>;
  flagged: Set<ThreatType>;
  reasons: Set<string>;
  dirty: boolean;
  burst: boolean;
}

/**
 * Secrets-scanning detection per client (an IP, or an IPv6 /64): bursts of sensitive-path requests, named scanner
 * agents, and slow scanners probing many distinct sensitive paths or failing often within the slow window. A 2xx on a
 * sensitive path is a separate, worse finding (secret_exposure). Event time drives the windows, so replays behave
 * like live traffic. Memory is bounded: at most `max_tracked_ips` clients, least recently active evicted first.
 */
export class SecretsScanningDetector {
  readonly #settings: SecretsScanningSettings;
  readonly #options: DetectorOptions;
  readonly #paths: SensitivePathMatcher;
  readonly #agents: ScannerAgentMatcher;
  /** Client key -> its state, or just its first event while it has sent one (see observe). */
  readonly #clients = new Map<string, ClientState | LogEvent>();
  /** Flagged clients changed since the last drain (a drain visits these, not every tracked client). */
  readonly #changed = new Set<string>();
  evicted = 0;

  constructor(settings: SecretsScanningSettings, options: DetectorOptions) {
    this.#settings = settings;
    this.#options = options;
    this.#paths = new SensitivePathMatcher(settings.sensitive_paths, settings.replace_builtin_lists);
    this.#agents = new ScannerAgentMatcher(settings.scanner_user_agents, settings.replace_builtin_lists);
  }

  get pathMatcher(): SensitivePathMatcher {
    return this.#paths;
  }

  get agentMatcher(): ScannerAgentMatcher {
    return this.#agents;
  }

  get trackedClients(): number {
    return this.#clients.size;
  }

  clientKey(ip: string): string {
    return this.#settings.group_ipv6_by_64 ? ipv6Slash64(ip) : ip;
  }

  observe(event: LogEvent): void {
    const sensitive = this.#paths.matches(event.path);
    const agentClass = this.#agents.classify(event.userAgent);
    const key = this.clientKey(event.clientIp);
    const tracked = this.#clients.get(key);
    let state: ClientState;
    if (tracked === undefined) {
      if (!sensitive && agentClass !== 'scanner') return; // ordinary traffic from an unknown client costs nothing
      this.#makeRoom();
      const seeded = this.#createState(key);
      if (!seeded && !this.#flagsAlone(event, sensitive, agentClass)) {
        // One probe seldom crosses a threshold: remember only the event until the client comes back, so that a
        // million one-probe clients cost a million small records, not a million evidence accumulators.
        this.#clients.set(key, event);
        return;
      }
      state = seeded ?? this.#newState(undefined, undefined);
    } else {
      this.#clients.delete(key); // re-insert: Map order is our least-recently-active list
      if (isFirstSighting(tracked)) {
        state = this.#newState(undefined, undefined);
        this.#apply(state, tracked, this.#paths.matches(tracked.path), this.#agents.classify(tracked.userAgent));
      } else state = tracked;
    }
    this.#clients.set(key, state);
    this.#apply(state, event, sensitive, agentClass);
    if (state.flagged.size > 0) this.#changed.add(key);
  }

  #apply(state: ClientState, event: LogEvent, sensitive: boolean, agentClass: string): void {
    const scannerName = agentClass === 'scanner' ? this.#agents.scannerName(event.userAgent) : undefined;
    state.evidence.add(event, sensitive, scannerName);
    state.dirty = true;
    if (scannerName) state.scannerRequests++;
    if (sensitive) this.#recordSensitive(state, event);
    this.#evaluate(state);
  }

  /** Whether this event alone crosses a threshold (then the client gets its full state at once). */
  #flagsAlone(event: LogEvent, sensitive: boolean, agentClass: string): boolean {
    const settings = this.#settings;
    if (agentClass === 'scanner' && settings.scanner_agent_min_requests <= 1 && sensitive) return true;
    if (!sensitive) return false;
    if (event.status >= 200 && event.status < 300 && event.status !== 204) return true;
    return (
      settings.rate_per_window < 1 ||
      settings.distinct_sensitive_paths <= 1 ||
      (settings.min_sensitive_failures <= 1 && FAILURE_STATUSES.has(event.status))
    );
  }

  /** Findings for clients that crossed a threshold and changed since the last drain. */
  drainFindings(): Finding[] {
    const findings: Finding[] = [];
    for (const key of this.#changed) {
      const state = this.#clients.get(key);
      if (state === undefined || isFirstSighting(state) || !state.dirty || state.flagged.size === 0) continue;
      state.dirty = false;
      for (const threatType of state.flagged) {
        findings.push({
          ip: key,
          threatType,
          severity: this.#severity(state, threatType),
          evidence: this.#evidence(state, threatType),
        });
      }
    }
    this.#changed.clear();
    return findings;
  }

  /**
   * Evicts the least recently active clients when the table is full: a twentieth at a time, because every delete
   * at the front of a Map leaves a hole that the next "oldest" lookup walks over (one at a time made it quadratic).
   */
  #makeRoom(): void {
    const max = this.#settings.max_tracked_ips;
    if (this.#clients.size < max) return;
    let toEvict = Math.max(1, Math.floor(max / 20), this.#clients.size - max + 1);
    for (const key of this.#clients.keys()) {
      this.#clients.delete(key);
      this.evicted++;
      if (--toEvict === 0) break;
    }
  }

  /** The state of a client with a still-active incident (it continues counting), else undefined. */
  #createState(key: string): ClientState | undefined {
    const scanningSeed = this.#options.seed?.(key, 'secrets_scanning');
    const exposureSeed = this.#options.seed?.(key, 'secret_exposure');
    if (!scanningSeed && !exposureSeed) return undefined;
    return this.#newState(scanningSeed, exposureSeed);
  }

  #newState(scanningSeed: Evidence | undefined, exposureSeed: Evidence | undefined): ClientState {
    const state: ClientState = {
      evidence: new EvidenceAccumulator(this.#options.source, scanningSeed ?? exposureSeed),
      recentSensitive: [],
      failuresPerMinute: new Map(),
      sensitivePathsSeen: new Map(),
      scannerRequests: 0,
      exposedPaths: new Set(),
      flagged: new Set(),
      reasons: new Set(scanningSeed?.reasons ?? []),
      dirty: false,
      burst: false,
    };
    if (scanningSeed) state.flagged.add('secrets_scanning');
    if (exposureSeed) state.flagged.add('secret_exposure');
    return state;
  }

  #recordSensitive(state: ClientState, event: LogEvent): void {
    const limit = this.#settings.rate_per_window + 1;
    state.recentSensitive.push(event.time);
    if (state.recentSensitive.length > limit) state.recentSensitive.shift();
    const slowStart = event.time - this.#settings.slow_window * 1000;
    if (FAILURE_STATUSES.has(event.status)) {
      const minute = Math.floor(event.time / 60000);
      state.failuresPerMinute.set(minute, (state.failuresPerMinute.get(minute) ?? 0) + 1);
      for (const bucket of state.failuresPerMinute.keys())
        if (bucket * 60000 < slowStart - 60000) state.failuresPerMinute.delete(bucket);
    }
    state.sensitivePathsSeen.delete(event.path);
    state.sensitivePathsSeen.set(event.path, event.time);
    for (const [path, seen] of state.sensitivePathsSeen) {
      if (seen >= slowStart && state.sensitivePathsSeen.size <= MAX_DISTINCT_TRACKED) break;
      state.sensitivePathsSeen.delete(path);
    }
    if (event.status >= 200 && event.status < 300 && event.status !== 204)
      state.exposedPaths.add(event.path.slice(0, 300));
  }

  #evaluate(state: ClientState): void {
    const settings = this.#settings;
    const recent = state.recentSensitive;
    const windowMs = settings.window * 1000;
    if (recent.length > settings.rate_per_window && recent.at(-1)! - recent[0] <= windowMs) {
      state.burst = true;
      state.reasons.add(`more than ${settings.rate_per_window} sensitive-path requests within ${settings.window}s`);
    }
    if (state.scannerRequests >= settings.scanner_agent_min_requests && state.evidence.sensitiveHits > 0) {
      state.reasons.add(`scanner user agent (${[...state.evidence.scannerAgents].join(', ')}) probing sensitive paths`);
    }
    const distinct = state.sensitivePathsSeen.size;
    if (distinct >= settings.distinct_sensitive_paths) {
      state.reasons.add(
        `${settings.distinct_sensitive_paths}+ distinct sensitive paths within ${settings.slow_window}s`,
      );
    }
    const failures = [...state.failuresPerMinute.values()].reduce((sum, count) => sum + count, 0);
    if (failures >= settings.min_sensitive_failures) {
      state.reasons.add(
        `${settings.min_sensitive_failures}+ sensitive requests answered 401/403/404 within ${settings.slow_window}s`,
      );
    }
    if (state.reasons.size > 0) state.flagged.add('secrets_scanning');
    if (state.exposedPaths.size > 0) state.flagged.add('secret_exposure');
  }

  #severity(state: ClientState, threatType: ThreatType): Severity {
    if (threatType === 'secret_exposure') return 'critical';
    const statuses = state.evidence.statuses;
    const authProbed = (statuses.get('401') ?? 0) + (statuses.get('403') ?? 0) > 0;
    if (state.burst || state.scannerRequests >= this.#settings.scanner_agent_min_requests) return 'high';
    if (state.evidence.distinctSensitivePaths.size >= 20 || authProbed) return 'high';
    return 'medium';
  }

  #evidence(state: ClientState, threatType: ThreatType): Evidence {
    const reasons =
      threatType === 'secret_exposure'
        ? [`sensitive path answered 2xx: ${[...state.exposedPaths].slice(0, 10).join(', ')} (a secret may have leaked)`]
        : [...state.reasons];
    return state.evidence.toEvidence(reasons);
  }
}

function isFirstSighting(tracked: ClientState | LogEvent): tracked is LogEvent {
  return (tracked as ClientState).evidence === undefined;
}
