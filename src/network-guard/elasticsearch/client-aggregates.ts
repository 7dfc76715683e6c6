import type { Evidence, Severity, ThreatType } from '../../core/incident.ts';
import { ipv6Slash64 } from '../../core/ip-address.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import type { MemberProbes } from '../detection/campaign-tracker.ts';
import { claimedCrawler } from '../detection/crawler-claims.ts';
import type { ExposureCandidate } from '../detection/exposure-judge.ts';
import type { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { countsAsRevisit, namesAFile, type ReturningClients } from '../detection/returning-probes.ts';
import type { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import type { SecretsScanningSettings } from '../detection/secrets-scanning-detector.ts';
import { SiteProfile } from '../detection/site-profile.ts';
import { type ClientAddressFields, ClientIpResolver } from '../traefik-log/client-ip.ts';
import type { ClientSelector } from './client-addressing.ts';
import { clientVerdicts } from './client-verdicts.ts';
import { BURST_STEPS } from './detection-queries.ts';
import type { SearchBody } from './search-backend.ts';
import { targetLengths } from './site-facts.ts';

const MAX_PATHS = 25;
const MAX_AGENTS = 8;
const MAX_SAMPLES = 5;
const MAX_SAMPLE_CHARS = 1500;
const MAX_MINUTES = 120;

/** What the aggregations say about one client (an IP, or an IPv6 /64) over one time range. */
export class ClientAggregate {
  readonly key: string;
  readonly ips = new Set<string>();
  /** The documents that are this client's, for the follow-up queries (by JSON of the selector). */
  readonly selectors = new Map<string, ClientSelector>();
  /** Normalised sensitive path -> count. */
  readonly sensitivePaths = new Map<string, number>();
  /** The raw path values (as indexed) that the matcher confirmed. */
  readonly sensitiveRawPaths = new Set<string>();
  sensitiveHits = 0;
  sensitiveFailures = 0;
  /** Requests that climbed above the web root to a sensitive file (`SensitivePathMatcher.traversesToSensitive`). */
  traversals = 0;
  readonly exposedPaths = new Set<string>();
  scannerRequests = 0;
  readonly scannerAgents = new Set<string>();
  requests = 0;
  firstSeen = Number.POSITIVE_INFINITY;
  lastSeen = 0;
  readonly statuses = new Map<string, number>();
  readonly agents = new Map<string, number>();
  readonly perMinute = new Map<number, number>();
  /** Sensitive requests per burst step (epoch ms of the bucket start). */
  readonly burstBuckets = new Map<number, number>();
  readonly samples: string[] = [];
  /** 2xx answers on sensitive paths (host, path, the most common size), judged with the site profile. */
  readonly exposures: ExposureCandidate[] = [];
  /** Site facts that suppressed something, for the evidence. */
  readonly notes = new Set<string>();
  crawlerClaim: string | undefined;
  crawlerAddress: string | undefined;
  /**
   * Every request of the client, by address and user agent, from the user-agent pairs (in their order): all a client
   * under every threshold needs (as a campaign member) without the activity query, which a flood of one-probe clients
   * would run for each chunk. An agent is null for requests logged without one.
   */
  readonly byAgent = {
    first: Number.POSITIVE_INFINITY,
    last: 0,
    pairs: [] as Array<{ address: string; agent: string | null; count: number }>,
  };

  constructor(key: string) {
    this.key = key;
  }
}

export interface Verdict {
  threatType: ThreatType;
  severity: Severity;
  reasons: string[];
  /** secret_exposure: the paths judged leaked. */
  leakedPaths?: string[];
}

/**
 * Folds aggregation buckets into per-client aggregates and applies the file detector's rules to them: the same
 * thresholds (`detection.*`), the same path matcher on the normalised path, the same scanner list, the same /64
 * grouping, the same severities.
 */
export class ClientAggregates {
  readonly clients = new Map<string, ClientAggregate>();
  /** Paths the server-side filter let through that the matcher rejects (encoded candidates that decode to nothing). */
  rejectedPaths = 0;
  readonly #settings: SecretsScanningSettings;
  readonly #paths: SensitivePathMatcher;
  readonly #agents: ScannerAgentMatcher;

  readonly #resolver: ClientIpResolver;
  readonly #addressOf: (key: SearchBody) => ClientAddressFields;
  readonly profile: SiteProfile;
  /** The visits (refused sensitive probes) of clients seen in earlier ranges, for the returning-scanner rule. */
  readonly #returning: ReturningClients | undefined;
  /** Bucket client values that name nobody (garbage, or only trusted proxies): skipped, counted. */
  unattributed = 0;

  constructor(
    settings: SecretsScanningSettings,
    paths: SensitivePathMatcher,
    agents: ScannerAgentMatcher,
    resolver: ClientIpResolver = new ClientIpResolver(),
    addressOf: (key: SearchBody) => ClientAddressFields = (key) => ({ clientHost: String(key.client) }),
    profile?: SiteProfile,
    returning?: ReturningClients,
  ) {
    this.#returning = returning;
    this.#addressOf = addressOf;
    this.#settings = settings;
    this.#paths = paths;
    this.#agents = agents;
    this.#resolver = resolver;
    this.profile = profile ?? new SiteProfile(settings.site_profile, settings.public_paths, settings.always_sensitive);
  }

  get settings(): SecretsScanningSettings {
    return this.#settings;
  }

  clientKey(ip: string): string {
    return this.#settings.group_ipv6_by_64 ? ipv6Slash64(ip) : ip;
  }

  /**
   * Traefik's JSON `ClientHost` is the raw X-Forwarded-For when the header came through: a list whose right end the
   * nearest proxy wrote. It is read as the file source reads it (trusted proxies skipped from the right, never named);
   * `ips` keeps the value as indexed, for the follow-up queries that filter on it.
   */
  #client(bucketKey: SearchBody): ClientAggregate | undefined {
    const resolved = this.#resolver.resolve(this.#addressOf(bucketKey));
    if (!resolved.ok) {
      this.unattributed++;
      return undefined;
    }
    const ip = String(bucketKey.client);
    // Behind a trusted proxy only the documents with this forwarded value are this client's.
    const viaProxy = 'forwarded' in bucketKey && resolved.clientIp !== resolved.peerIp;
    const selector: ClientSelector = viaProxy ? { peer: ip, forwarded: bucketKey.forwarded ?? null } : { peer: ip };
    const key = this.clientKey(resolved.clientIp);
    let client = this.clients.get(key);
    if (!client) {
      client = new ClientAggregate(key);
      this.clients.set(key, client);
    }
    client.ips.add(ip);
    client.selectors.set(JSON.stringify(selector), selector);
    return client;
  }

  /** A `sensitivePairs` bucket: key {client, host?, path}; a public path of its host counts for nothing. */
  addSensitivePair(bucket: SearchBody): void {
    const rawPath = String(bucket.key.path ?? '');
    const path = normalizePath(rawPath);
    if (!this.#paths.matches(path)) {
      this.rejectedPaths++;
      return;
    }
    const client = this.#client(bucket.key);
    if (!client) return;
    const host = bucket.key.host == null ? undefined : String(bucket.key.host);
    const fact = this.profile.publicFact(host, path);
    if (fact) {
      if (client.notes.size < 12) client.notes.add(`not counted: ${fact.detail}`);
      return;
    }
    const count = Number(bucket.doc_count);
    client.sensitiveHits += count;
    client.sensitiveRawPaths.add(rawPath);
    client.sensitivePaths.set(path, (client.sensitivePaths.get(path) ?? 0) + count);
    const failures = Number(bucket.failures?.doc_count ?? 0);
    client.sensitiveFailures += failures;
    const lastFailure = bucket.failures?.last?.value;
    if (failures > 0 && lastFailure != null && countsAsRevisit(path))
      this.#returning?.add(client.key, Number(lastFailure));
    if (this.#paths.traversesToSensitive(path)) client.traversals += count;
    const ok = bucket.ok;
    const size = ok?.sizes?.buckets?.[0]?.key;
    // The site's fallback page (a single-page app's index) on a file's name is a refusal too, as in the file path.
    if (
      ok?.last?.value != null &&
      size !== undefined &&
      namesAFile(path) &&
      countsAsRevisit(path) &&
      this.profile.isFallbackSize(host, Number(size))
    )
      this.#returning?.add(client.key, Number(ok.last.value));
    if (ok && Number(ok.doc_count) > 0 && client.exposures.length < 20) {
      if (!client.exposures.some((known) => known.path === path && known.host === host)) {
        client.exposures.push({
          host,
          path,
          status: 200,
          bytes: size === undefined ? undefined : Number(size),
          time: Number(ok.last?.value ?? 0),
          ...targetLengths(rawPath),
        });
      }
    }
  }

  /** A `scannerPairs` bucket: key {client, agent}, the agent null for requests without one. */
  addScannerPair(bucket: SearchBody): void {
    const seen = this.#client(bucket.key);
    if (seen) {
      const { byAgent } = seen;
      const { agent, ...address } = bucket.key;
      byAgent.pairs.push({ address: JSON.stringify(address), agent: agent ?? null, count: Number(bucket.doc_count) });
      if (bucket.first?.value != null) byAgent.first = Math.min(byAgent.first, Number(bucket.first.value));
      if (bucket.last?.value != null) byAgent.last = Math.max(byAgent.last, Number(bucket.last.value));
    }
    const crawler = claimedCrawler(String(bucket.key.agent ?? ''));
    if (crawler) {
      const claimant = this.#client(bucket.key);
      const resolved = this.#resolver.resolve(this.#addressOf(bucket.key));
      if (claimant && !claimant.crawlerClaim && resolved.ok) {
        claimant.crawlerClaim = crawler.name;
        claimant.crawlerAddress = resolved.clientIp;
      }
    }
    const name = this.#agents.scannerName(String(bucket.key.agent ?? ''));
    if (!name || this.#agents.classify(String(bucket.key.agent)) !== 'scanner') return;
    const client = this.#client(bucket.key);
    if (!client) return;
    client.scannerRequests += Number(bucket.doc_count);
    if (client.scannerAgents.size < MAX_AGENTS) client.scannerAgents.add(name);
  }

  /** A `clientActivity` bucket: key {client}. */
  addActivity(bucket: SearchBody): void {
    const client = this.#client(bucket.key);
    if (!client) return;
    client.requests += Number(bucket.doc_count);
    if (bucket.first?.value != null) client.firstSeen = Math.min(client.firstSeen, Number(bucket.first.value));
    if (bucket.last?.value != null) client.lastSeen = Math.max(client.lastSeen, Number(bucket.last.value));
    for (const status of bucket.statuses?.buckets ?? []) add(client.statuses, String(status.key), status.doc_count);
    for (const agent of bucket.agents?.buckets ?? [])
      add(client.agents, String(agent.key).slice(0, 300) || '(none)', agent.doc_count);
    for (const minute of bucket.minutes?.buckets ?? [])
      add(client.perMinute, Math.floor(Number(minute.key) / 60000), minute.doc_count);
    for (const step of bucket.sensitive?.burst?.buckets ?? [])
      add(client.burstBuckets, Number(step.key), step.doc_count);
    for (const hit of bucket.sensitive?.samples?.hits?.hits ?? []) {
      if (client.samples.length < MAX_SAMPLES)
        client.samples.push(JSON.stringify(hit._source ?? {}).slice(0, MAX_SAMPLE_CHARS));
    }
  }

  /** The first `count` clients (in the order their pairs came) as aggregates of their own; the rest stay here. */
  take(count: number): ClientAggregates {
    const taken = new ClientAggregates(
      this.#settings,
      this.#paths,
      this.#agents,
      this.#resolver,
      this.#addressOf,
      this.profile,
      this.#returning,
    );
    for (const [key, client] of this.clients) {
      if (taken.clients.size === count) break;
      taken.clients.set(key, client);
      this.clients.delete(key);
    }
    return taken;
  }

  /**
   * Whether a rule could flag the client once its activity is known. Only the burst rule reads the activity (its fine
   * histogram); every other rule, and the severity's absence, is decided by the sensitive and user-agent pairs.
   */
  mayBeFlagged(client: ClientAggregate): boolean {
    return client.sensitiveHits > this.#settings.rate_per_window || this.verdicts(client).length > 0;
  }

  /**
   * A client no rule flags, summed up from its user-agent pairs as addActivity sums its activity buckets: the same
   * requests, first and last time, and the same agents in the same order. An activity bucket (one address) lists its
   * top MAX_AGENTS agents by count, ties by agent, as the terms aggregation orders them; the buckets come in address
   * order, which the pairs share.
   */
  settleFromAgentPairs(client: ClientAggregate): void {
    const { byAgent } = client;
    client.requests = byAgent.pairs.reduce((sum, pair) => sum + pair.count, 0);
    client.firstSeen = byAgent.first;
    client.lastSeen = byAgent.last;
    client.agents.clear();
    let address: string | undefined;
    let bucket: Array<[string, number]> = [];
    const fold = () => {
      bucket.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (const [agent, count] of bucket.slice(0, MAX_AGENTS))
        add(client.agents, agent.slice(0, 300) || '(none)', count);
      bucket = [];
    };
    for (const pair of byAgent.pairs) {
      if (pair.address !== address) {
        fold();
        address = pair.address;
      }
      if (pair.agent !== null) bucket.push([String(pair.agent), pair.count]);
    }
    fold();
  }

  /** Clients with at least one verified sensitive hit: the only ones whose activity is worth a query. */
  candidates(): ClientAggregate[] {
    return [...this.clients.values()].filter((client) => client.sensitiveHits > 0);
  }

  /** The file detector's rules over this range's aggregates; empty when nothing crossed a threshold. */
  verdicts(client: ClientAggregate): Verdict[] {
    return clientVerdicts(client, this.#settings, this.profile, this.#returning?.verdict(client.key));
  }
}

/** A client under every threshold, as the campaign tracker sees it (the file detector feeds the same summary). */
export function memberOf(client: ClientAggregate): MemberProbes {
  const agent = top(client.agents, 1)[0]?.[0] ?? '';
  return {
    key: client.key,
    paths: [...client.sensitivePaths.keys()].slice(0, 50),
    failures: client.sensitiveFailures,
    requests: client.requests,
    agent,
    firstSeen: Number.isFinite(client.firstSeen) ? client.firstSeen : 0,
    lastSeen: client.lastSeen,
  };
}

/** Evidence in the same shape as the file detector's, from one client's aggregates. */
export function evidenceOf(client: ClientAggregate, reasons: string[], extra: Record<string, unknown>): Evidence {
  const minutes = [...client.perMinute].sort((a, b) => a[0] - b[0]).slice(-MAX_MINUTES);
  return {
    requests: client.requests,
    sensitiveHits: client.sensitiveHits,
    firstSeen: Number.isFinite(client.firstSeen) ? client.firstSeen : 0,
    lastSeen: client.lastSeen,
    statuses: Object.fromEntries(client.statuses),
    topPaths: top(client.sensitivePaths, MAX_PATHS).map(([path, count]) => ({ path: path.slice(0, 300), count })),
    userAgents: top(client.agents, MAX_AGENTS).map(([userAgent, count]) => ({ userAgent, count })),
    scannerAgents: [...client.scannerAgents],
    distinctSensitivePaths: client.sensitivePaths.size,
    peakPerMinute: Math.max(0, ...client.perMinute.values()),
    perMinute: Object.fromEntries(minutes.map(([minute, count]) => [String(minute), count])),
    samples: [...client.samples],
    reasons,
    ...(client.notes.size > 0 ? { explanations: [...client.notes] } : {}),
    source: 'elasticsearch',
    extra,
  };
}

/** Largest number of sensitive requests in any BURST_STEPS consecutive steps (a window of exactly `window`). */
export function peakBurst(client: ClientAggregate, windowSeconds: number): number {
  const step = Math.max(1, Math.floor(windowSeconds / BURST_STEPS)) * 1000;
  const span = step * BURST_STEPS;
  const entries = [...client.burstBuckets].sort((a, b) => a[0] - b[0]);
  let peak = 0;
  let sum = 0;
  let start = 0;
  for (const [time, count] of entries) {
    sum += count;
    while (entries[start][0] <= time - span) sum -= entries[start++][1];
    peak = Math.max(peak, sum);
  }
  return peak;
}

function add<K>(map: Map<K, number>, key: K, count: unknown): void {
  map.set(key, (map.get(key) ?? 0) + Number(count));
}

function top<K>(map: Map<K, number>, limit: number): Array<[K, number]> {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, limit);
}
