import { createHash } from 'node:crypto';
import type { Config } from '../../config/schema.ts';
import type { ElasticsearchSettings } from '../../config/sections/elasticsearch.ts';
import type { Evidence, Finding } from '../../core/incident.ts';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { type ClientSelector, peerScriptWorks } from './client-addressing.ts';
import { type ClientAggregate, ClientAggregates, evidenceOf } from './client-aggregates.ts';
import { DetectionQueries, type QueryRecord, runComposite, type TimeRange } from './detection-queries.ts';
import { type FieldProfile, fieldCapsRequest, resolveFieldProfile } from './field-profile.ts';
import { discoverLink } from './kibana-link.ts';
import { type BackendOptions, createSearchBackend, type SearchBackend } from './search-backend.ts';

/** Clients per follow-up query: one clause each, under OpenSearch's default max_clause_count (1024). */
const CLIENT_CHUNK = 500;

export interface DetectionResult {
  range: TimeRange;
  findings: Finding[];
  /** Documents in the range (what a raw-document reader would have had to read). */
  documents: number;
  /** Documents in the range that lack the client, path or status field. */
  skipped: number;
  queries: QueryRecord[];
  /** Paths the server-side filter returned that the matcher rejected (decoded to something harmless). */
  rejectedPaths: number;
  bytes: number;
  elapsedMs: number;
}

/** Evidence of a still-active incident: counting for it restarts at its first sighting, not at the window start. */
export type ActiveEvidence = (clientKey: string, threatType: Finding['threatType']) => Evidence | undefined;

/**
 * Secrets-scanning detection computed by Elasticsearch/OpenSearch: a handful of size-0 aggregation queries per time
 * range (sensitive (client, path) pairs, scanner agents among those clients, activity of those clients), whatever the
 * log volume, then the file detector's rules applied to the buckets.
 */
export class ElasticsearchDetector {
  readonly backend: SearchBackend;
  readonly profile: FieldProfile;
  readonly queries: DetectionQueries;
  readonly #settings: ElasticsearchSettings;
  readonly #config: Config;
  readonly #paths: SensitivePathMatcher;
  readonly #agents: ScannerAgentMatcher;
  readonly #resolver: ClientIpResolver;

  constructor(backend: SearchBackend, profile: FieldProfile, config: Config, peerScript = true) {
    const settings = config.elasticsearch!;
    this.backend = backend;
    this.profile = profile;
    this.#settings = settings;
    this.#config = config;
    const detection = config.detection;
    this.queries = new DetectionQueries(profile, detection, settings.page_size, settings.request_timeout, {
      trustedProxies: config.trusted_proxies.length > 0,
      peerScript,
    });
    this.#paths = new SensitivePathMatcher(detection.sensitive_paths, detection.replace_builtin_lists);
    this.#agents = new ScannerAgentMatcher(detection.scanner_user_agents, detection.replace_builtin_lists);
    this.#resolver = new ClientIpResolver(config.trusted_proxies);
  }

  /** Connects (flavor from GET /), reads `_field_caps` of the index pattern and resolves the field profile. */
  static async connect(config: Config, options: BackendOptions = {}): Promise<ElasticsearchDetector> {
    const settings = config.elasticsearch;
    if (!settings) throw new Error('elasticsearch is not configured');
    const backend = await createSearchBackend(settings, options);
    try {
      const caps = await backend.fieldCaps(settings.index_pattern, fieldCapsRequest(settings));
      const profile = resolveFieldProfile(caps, settings);
      const peerScript = await peerScriptWorks(backend, settings.index_pattern, profile);
      return new ElasticsearchDetector(backend, profile, config, peerScript);
    } catch (error) {
      await backend.close().catch(() => undefined);
      throw error;
    }
  }

  get index(): string {
    return this.#settings.index_pattern;
  }

  async detect(range: TimeRange, activeEvidence?: ActiveEvidence, signal?: AbortSignal): Promise<DetectionResult> {
    const started = performance.now();
    const records: QueryRecord[] = [];
    const { documents, skipped } = await this.countDocuments(range, records);
    const window = await this.#aggregate(range, undefined, records, signal);
    const findings: Finding[] = [];
    for (const client of window.candidates()) {
      const verdicts = window.verdicts(client);
      if (verdicts.length === 0) continue;
      // An incident that began before this window keeps counting from its first sighting.
      const since = Math.min(
        ...verdicts.map((verdict) => activeEvidence?.(client.key, verdict.threatType)?.firstSeen || range.from),
      );
      let evidenceSource = client;
      const evidenceRange = { from: Math.min(since, range.from), to: range.to };
      const evidenceRecords: QueryRecord[] = [];
      if (evidenceRange.from < range.from) {
        const longer = await this.#aggregate(evidenceRange, [...client.selectors.values()], evidenceRecords, signal);
        evidenceSource = longer.clients.get(client.key) ?? client;
        records.push(...evidenceRecords);
      }
      for (const verdict of verdicts) {
        const previous = activeEvidence?.(client.key, verdict.threatType);
        const reasons = [...new Set([...(previous?.reasons ?? []), ...verdict.reasons])];
        findings.push({
          ip: client.key,
          threatType: verdict.threatType,
          severity: verdict.severity,
          evidence: this.#evidence(evidenceSource, reasons, evidenceRange, [...records], evidenceRecords),
        });
      }
    }
    const bytes = records.reduce((sum, record) => sum + record.bytes, 0);
    return {
      range,
      findings,
      documents,
      skipped,
      queries: records,
      rejectedPaths: window.rejectedPaths,
      bytes,
      elapsedMs: performance.now() - started,
    };
  }

  /** The three aggregation steps over one range (optionally restricted to some client IPs). */
  async #aggregate(
    range: TimeRange,
    ips: ClientSelector[] | undefined,
    records: QueryRecord[],
    signal?: AbortSignal,
  ): Promise<ClientAggregates> {
    const aggregates = new ClientAggregates(this.#config.detection, this.#paths, this.#agents, this.#resolver, (key) =>
      this.queries.addressing.addressOf(key),
    );
    const index = this.index;
    for (const chunk of ips ? chunks(ips, CLIENT_CHUNK) : [undefined]) {
      const body = this.queries.sensitivePairs(range, chunk);
      records.push(
        await runComposite(
          this.backend,
          index,
          'sensitive_paths_by_client',
          body,
          (b) => aggregates.addSensitivePair(b),
          signal,
        ),
      );
    }
    const candidates = aggregates.candidates();
    for (const chunk of chunks(candidates, CLIENT_CHUNK)) {
      const chunkIps = chunk.flatMap((client) => [...client.selectors.values()]);
      const rawPaths = [...new Set(chunk.flatMap((client) => [...client.sensitiveRawPaths]))];
      const scanners = this.queries.scannerPairs(range, chunkIps);
      if (scanners)
        records.push(
          await runComposite(
            this.backend,
            index,
            'user_agents_by_client',
            scanners,
            (b) => aggregates.addScannerPair(b),
            signal,
          ),
        );
      const activity = this.queries.clientActivity(range, chunkIps, rawPaths);
      records.push(
        await runComposite(
          this.backend,
          index,
          'activity_by_client',
          activity,
          (b) => aggregates.addActivity(b),
          signal,
        ),
      );
    }
    return aggregates;
  }

  /** Documents in the range, and those lacking the client, path or status field (counted, then skipped). */
  async countDocuments(range: TimeRange, records: QueryRecord[] = []): Promise<{ documents: number; skipped: number }> {
    const { fields } = this.profile;
    const timeFilter = this.queries.timeFilter(range);
    const all = { bool: { filter: [timeFilter] } };
    const incomplete = {
      bool: {
        filter: [timeFilter],
        should: [fields.client_ip, fields.path, fields.status].map((field) => ({
          bool: { must_not: { exists: { field } } },
        })),
        minimum_should_match: 1,
      },
    };
    const total = await this.backend.count(this.index, all);
    const missing = await this.backend.count(this.index, incomplete);
    for (const [name, query, result] of [
      ['documents_in_range', all, total],
      ['documents_missing_fields', incomplete, missing],
    ] as const) {
      records.push({
        name,
        body: { query },
        pages: 1,
        hits: result.body.count,
        buckets: 0,
        bytes: result.bytes,
        elapsedMs: result.elapsedMs,
      });
    }
    return { documents: total.body.count, skipped: missing.body.count };
  }

  #evidence(
    client: ClientAggregate,
    reasons: string[],
    range: TimeRange,
    records: QueryRecord[],
    evidenceRecords: QueryRecord[],
  ): Evidence {
    const settings = this.#settings;
    const counts = evidenceOf(client, reasons, {});
    const { extra: _extra, ...comparable } = counts;
    const resultHash = createHash('sha256').update(JSON.stringify(comparable)).digest('hex');
    const kibanaUrl = settings.kibana_url
      ? discoverLink({
          kibanaUrl: settings.kibana_url,
          dataView: settings.kibana_data_view ?? settings.index_pattern,
          field: this.profile.fields.client_ip,
          ips: [...client.ips],
          from: range.from,
          to: range.to,
        })
      : undefined;
    return {
      ...counts,
      extra: {
        index: settings.index_pattern,
        profile: this.profile.name,
        fields: this.profile.fields,
        range: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() },
        clientIps: [...client.ips].slice(0, 50),
        clientSelectors: [...client.selectors.values()].slice(0, 50),
        queries: records.map(({ name, body, pages, buckets, hits }) => ({ name, body, pages, buckets, hits })),
        hitCounts: records.reduce<Record<string, number>>((counts, record) => {
          counts[record.name] = (counts[record.name] ?? 0) + record.hits;
          return counts;
        }, {}),
        evidenceQueries: evidenceRecords.length,
        resultHash,
        ...(kibanaUrl ? { kibanaUrl } : {}),
      },
    };
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}
