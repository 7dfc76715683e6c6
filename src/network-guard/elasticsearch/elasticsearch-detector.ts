import { createHash } from 'node:crypto';
import type { Config } from '../../config/schema.ts';
import type { ElasticsearchSettings } from '../../config/sections/elasticsearch.ts';
import { IntegrationError } from '../../core/errors.ts';
import type { Evidence, Finding } from '../../core/incident.ts';
import { CampaignTracker } from '../detection/campaign-tracker.ts';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { ReturningClients } from '../detection/returning-probes.ts';
import { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import { SiteProfile } from '../detection/site-profile.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { admittedFields, explainAdmitted } from './admitted-fields.ts';
import { type ClientSelector, peerScriptWorks } from './client-addressing.ts';
import { type ClientAggregate, ClientAggregates, evidenceOf, memberOf } from './client-aggregates.ts';
import { type ClientSearch, enrichClients } from './client-enrichment.ts';
import { clientPartitions } from './client-partitions.ts';
import { DetectionQueries, type QueryRecord, runComposite, type TimeRange } from './detection-queries.ts';
import { type DocumentFilter, filteredBackend, mixedSourcesWarning, resolveDocumentFilter } from './document-filter.ts';
import { connectProfile, type FieldProfile, fieldCapsRequest, unqueryablePath } from './field-profile.ts';
import { discoverLink } from './kibana-link.ts';
import { compactBody, keepBounded, mergedRecord } from './query-records.ts';
import { type BackendOptions, createSearchBackend, type SearchBackend, type SearchBody } from './search-backend.ts';
import { learnSiteFacts, type SensitivePathFacts } from './site-facts.ts';

const CLIENT_CHUNK = 1000;

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
  /** `elasticsearch.document_filter` as queried; `backend` already applies it to every query. */
  readonly documentFilter: DocumentFilter | undefined;
  readonly #settings: ElasticsearchSettings;
  readonly #config: Config;
  readonly #paths: SensitivePathMatcher;
  readonly #agents: ScannerAgentMatcher;
  readonly #resolver: ClientIpResolver;
  /** Clients' visits with refused sensitive probes, across the ranges this detector reads (a returning scanner spans many). */
  readonly #returning: ReturningClients;

  constructor(
    backend: SearchBackend,
    profile: FieldProfile,
    config: Config,
    peerScript = true,
    documentFilter?: DocumentFilter,
  ) {
    const settings = config.elasticsearch!;
    this.backend = backend;
    this.documentFilter = documentFilter;
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
    this.#returning = new ReturningClients(detection, detection.max_tracked_ips);
  }

  /** Connects (flavor from GET /), reads `_field_caps` of the index pattern and resolves the field profile. */
  static async connect(config: Config, options: BackendOptions = {}): Promise<ElasticsearchDetector> {
    const settings = config.elasticsearch;
    if (!settings) throw new Error('elasticsearch is not configured');
    const cluster = await createSearchBackend(settings, options);
    let backend = cluster;
    try {
      const caps = await cluster.fieldCaps(settings.index_pattern, fieldCapsRequest(settings));
      // Every query from here on, the connect-time counts included, reads only the filtered documents.
      const filter = settings.document_filter
        ? resolveDocumentFilter(settings.document_filter, caps, settings.index_pattern)
        : undefined;
      if (filter) backend = filteredBackend(cluster, filter.clause);
      // The profile is chosen from the fields the admitted documents have, not other sources' (one request).
      const admitted = filter ? await admittedFields(backend, settings.index_pattern, caps) : undefined;
      const profile = await connectProfile(backend, admitted?.caps ?? caps, settings);
      if (filter && admitted) {
        profile.warnings.push(...filter.warnings);
        explainAdmitted(profile, admitted, caps, settings);
      } else {
        const mixed = await mixedSourcesWarning(backend, settings.index_pattern, caps);
        if (mixed) profile.warnings.push(mixed);
      }
      const unqueryable = unqueryablePath(profile, backend.info.flavor);
      if (unqueryable) throw new IntegrationError('elasticsearch', unqueryable, { isRetryable: false });
      const peerScript = await peerScriptWorks(backend, settings.index_pattern, profile);
      return new ElasticsearchDetector(backend, profile, config, peerScript, filter);
    } catch (error) {
      await cluster.close().catch(() => undefined);
      throw error;
    }
  }

  get index(): string {
    return this.#settings.index_pattern;
  }

  /**
   * One range: the site's facts first (public paths, fallback sizes, into the shared profile), then the sensitive
   * pairs page by page. Clients are judged in chunks of CLIENT_CHUNK as their pairs arrive (the composite is sorted by
   * client), so thousands of suspicious clients never sit in memory at once; clients under every threshold feed the
   * campaign tracker, whose network-level findings come last.
   */
  async detect(range: TimeRange, activeEvidence?: ActiveEvidence, signal?: AbortSignal): Promise<DetectionResult> {
    const started = performance.now();
    const records: QueryRecord[] = [];
    const { documents, skipped } = await this.countDocuments(range, records);
    const site = await this.#learnSite(range, records, signal);
    // Evidence cites the window's own queries (counts, site facts, pairs) too, known only once paging is done.
    const deferred: Array<(windowRecords: QueryRecord[]) => Finding[]> = [];
    const campaigns = new CampaignTracker(this.#config.detection.campaigns, this.#config.detection);
    const pending = this.#aggregates();
    const chunkQueries: QueryRecord[] = [];
    let rejectedPaths = site.rejected;
    const judge = async (aggregates: ClientAggregates) => {
      rejectedPaths += aggregates.rejectedPaths;
      const chunkRecords: QueryRecord[] = [];
      await enrichClients(this.#search(), aggregates, range, chunkRecords, signal, { judging: true });
      keepBounded(chunkQueries, chunkRecords);
      for (const client of aggregates.candidates()) {
        const found = await this.#judgeClient(client, aggregates, range, activeEvidence, chunkRecords, signal);
        if (found) deferred.push(found);
        else if (!client.crawlerClaim && client.scannerAgents.size === 0) campaigns.observe(memberOf(client));
      }
    };
    const pairs = this.queries.sensitivePairs(range, undefined, site.exclude, site.rawPaths);
    // No confirmed sensitive path in the window: no client to judge, and no pairs query.
    if (site.rawPaths?.length !== 0) {
      const slices = await clientPartitions(
        this.backend,
        this.index,
        this.queries.addressing,
        this.#peerType(),
        pairs.query,
        site.documents,
        records,
        signal,
      );
      const sliceRecords: QueryRecord[] = [];
      for (const slice of slices)
        sliceRecords.push(
          await this.#composite(
            'sensitive_paths_by_client',
            withFilter(pairs, slice),
            (bucket) => pending.addSensitivePair(bucket),
            signal,
            async () => {
              // A page holds more clients than a chunk: they are judged CLIENT_CHUNK at a time. The last client may
              // continue on the next page (or slice): it stays pending.
              while (pending.clients.size > CLIENT_CHUNK) await judge(pending.take(CLIENT_CHUNK));
            },
          ),
        );
      records.push(mergedRecord(sliceRecords, pairs));
    }
    await judge(pending);
    const windowRecords = [...records];
    records.push(...chunkQueries);
    const findings = deferred.flatMap((finish) => finish(windowRecords));
    findings.push(...campaigns.findings(range.to, 'elasticsearch'));
    const bytes = records.reduce((sum, record) => sum + record.bytes, 0);
    return {
      range,
      findings,
      documents,
      skipped,
      queries: records,
      rejectedPaths,
      bytes,
      elapsedMs: performance.now() - started,
    };
  }

  /** The site profile the verdicts judge by; the guard's own, so file and Elasticsearch share what they learned. */
  siteProfile: SiteProfile | undefined;

  /** The mapping type of the field the composite groups clients by ('ip/keyword' when indices differ). */
  #peerType(): string | undefined {
    const { fields, types } = this.profile;
    return this.queries.addressing.peerField === fields.peer ? types.peer : types.client_ip;
  }

  #search(): ClientSearch {
    const { backend, index, queries, profile } = this;
    return { backend, index, queries, profile, peerType: this.#peerType() };
  }

  #aggregates(): ClientAggregates {
    const detection = this.#config.detection;
    this.siteProfile ??= new SiteProfile(detection.site_profile, detection.public_paths, detection.always_sensitive);
    return new ClientAggregates(
      detection,
      this.#paths,
      this.#agents,
      this.#resolver,
      (key) => this.queries.addressing.addressOf(key),
      this.siteProfile,
      this.#returning,
    );
  }

  /** The range's sensitive paths, their site facts into the profile (see learnSiteFacts). */
  async #learnSite(range: TimeRange, records: QueryRecord[], signal?: AbortSignal): Promise<SensitivePathFacts> {
    const site = { backend: this.backend, index: this.index, queries: this.queries, paths: this.#paths };
    return learnSiteFacts(site, this.#aggregates().profile, range, records, signal);
  }

  #composite(
    name: string,
    body: SearchBody,
    onBucket: (bucket: SearchBody) => void,
    signal?: AbortSignal,
    afterPage?: () => Promise<void>,
  ): Promise<QueryRecord> {
    return runComposite(this.backend, this.index, name, body, onBucket, signal, afterPage);
  }

  async #judgeClient(
    client: ClientAggregate,
    aggregates: ClientAggregates,
    range: TimeRange,
    activeEvidence: ActiveEvidence | undefined,
    chunkRecords: QueryRecord[],
    signal?: AbortSignal,
  ): Promise<((windowRecords: QueryRecord[]) => Finding[]) | undefined> {
    const verdicts = aggregates.verdicts(client);
    if (verdicts.length === 0) return undefined;
    // An incident that began before this range keeps counting from its first sighting.
    const since = Math.min(
      ...verdicts.map((verdict) => activeEvidence?.(client.key, verdict.threatType)?.firstSeen || range.from),
    );
    let evidenceSource = client;
    const evidenceRange = { from: Math.min(since, range.from), to: range.to };
    const evidenceRecords: QueryRecord[] = [];
    if (evidenceRange.from < range.from) {
      const longer = await this.#aggregate(evidenceRange, [...client.selectors.values()], evidenceRecords, signal);
      evidenceSource = longer.clients.get(client.key) ?? client;
      for (const note of client.notes) evidenceSource.notes.add(note);
    }
    return (windowRecords) =>
      verdicts.map((verdict) => {
        const previous = activeEvidence?.(client.key, verdict.threatType);
        const reasons = [...new Set([...(previous?.reasons ?? []), ...verdict.reasons])];
        const cited = [...new Set([...windowRecords, ...chunkRecords, ...evidenceRecords])];
        const evidence = this.#evidence(evidenceSource, reasons, evidenceRange, cited, evidenceRecords);
        const extra: Record<string, unknown> = { ...evidence.extra };
        if (verdict.leakedPaths) extra.leakedPaths = verdict.leakedPaths;
        if (client.crawlerClaim)
          Object.assign(extra, { crawlerClaim: client.crawlerClaim, crawlerAddress: client.crawlerAddress });
        return {
          ip: client.key,
          threatType: verdict.threatType,
          severity: verdict.severity,
          evidence: { ...evidence, extra },
        };
      });
  }

  /** The three aggregation steps over one range, restricted to some client IPs (evidence of a longer incident). */
  async #aggregate(
    range: TimeRange,
    ips: ClientSelector[],
    records: QueryRecord[],
    signal?: AbortSignal,
  ): Promise<ClientAggregates> {
    const aggregates = this.#aggregates();
    const runs: QueryRecord[] = [];
    for (const group of this.queries.addressing.groups(ips))
      runs.push(
        await this.#composite(
          'sensitive_paths_by_client',
          this.queries.sensitivePairs(range, group),
          (b) => aggregates.addSensitivePair(b),
          signal,
        ),
      );
    if (runs.length > 0) records.push(mergedRecord(runs));
    await enrichClients(this.#search(), aggregates, range, records, signal, { judging: false });
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
        should: [this.queries.addressing.peerField, fields.path, fields.status].map((field) => ({
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
          documentFilter: this.documentFilter?.filters,
        })
      : undefined;
    return {
      ...counts,
      extra: {
        index: settings.index_pattern,
        profile: this.profile.name,
        fields: this.profile.fields,
        ...(this.documentFilter ? { documentFilter: this.documentFilter.filters } : {}),
        range: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() },
        clientIps: [...client.ips].slice(0, 50),
        clientSelectors: [...client.selectors.values()].slice(0, 50),
        queries: records.map(({ name, body, pages, buckets, hits }) => ({
          name,
          body: compactBody(body),
          pages,
          buckets,
          hits,
        })),
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

/** `body` with one more filter clause (a slice of the peers), or itself. */
function withFilter(body: SearchBody, clause: SearchBody | undefined): SearchBody {
  if (!clause) return body;
  return {
    ...body,
    query: { ...body.query, bool: { ...body.query.bool, filter: [...body.query.bool.filter, clause] } },
  };
}
