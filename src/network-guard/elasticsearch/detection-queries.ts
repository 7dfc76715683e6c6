import { limitHeapGrowthWhenLarge } from '../../core/heap-growth.ts';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { FAILURE_STATUSES, type SecretsScanningSettings } from '../detection/secrets-scanning-detector.ts';
import { type AddressingOptions, ClientAddressing, type ClientSelector } from './client-addressing.ts';
import type { FieldProfile } from './field-profile.ts';
import type { SearchBackend, SearchBody } from './search-backend.ts';
import { sensitivePathQuery } from './server-side-match.ts';

/** One query as run, kept in evidence: its name, body, how many hits it matched, what it cost. */
export interface QueryRecord {
  name: string;
  body: SearchBody;
  pages: number;
  hits: number;
  buckets: number;
  bytes: number;
  elapsedMs: number;
}

export interface TimeRange {
  /** Epoch milliseconds, inclusive. */
  from: number;
  /** Epoch milliseconds, exclusive. */
  to: number;
}

/** Builds the size-0 aggregation queries of a detection cycle for one field profile and one set of thresholds. */
export class DetectionQueries {
  readonly profile: FieldProfile;
  readonly sensitiveFilter: SearchBody;
  /** Which fields name the client (peer, and forwarded behind trusted proxies). */
  readonly addressing: ClientAddressing;
  readonly #settings: SecretsScanningSettings;
  readonly #pageSize: number;
  readonly #timeout: string;

  constructor(
    profile: FieldProfile,
    settings: SecretsScanningSettings,
    pageSize: number,
    timeoutSeconds: number,
    addressing: AddressingOptions = {},
  ) {
    this.profile = profile;
    this.addressing = new ClientAddressing(profile, addressing);
    this.#settings = settings;
    this.#pageSize = pageSize;
    this.#timeout = `${Math.max(1, Math.floor(timeoutSeconds))}s`;
    // The matcher's own lists, so the server-side superset always covers what the matcher would accept.
    const matcher = new SensitivePathMatcher(settings.sensitive_paths, settings.replace_builtin_lists);
    this.sensitiveFilter = sensitivePathQuery(profile.fields.path, matcher.suffixes, matcher.anywhereNeedles);
  }

  timeFilter(range: TimeRange): SearchBody {
    return {
      range: { [this.profile.fields.time]: { gte: range.from, lt: range.to, format: 'epoch_millis' } },
    };
  }

  /**
   * Per (client, host, raw path) on sensitive paths: the 401/403/404 failures, and the last time and response size of
   * the 2xx answers (a leak needs content that is not the site's fallback page). `exclude` drops the public paths of
   * each host on the server, so a single-page app's `/config.js` fetched by every visitor never comes back as pairs.
   * `rawPaths`: the window's confirmed sensitive raw paths (from `sensitivePaths`), matched as exact terms instead of
   * the regular expressions, which Lucene would compile again for every page.
   */
  sensitivePairs(
    range: TimeRange,
    clients?: readonly ClientSelector[],
    exclude: readonly SearchBody[] = [],
    rawPaths?: readonly string[],
  ): SearchBody {
    const { fields } = this.profile;
    const paths = rawPaths ? { terms: { [fields.path]: rawPaths } } : this.sensitiveFilter;
    return {
      size: 0,
      timeout: this.#timeout,
      track_total_hits: true,
      query: {
        bool: {
          filter: [this.timeFilter(range), paths, ...this.#clientFilter(clients)],
          ...(exclude.length > 0 ? { must_not: exclude } : {}),
        },
      },
      aggs: {
        pairs: {
          composite: {
            size: this.#pageSize,
            sources: [
              ...this.addressing.sources(),
              ...(fields.host ? [{ host: { terms: { field: fields.host, missing_bucket: true } } }] : []),
              { path: { terms: { field: fields.path } } },
            ],
          },
          // Only what the rules read, each as cheap as it can be (a page's sub-aggregations are most of its cost:
          // 94 ms `took` for 2,000 buckets with a status terms and first/last, against 8 ms without any).
          aggs: {
            failures: {
              filter: { terms: { [fields.status]: [...FAILURE_STATUSES] } },
              aggs: { last: { max: { field: fields.time } } }, // the hour it was refused in (returning scanners)
            },
            ok: {
              filter: this.#okFilter(),
              aggs: {
                last: { max: { field: fields.time } },
                ...(fields.size ? { sizes: { terms: { field: fields.size, size: 1 } } } : {}),
              },
            },
          },
        },
      },
    };
  }

  /**
   * Every sensitive-looking (host, raw path) of the range, and what the site serves there (2xx/3xx, the `served`
   * sub-aggregation): distinct clients (public content when many) and the sizes of the 2xx answers (one size for
   * several paths is the SPA fallback page). The only query of a window that runs the regular expressions: the pairs
   * then ask for the raw paths it returned.
   */
  sensitivePaths(range: TimeRange): SearchBody {
    const { fields } = this.profile;
    return {
      size: 0,
      timeout: this.#timeout,
      track_total_hits: true,
      query: { bool: { filter: [this.timeFilter(range), this.sensitiveFilter] } },
      aggs: {
        paths: {
          composite: {
            size: this.#pageSize,
            sources: [
              ...(fields.host ? [{ host: { terms: { field: fields.host, missing_bucket: true } } }] : []),
              { path: { terms: { field: fields.path } } },
            ],
          },
          aggs: {
            served: {
              filter: { range: { [fields.status]: { gte: 200, lt: 400 } } },
              aggs: {
                clients: {
                  cardinality: { ...this.addressing.distinctClients(fields.client_ip), precision_threshold: 1000 },
                },
                last: { max: { field: fields.time } },
                ...(fields.size
                  ? { ok: { filter: this.#okFilter(), aggs: { sizes: { terms: { field: fields.size, size: 3 } } } } }
                  : {}),
              },
            },
          },
        },
      },
    };
  }

  /** 2xx except 204 (No Content): the answers that can carry a secret. */
  #okFilter(): SearchBody {
    const status = this.profile.fields.status;
    return {
      bool: { filter: [{ range: { [status]: { gte: 200, lt: 300 } } }], must_not: [{ term: { [status]: 204 } }] },
    };
  }

  /** A must_not clause for one host's public raw paths. */
  publicPathsClause(host: string | null, rawPaths: readonly string[]): SearchBody {
    const { fields } = this.profile;
    const paths = { terms: { [fields.path]: rawPaths } };
    if (!fields.host) return paths;
    return {
      bool: {
        filter: [
          host === null
            ? { bool: { must_not: { exists: { field: fields.host } } } }
            : { term: { [fields.host]: host } },
          paths,
        ],
      },
    };
  }

  /**
   * Per (client, user agent) among the given clients (or every client of a span of peers, see the detector's
   * #agentSpan), requests without an agent included (a null agent), with their first and last time. No server-side agent filter: the candidates are few, and a regular expression over every
   * scanner name costs more to compile than their user agents cost to send.
   */
  scannerPairs(range: TimeRange, clients: readonly ClientSelector[] | { span: SearchBody }): SearchBody | undefined {
    if (!this.profile.fields.user_agent) return undefined;
    const selected = 'span' in clients ? [clients.span] : this.#clientFilter(clients);
    return {
      size: 0,
      timeout: this.#timeout,
      track_total_hits: true,
      query: { bool: { filter: [this.timeFilter(range), ...selected] } },
      aggs: {
        pairs: {
          composite: {
            size: this.#pageSize,
            sources: [
              ...this.addressing.sources(),
              { agent: { terms: { field: this.profile.fields.user_agent, missing_bucket: true } } },
            ],
          },
          aggs: {
            first: { min: { field: this.profile.fields.time } },
            last: { max: { field: this.profile.fields.time } },
          },
        },
      },
    };
  }

  /**
   * All requests of the given clients: statuses, user agents, a per-minute histogram, and for sensitive requests a
   * fine histogram (window/6) for the burst rule plus a tiny top_hits of samples. Sensitive requests are those on the
   * raw paths the first query returned and the matcher confirmed: exact terms, no regular expression to compile again.
   */
  clientActivity(
    range: TimeRange,
    clients: readonly ClientSelector[],
    sensitiveRawPaths: readonly string[],
  ): SearchBody {
    const { fields } = this.profile;
    const burstStep = Math.max(1, Math.floor(this.#settings.window / BURST_STEPS));
    const sampleFields = Object.values(fields).filter((field): field is string => Boolean(field));
    return {
      size: 0,
      timeout: this.#timeout,
      track_total_hits: true,
      query: { bool: { filter: [this.timeFilter(range), ...this.#clientFilter(clients)] } },
      aggs: {
        clients: {
          composite: {
            size: Math.min(this.#pageSize, 100),
            sources: this.addressing.sources(),
          },
          aggs: {
            statuses: { terms: { field: fields.status, size: 20 } },
            ...(fields.user_agent ? { agents: { terms: { field: fields.user_agent, size: 8 } } } : {}),
            minutes: { date_histogram: { field: fields.time, fixed_interval: '1m', min_doc_count: 1 } },
            first: { min: { field: fields.time } },
            last: { max: { field: fields.time } },
            sensitive: {
              filter: { terms: { [fields.path]: sensitiveRawPaths } },
              aggs: {
                burst: { date_histogram: { field: fields.time, fixed_interval: `${burstStep}s`, min_doc_count: 1 } },
                samples: {
                  top_hits: {
                    size: 2,
                    sort: [{ [fields.time]: { order: 'desc' } }],
                    _source: sampleFields.map((field) => field.replace(/\.keyword$/, '')),
                  },
                },
              },
            },
          },
        },
      },
    };
  }

  #clientFilter(clients: readonly ClientSelector[] | undefined): SearchBody[] {
    return clients ? [this.addressing.filter(clients)] : [];
  }
}

/** Drops what the detector never reads (formatted keys and dates, term-count error bounds): about half the bytes. */
const LEAN_RESPONSE =
  '-**.key_as_string,-**.value_as_string,-**.doc_count_error_upper_bound,-**.sum_other_doc_count,-**._index,-**._id,-**._score,-**.sort';

/** The burst histogram splits the short window into this many steps; a sliding sum over them approximates it. */
export const BURST_STEPS = 6;

/**
 * Runs a composite aggregation to the end, page after page (`after_key`), so no client is lost past a bucket limit.
 * Calls `onBucket` for every bucket and returns the record of what ran.
 */
export async function runComposite(
  backend: SearchBackend,
  index: string,
  name: string,
  body: SearchBody,
  onBucket: (bucket: SearchBody) => void,
  signal?: AbortSignal,
  afterPage?: () => Promise<void>,
): Promise<QueryRecord> {
  const record: QueryRecord = { name, body, pages: 0, hits: 0, buckets: 0, bytes: 0, elapsedMs: 0 };
  const aggName = Object.keys(body.aggs)[0];
  let after: SearchBody | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const pageBody = after
      ? {
          ...body,
          aggs: { [aggName]: { ...body.aggs[aggName], composite: { ...body.aggs[aggName].composite, after } } },
        }
      : body;
    const page = takePage(
      await backend.search(index, pageBody, { signal, filterPath: LEAN_RESPONSE }),
      aggName,
      record,
    );
    for (const bucket of page.buckets) onBucket(bucket);
    // The page's buckets are dropped before judging what they brought (afterPage): 2,000 parsed buckets held across
    // its queries were old-generation garbage by the time they were let go (a flood's scan peaked 40 MB higher).
    const done = !page.after || page.buckets.length < body.aggs[aggName].composite.size;
    after = page.after;
    page.buckets = [];
    limitHeapGrowthWhenLarge();
    await afterPage?.();
    if (done) return record;
  }
}

/** One page's buckets and after_key, counted into `record`. */
function takePage(
  result: { body: SearchBody; bytes: number; elapsedMs: number },
  aggName: string,
  record: QueryRecord,
): { buckets: SearchBody[]; after: SearchBody | undefined } {
  record.pages++;
  record.bytes += result.bytes;
  record.elapsedMs += result.elapsedMs;
  const total = result.body.hits?.total;
  if (record.pages === 1) record.hits = typeof total === 'number' ? total : Number(total?.value ?? 0);
  const aggregation = result.body.aggregations?.[aggName];
  const buckets: SearchBody[] = aggregation?.buckets ?? [];
  record.buckets += buckets.length;
  return { buckets, after: aggregation?.after_key };
}
