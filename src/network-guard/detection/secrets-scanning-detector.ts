import type { Evidence, Finding, Severity, ThreatType } from '../../core/incident.ts';
import { ipv6Slash64 } from '../../core/ip-address.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { RecentKeys } from '../../core/recent-keys.ts';
import { type CampaignSettings, CampaignTracker } from './campaign-tracker.ts';
import { EvidenceAccumulator } from './evidence-accumulator.ts';
import { type ExposureCandidate, judgeExposures } from './exposure-judge.ts';
import { FirstSightings, type ObservedRequest } from './first-sightings.ts';
import { SensitivePathMatcher, TRAVERSAL_REASON } from './path-matcher.ts';
import {
  addRefusal,
  countsAsRevisit,
  namesAFile,
  type RevisitSettings,
  returningVerdict,
  visitsStride,
} from './returning-probes.ts';
import { type AgentFacts, ScannerAgentMatcher } from './scanner-agent-matcher.ts';
import { SiteProfile, type SiteProfileSettings } from './site-profile.ts';

export interface SecretsScanningSettings extends RevisitSettings {
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
  public_paths: string[];
  always_sensitive: string[];
  site_profile: SiteProfileSettings;
  campaigns: CampaignSettings;
}

export interface DetectorOptions {
  source: string;
  /** Evidence of a still-active incident for this client, so a restart continues counting instead of starting at 0. */
  seed?: (clientKey: string, threatType: ThreatType) => Evidence | undefined;
  /** The site profile to learn into and judge by (shared with its SQLite store); a fresh one when absent. */
  profile?: SiteProfile;
}

const MAX_DISTINCT_TRACKED = 500;
const MAX_EXPOSURES = 20;
const MAX_NOTES = 12;
/** The answers that count as a failed probe (Elasticsearch asks for the same ones). */
export const FAILURE_STATUSES = new Set([401, 403, 404]);

interface ClientState {
  evidence: EvidenceAccumulator;
  /** Times of the last `rate_per_window + 1` sensitive hits: enough to tell a burst, bounded. */
  recentSensitive: number[];
  /** Sensitive 401/403/404 per epoch minute within the slow window. */
  failuresPerMinute: Map<number, number>;
  /** Sensitive path -> last time seen, within the slow window. */
  sensitivePathsSeen: Map<string, number>;
  /** Its visits with refused sensitive probes (returning-probes.ts; created by the first). */
  visits?: Int32Array;
  scannerRequests: number;
  /** 2xx answers on sensitive paths not judged yet (the profile may still learn they are public). */
  exposures: ExposureCandidate[];
  leakedPaths: Set<string>;
  /** Site facts and checks that suppressed something, for the evidence. */
  notes: Set<string>;
  /** The crawler its user agent claims to be (verified later by reverse DNS). */
  crawlerClaim: string | undefined;
  /** The address that made the claim (the client key may be a /64). */
  crawlerAddress?: string;
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
  /** Tracked client keys, least recently active first. */
  readonly #clients = new RecentKeys();
  /** By client handle: its state, or the slot of its first request while it has sent one (see observe). */
  readonly #tracked: Array<ClientState | number | undefined> = [];
  readonly #firstSightings = new FirstSightings();
  /** Flagged clients changed since the last drain (a drain visits these, not every tracked client). */
  readonly #changed = new Set<string>();
  /** Clients whose 2xx answers wait for the site profile (judged again at each drain until decided). */
  readonly #pendingExposure = new Set<string>();
  readonly profile: SiteProfile;
  readonly campaigns: CampaignTracker;
  /** Latest event time seen: the detector's clock (replays behave like live traffic). */
  #now = 0;
  evicted = 0;

  constructor(settings: SecretsScanningSettings, options: DetectorOptions) {
    this.#settings = settings;
    this.#options = options;
    this.#paths = new SensitivePathMatcher(settings.sensitive_paths, settings.replace_builtin_lists);
    this.#agents = new ScannerAgentMatcher(settings.scanner_user_agents, settings.replace_builtin_lists);
    this.profile =
      options.profile ?? new SiteProfile(settings.site_profile, settings.public_paths, settings.always_sensitive);
    this.campaigns = new CampaignTracker(settings.campaigns, settings);
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
    const key = this.clientKey(event.clientIp);
    if (event.time > this.#now) this.#now = event.time;
    const sensitive = this.#sensitive(event, key);
    const agent = this.#agents.facts(event.userAgent);
    let handle = this.#clients.find(key);
    let state: ClientState;
    if (handle === -1) {
      if (!sensitive && agent.kind !== 'scanner') return; // ordinary traffic from an unknown client costs nothing
      this.#makeRoom();
      handle = this.#clients.add(key);
      const seeded = this.#seededState(key);
      if (!seeded && !this.#flagsAlone(event, sensitive, agent)) {
        // One probe seldom crosses a threshold: remember only the event until the client comes back, so that a
        // million one-probe clients cost a million slots (FirstSightings), not a million evidence accumulators.
        // The probe still counts towards its /24, /48 and fingerprint: a campaign may be one probe per address.
        const slot = this.#firstSightings.add(event);
        this.#tracked[handle] = slot;
        if (sensitive && agent.kind !== 'scanner') {
          const path = this.#firstSightings.path(slot);
          const agent = this.#firstSightings.userAgent(slot).slice(0, 300);
          this.campaigns.observeProbe(key, path, FAILURE_STATUSES.has(event.status), agent, event.time);
        }
        return;
      }
      state = seeded ?? this.#newState(undefined, undefined);
    } else {
      this.#clients.touch(handle);
      const tracked = this.#tracked[handle]!;
      if (typeof tracked === 'number') {
        state = this.#newState(undefined, undefined);
        const request = this.#firstSightings.take(tracked);
        const first = this.#paths.matches(request.path) && !this.profile.isPublic(request.host, request.path);
        this.#apply(key, state, request, first, this.#agents.facts(request.userAgent));
      } else state = tracked;
    }
    this.#tracked[handle] = state;
    this.#apply(key, state, event, sensitive, agent);
    if (state.flagged.size > 0) this.#changed.add(key);
    if (state.exposures.length > 0) this.#pendingExposure.add(key);
  }

  /** Sensitive and not public content of its site: learn first, then judge (the request that makes a path public is itself public content). */
  #sensitive(event: LogEvent, key: string): boolean {
    if (!this.#paths.matches(event.path)) return false;
    const { host, path, status, time, bytes } = event;
    this.profile.observe(host, path, key, status, time, bytes, event.rawPath.length, event.queryLength);
    return !this.profile.isPublic(event.host, event.path);
  }

  #apply(key: string, state: ClientState, event: ObservedRequest, sensitive: boolean, agent: AgentFacts): void {
    if (!sensitive && this.#paths.matches(event.path) && state.notes.size < MAX_NOTES) {
      const fact = this.profile.publicFact(event.host, event.path);
      if (fact) state.notes.add(`not counted: ${fact.detail}`);
    }
    const scannerName = agent.kind === 'scanner' ? this.#agents.scannerName(event.userAgent) : undefined;
    state.evidence.add(event, sensitive, scannerName);
    state.dirty = true;
    if (scannerName) state.scannerRequests++;
    if (sensitive && this.#paths.traversesToSensitive(event.path)) state.reasons.add(TRAVERSAL_REASON);
    if (sensitive) {
      if (!state.crawlerClaim) {
        state.crawlerClaim = agent.crawler?.name;
        if (state.crawlerClaim) state.crawlerAddress = event.clientIp;
      }
      this.#recordSensitive(state, event);
    }
    this.#evaluate(state);
    if (sensitive && !scannerName) this.#feedCampaign(key, state, event.userAgent);
  }

  /** Whether this event alone crosses a threshold (then the client gets its full state at once). */
  #flagsAlone(event: LogEvent, sensitive: boolean, agent: AgentFacts): boolean {
    const settings = this.#settings;
    if (agent.kind === 'scanner' && settings.scanner_agent_min_requests <= 1 && sensitive) return true;
    if (!sensitive) return false;
    if (event.status >= 200 && event.status < 300 && event.status !== 204) return true;
    if (this.#paths.traversesToSensitive(event.path)) return true;
    if (agent.crawler) return true; // a crawler claim is checked at once (verified, or a spoofer)
    return (
      settings.rate_per_window < 1 ||
      settings.distinct_sensitive_paths <= 1 ||
      (settings.min_sensitive_failures <= 1 && FAILURE_STATUSES.has(event.status)) ||
      (settings.revisits === 1 && FAILURE_STATUSES.has(event.status) && countsAsRevisit(event.path))
    );
  }

  /**
   * Findings for clients that crossed a threshold and changed since the last drain, then campaign findings.
   * `final` (the end of a replay) judges exposures still waiting for the site profile to warm up.
   */
  drainFindings(final = false): Finding[] {
    for (const key of this.#pendingExposure) {
      const state = this.#stateOf(key);
      if (state === undefined) {
        this.#pendingExposure.delete(key);
        continue;
      }
      this.#judgeExposures(key, state, final);
      if (state.exposures.length === 0) this.#pendingExposure.delete(key);
      if (state.flagged.size > 0) {
        state.dirty = true;
        this.#changed.add(key);
      }
    }
    const findings: Finding[] = [];
    for (const key of this.#changed) {
      const state = this.#stateOf(key);
      if (state === undefined || !state.dirty || state.flagged.size === 0) continue;
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
    findings.push(...this.campaigns.findings(this.#now, this.#options.source));
    return findings;
  }

  #judgeExposures(key: string, state: ClientState, final: boolean): void {
    const probing = state.flagged.has('secrets_scanning') || state.failuresPerMinute.size > 0;
    const window = this.#settings.window * 1000;
    const judgement = judgeExposures(state.exposures, this.profile, this.#now, final, window, probing, key);
    const before = state.leakedPaths.size;
    state.exposures = judgement.pending;
    for (const note of judgement.notes) if (state.notes.size < MAX_NOTES) state.notes.add(note);
    for (const leak of judgement.leaks) state.leakedPaths.add(leak.path.slice(0, 300));
    if (state.leakedPaths.size > 0) state.flagged.add('secret_exposure');
    if (state.leakedPaths.size > before || judgement.notes.length > 0) state.dirty = true;
  }

  /** A client under every per-client threshold may still be one member of a distributed scan. */
  #feedCampaign(key: string, state: ClientState, userAgent: string): void {
    if (state.flagged.has('secrets_scanning') || state.crawlerClaim) {
      this.campaigns.forget(key);
      return;
    }
    const evidence = state.evidence;
    this.campaigns.observe({
      key,
      paths: [...state.sensitivePathsSeen.keys()].slice(0, 50),
      failures: [...state.failuresPerMinute.values()].reduce((sum, count) => sum + count, 0),
      requests: evidence.requests,
      agent: userAgent.slice(0, 300),
      firstSeen: evidence.firstSeen,
      lastSeen: evidence.lastSeen,
    });
  }

  /**
   * Evicts the least recently active clients when the table is full: a twentieth at a time, so that the first
   * sightings' raw lines are released in bursts and their slab chunks empty whole (see TextSlab).
   */
  #makeRoom(): void {
    const max = this.#settings.max_tracked_ips;
    if (this.#clients.size < max) return;
    let toEvict = Math.max(1, Math.floor(max / 20), this.#clients.size - max + 1);
    for (let handle = this.#clients.oldest(); handle !== -1 && toEvict > 0; toEvict--) {
      const next = this.#clients.newer(handle);
      const tracked = this.#tracked[handle];
      if (typeof tracked === 'number') this.#firstSightings.release(tracked);
      this.#tracked[handle] = undefined;
      this.#clients.remove(handle);
      this.evicted++;
      handle = next;
    }
  }

  /** A tracked client's full state (undefined while it has sent one request, or when it is not tracked). */
  #stateOf(key: string): ClientState | undefined {
    const handle = this.#clients.find(key);
    const tracked = handle === -1 ? undefined : this.#tracked[handle];
    return typeof tracked === 'number' ? undefined : tracked;
  }

  /** The state of a client with a still-active incident (it continues counting), else undefined. */
  #seededState(key: string): ClientState | undefined {
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
      exposures: [],
      leakedPaths: new Set(
        (exposureSeed?.extra?.leakedPaths as string[] | undefined) ??
          exposureSeed?.topPaths.map(({ path }) => path) ??
          [],
      ),
      notes: new Set(scanningSeed?.explanations ?? []),
      crawlerClaim: undefined,
      flagged: new Set(),
      reasons: new Set(scanningSeed?.reasons ?? []),
      dirty: false,
      burst: false,
    };
    if (scanningSeed) state.flagged.add('secrets_scanning');
    if (exposureSeed) state.flagged.add('secret_exposure');
    return state;
  }

  #recordSensitive(state: ClientState, event: ObservedRequest): void {
    const limit = this.#settings.rate_per_window + 1;
    state.recentSensitive.push(event.time);
    if (state.recentSensitive.length > limit) state.recentSensitive.shift();
    const slowStart = event.time - this.#settings.slow_window * 1000;
    const failed = FAILURE_STATUSES.has(event.status);
    if (failed) {
      const minute = Math.floor(event.time / 60000);
      state.failuresPerMinute.set(minute, (state.failuresPerMinute.get(minute) ?? 0) + 1);
      for (const bucket of state.failuresPerMinute.keys())
        if (bucket * 60000 < slowStart - 60000) state.failuresPerMinute.delete(bucket);
    }
    // A single-page app answers its index (the fallback size) to every unknown path: for the returning scanner that
    // is the same "not here" as a 404 (a real site's scanners came back for days to such answers). Only for a file's
    // name: the same index answers the app's own routes (`/settings/credentials`), which its users reload day after day.
    const refused =
      failed ||
      (isSuccess(event.status) && namesAFile(event.path) && this.profile.isFallbackSize(event.host, event.bytes));
    if (refused && countsAsRevisit(event.path)) {
      state.visits ??= new Int32Array(visitsStride(this.#settings));
      addRefusal(state.visits, 0, this.#settings, event.time);
    }
    state.sensitivePathsSeen.delete(event.path);
    state.sensitivePathsSeen.set(event.path, event.time);
    for (const [path, seen] of state.sensitivePathsSeen) {
      if (seen >= slowStart && state.sensitivePathsSeen.size <= MAX_DISTINCT_TRACKED) break;
      state.sensitivePathsSeen.delete(path);
    }
    if (isSuccess(event.status) && state.exposures.length < MAX_EXPOSURES) {
      if (!state.leakedPaths.has(event.path) && !state.exposures.some((known) => known.path === event.path))
        state.exposures.push({
          host: event.host,
          path: event.path,
          status: event.status,
          bytes: event.bytes,
          time: event.time,
          rawLength: event.rawPath?.length,
          queryLength: event.queryLength,
        });
    }
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
    // One path polled again and again is a misconfigured client or a monitor, not a scan (bursts and named scanner
    // agents still count above).
    if (failures >= settings.min_sensitive_failures && distinct >= 2) {
      state.reasons.add(
        `${settings.min_sensitive_failures}+ sensitive requests answered 401/403/404 within ${settings.slow_window}s`,
      );
    }
    const returning = state.visits && returningVerdict(state.visits, 0, settings);
    if (returning) state.reasons.add(returning);
    if (state.crawlerClaim && state.evidence.sensitiveHits > 0) {
      state.reasons.add(
        `claims to be ${state.crawlerClaim} while requesting sensitive paths (verified by reverse DNS)`,
      );
    }
    if (state.reasons.size > 0) state.flagged.add('secrets_scanning');
  }

  #severity(state: ClientState, threatType: ThreatType): Severity {
    if (threatType === 'secret_exposure') return 'critical';
    const statuses = state.evidence.statuses;
    const authProbed = (statuses.get('401') ?? 0) + (statuses.get('403') ?? 0) > 0;
    if (state.burst || state.scannerRequests >= this.#settings.scanner_agent_min_requests) return 'high';
    if (state.reasons.has(TRAVERSAL_REASON)) return 'high';
    if (state.evidence.distinctSensitivePaths.size >= 20 || authProbed) return 'high';
    return 'medium';
  }

  #evidence(state: ClientState, threatType: ThreatType): Evidence {
    const leaked = [...state.leakedPaths].slice(0, 10);
    const probed = state.evidence.distinctSensitivePaths.size;
    const reasons =
      threatType === 'secret_exposure'
        ? [
            `sensitive path answered 2xx with content to few clients: ${leaked.join(', ')} (a secret may have leaked)${probed > leaked.length ? `, after probing ${probed} sensitive paths` : ''}`,
          ]
        : [...state.reasons];
    const extra: Record<string, unknown> = {};
    if (threatType === 'secret_exposure') extra.leakedPaths = leaked;
    if (state.crawlerClaim)
      Object.assign(extra, { crawlerClaim: state.crawlerClaim, crawlerAddress: state.crawlerAddress });
    const evidence = state.evidence.toEvidence(reasons, Object.keys(extra).length > 0 ? extra : undefined);
    return state.notes.size > 0 ? { ...evidence, explanations: [...state.notes] } : evidence;
  }
}

/** A 2xx answer with a body (204 has none). */
function isSuccess(status: number): boolean {
  return status >= 200 && status < 300 && status !== 204;
}
