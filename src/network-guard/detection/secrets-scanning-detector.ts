import { detachedCopy } from '../../core/detached-copy.ts';
import type { Evidence, Finding, Severity, ThreatType } from '../../core/incident.ts';
import { ipv6Slash64 } from '../../core/ip-address.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { TextSlab } from '../../core/text-slab.ts';
import { type CampaignSettings, CampaignTracker, type MemberProbes } from './campaign-tracker.ts';
import { claimedCrawler } from './crawler-claims.ts';
import { EvidenceAccumulator, MAX_SAMPLE_CHARS } from './evidence-accumulator.ts';
import { type ExposureCandidate, judgeExposures } from './exposure-judge.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { ScannerAgentMatcher } from './scanner-agent-matcher.ts';
import { SiteProfile, type SiteProfileSettings } from './site-profile.ts';

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
const FAILURE_STATUSES = new Set([401, 403, 404]);

/** What the detector reads of a request. */
type ObservedRequest = Pick<LogEvent, 'time' | 'clientIp' | 'path' | 'status' | 'userAgent' | 'bytes' | 'host' | 'raw'>;

/**
 * A one-probe client's only request, as much of it as the detector reads when the client comes back: no parser
 * slices that pin their line, repeated strings interned, and the raw line (for the evidence sample) outside the JS
 * heap, in a TextSlab chunk: it is most of a one-probe client's memory, and seldom read again.
 */
interface FirstSighting extends Omit<ObservedRequest, 'raw'> {
  /** The slab chunk of the raw line (its first MAX_SAMPLE_CHARS), -1 when the event had none. */
  rawChunk: number;
  rawStart: number;
  rawEnd: number;
}

/** Distinct strings the interning table holds before it starts again (it only saves memory, never decides). */
const MAX_INTERNED = 4096;
const MAX_INTERNED_LENGTH = 512;
/**
 * Bytes of first sightings' raw lines kept for their evidence sample: 100,000 one-probe clients of 320-byte lines.
 * Past it (a flood of long lines) a new one-probe client keeps no line until evictions make room; it is counted all
 * the same, and a sample comes from its next request.
 */
const MAX_FIRST_LINE_BYTES = 32 * 1024 * 1024;

interface ClientState {
  evidence: EvidenceAccumulator;
  /** Times of the last `rate_per_window + 1` sensitive hits: enough to tell a burst, bounded. */
  recentSensitive: number[];
  /** Sensitive 401/403/404 per epoch minute within the slow window. */
  failuresPerMinute: Map<number, number>;
  /** Sensitive path -> last time seen, within the slow window. */
  sensitivePathsSeen: Map<string, number>;
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
  /** Client key -> its state, or just its first event while it has sent one (see observe). */
  readonly #clients = new Map<string, ClientState | FirstSighting>();
  /** Paths, hosts and agents repeat across clients: one copy each for the first sightings (bounded). */
  #interned = new Map<string, string>();
  /** Where first sightings keep their raw lines (bounded: under a flood, the later ones keep none). */
  readonly #rawLines = new TextSlab(MAX_FIRST_LINE_BYTES);
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
    const agentClass = this.#agents.classify(event.userAgent);
    const tracked = this.#clients.get(key);
    let state: ClientState;
    if (tracked === undefined) {
      if (!sensitive && agentClass !== 'scanner') return; // ordinary traffic from an unknown client costs nothing
      this.#makeRoom();
      const seeded = this.#seededState(key);
      if (!seeded && !this.#flagsAlone(event, sensitive, agentClass)) {
        // One probe seldom crosses a threshold: remember only the event until the client comes back, so that a
        // million one-probe clients cost a million small records, not a million evidence accumulators. The probe
        // still counts towards its /24, /48 and fingerprint: a campaign may be one probe per address.
        const first = this.#firstSighting(event);
        this.#clients.set(key, first);
        if (sensitive && agentClass !== 'scanner') this.campaigns.observe(firstProbe(key, first));
        return;
      }
      state = seeded ?? this.#newState(undefined, undefined);
    } else {
      this.#clients.delete(key); // re-insert: Map order is our least-recently-active list
      if (isFirstSighting(tracked)) {
        state = this.#newState(undefined, undefined);
        const first = this.#paths.matches(tracked.path) && !this.profile.isPublic(tracked.host, tracked.path);
        const request = this.#requestOf(tracked);
        this.#forgetFirstSighting(tracked);
        this.#apply(key, state, request, first, this.#agents.classify(tracked.userAgent));
      } else state = tracked;
    }
    this.#clients.set(key, state);
    this.#apply(key, state, event, sensitive, agentClass);
    if (state.flagged.size > 0) this.#changed.add(key);
    if (state.exposures.length > 0) this.#pendingExposure.add(key);
  }

  #firstSighting(event: LogEvent): FirstSighting {
    const { time, clientIp, status, bytes, raw } = event;
    const host = event.host === undefined ? undefined : this.#intern(event.host);
    // Only a sample's worth is ever read back (the evidence keeps that much of a line).
    const slab = this.#rawLines;
    const kept = raw !== undefined && slab.append(raw.length > MAX_SAMPLE_CHARS ? raw.slice(0, MAX_SAMPLE_CHARS) : raw);
    return {
      time,
      clientIp,
      path: this.#intern(event.path),
      status,
      userAgent: this.#intern(event.userAgent),
      bytes,
      host,
      rawChunk: kept ? slab.lastChunk : -1,
      rawStart: slab.lastStart,
      rawEnd: slab.lastEnd,
    };
  }

  /** A first sighting leaves the table (the client came back, or was evicted): its raw line is released. */
  #forgetFirstSighting(first: FirstSighting): void {
    if (first.rawChunk >= 0) this.#rawLines.release(first.rawChunk);
  }

  /** A first sighting as the request it was, its raw line read back. */
  #requestOf(first: FirstSighting): ObservedRequest {
    const { time, clientIp, path, status, userAgent, bytes, host, rawChunk } = first;
    const raw = rawChunk < 0 ? undefined : this.#rawLines.read(rawChunk, first.rawStart, first.rawEnd);
    return { time, clientIp, path, status, userAgent, bytes, host, raw };
  }

  #intern(text: string): string {
    if (text.length > MAX_INTERNED_LENGTH) return detachedCopy(text);
    const known = this.#interned.get(text);
    if (known !== undefined) return known;
    if (this.#interned.size >= MAX_INTERNED) this.#interned = new Map();
    const copy = detachedCopy(text);
    this.#interned.set(copy, copy);
    return copy;
  }

  /** Sensitive and not public content of its site: learn first, then judge (the request that makes a path public is itself public content). */
  #sensitive(event: LogEvent, key: string): boolean {
    if (!this.#paths.matches(event.path)) return false;
    this.profile.observe(event.host, event.path, key, event.status, event.time, event.bytes);
    return !this.profile.isPublic(event.host, event.path);
  }

  #apply(key: string, state: ClientState, event: ObservedRequest, sensitive: boolean, agentClass: string): void {
    if (!sensitive && this.#paths.matches(event.path) && state.notes.size < MAX_NOTES) {
      const fact = this.profile.publicFact(event.host, event.path);
      if (fact) state.notes.add(`not counted: ${fact.detail}`);
    }
    const scannerName = agentClass === 'scanner' ? this.#agents.scannerName(event.userAgent) : undefined;
    state.evidence.add(event, sensitive, scannerName);
    state.dirty = true;
    if (scannerName) state.scannerRequests++;
    if (sensitive) {
      if (!state.crawlerClaim) {
        state.crawlerClaim = claimedCrawler(event.userAgent)?.name;
        if (state.crawlerClaim) state.crawlerAddress = event.clientIp;
      }
      this.#recordSensitive(state, event);
    }
    this.#evaluate(state);
    if (sensitive && !scannerName) this.#feedCampaign(key, state, event.userAgent);
  }

  /** Whether this event alone crosses a threshold (then the client gets its full state at once). */
  #flagsAlone(event: LogEvent, sensitive: boolean, agentClass: string): boolean {
    const settings = this.#settings;
    if (agentClass === 'scanner' && settings.scanner_agent_min_requests <= 1 && sensitive) return true;
    if (!sensitive) return false;
    if (event.status >= 200 && event.status < 300 && event.status !== 204) return true;
    if (claimedCrawler(event.userAgent)) return true; // a crawler claim is checked at once (verified, or a spoofer)
    return (
      settings.rate_per_window < 1 ||
      settings.distinct_sensitive_paths <= 1 ||
      (settings.min_sensitive_failures <= 1 && FAILURE_STATUSES.has(event.status))
    );
  }

  /**
   * Findings for clients that crossed a threshold and changed since the last drain, then campaign findings.
   * `final` (the end of a replay) judges exposures still waiting for the site profile to warm up.
   */
  drainFindings(final = false): Finding[] {
    for (const key of this.#pendingExposure) {
      const state = this.#clients.get(key);
      if (state === undefined || isFirstSighting(state)) {
        this.#pendingExposure.delete(key);
        continue;
      }
      this.#judgeExposures(state, final);
      if (state.exposures.length === 0) this.#pendingExposure.delete(key);
      if (state.flagged.size > 0) {
        state.dirty = true;
        this.#changed.add(key);
      }
    }
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
    findings.push(...this.campaigns.findings(this.#now, this.#options.source));
    return findings;
  }

  #judgeExposures(state: ClientState, final: boolean): void {
    const judgement = judgeExposures(state.exposures, this.profile, this.#now, final, this.#settings.window * 1000);
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
   * Evicts the least recently active clients when the table is full: a twentieth at a time, because every delete
   * at the front of a Map leaves a hole that the next "oldest" lookup walks over (one at a time made it quadratic).
   */
  #makeRoom(): void {
    const max = this.#settings.max_tracked_ips;
    if (this.#clients.size < max) return;
    let toEvict = Math.max(1, Math.floor(max / 20), this.#clients.size - max + 1);
    for (const [key, tracked] of this.#clients) {
      this.#clients.delete(key);
      if (isFirstSighting(tracked)) this.#forgetFirstSighting(tracked);
      this.evicted++;
      if (--toEvict === 0) break;
    }
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
    if (event.status >= 200 && event.status < 300 && event.status !== 204 && state.exposures.length < MAX_EXPOSURES) {
      if (!state.leakedPaths.has(event.path) && !state.exposures.some((known) => known.path === event.path))
        state.exposures.push({
          host: event.host,
          path: event.path,
          status: event.status,
          bytes: event.bytes,
          time: event.time,
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

function isFirstSighting(tracked: ClientState | FirstSighting): tracked is FirstSighting {
  return (tracked as ClientState).evidence === undefined;
}

function firstProbe(key: string, event: FirstSighting): MemberProbes {
  return {
    key,
    paths: [event.path],
    failures: FAILURE_STATUSES.has(event.status) ? 1 : 0,
    requests: 1,
    agent: event.userAgent.slice(0, 300),
    firstSeen: event.time,
    lastSeen: event.time,
  };
}
