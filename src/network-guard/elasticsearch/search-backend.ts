import { readFileSync } from 'node:fs';
import type { Client as OpenSearchClientType } from '@opensearch-project/opensearch';
import type { ElasticsearchSettings } from '../../config/sections/elasticsearch.ts';
import { IntegrationError } from '../../core/errors.ts';
import { withRetry } from '../../core/retry.ts';
import { errorMessageOf, searchRetryPolicy, toIntegrationError } from './search-errors.ts';

export type SearchFlavor = 'elasticsearch' | 'opensearch';

/** One response and what it cost: bytes as received (Content-Length, else the JSON size) and wall time. */
export interface SearchResult<T = SearchBody> {
  body: T;
  bytes: number;
  elapsedMs: number;
}

// biome-ignore lint/suspicious/noExplicitAny: search responses are shaped by the request; callers read them defensively
export type SearchBody = Record<string, any>;

export interface FieldCapability {
  type: string;
  aggregatable: boolean;
  searchable: boolean;
}

/** field -> its types (one per type across the indices of the pattern). */
export type FieldCaps = Record<string, FieldCapability[]>;

export interface ClusterInfo {
  flavor: SearchFlavor;
  version: string;
  clusterName?: string;
}

/**
 * The four read calls the agent needs, the same over the Elasticsearch 8, Elasticsearch 9 and OpenSearch clients.
 * Every call is retried with backoff when retrying can help, and fails with an IntegrationError otherwise.
 */
export interface SearchBackend {
  readonly info: ClusterInfo;
  /** `filterPath`: Elasticsearch's response filter (`-**.key_as_string` drops a field everywhere). */
  search(
    index: string,
    body: SearchBody,
    options?: { signal?: AbortSignal; filterPath?: string },
  ): Promise<SearchResult>;
  count(index: string, query: SearchBody | undefined): Promise<SearchResult<{ count: number }>>;
  fieldCaps(index: string, fields: string[]): Promise<FieldCaps>;
  close(): Promise<void>;
}

type AnyClient = {
  // biome-ignore lint/suspicious/noExplicitAny: the three official clients share this shape but not their types
  search(params: any, options?: any): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  count(params: any, options?: any): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  fieldCaps(params: any, options?: any): Promise<any>;
  close(): Promise<unknown>;
};

export interface BackendOptions {
  /** Test hook: override the retry pause (milliseconds). */
  backoffMs?: number;
}

/** Connects, detects the flavor and version from GET / (unless configured), and picks the matching official client. */
export async function createSearchBackend(
  settings: ElasticsearchSettings,
  options: BackendOptions = {},
): Promise<SearchBackend> {
  // The clients load only when Elasticsearch is configured and used (a CLI command without it stays fast).
  const { Client: OpenSearchClient } = await import('@opensearch-project/opensearch');
  const connection = connectionOptions(settings);
  const probe = new OpenSearchClient({ ...connection, maxRetries: 0 } as ConstructorParameters<
    typeof OpenSearchClientType
  >[0]);
  let info: ClusterInfo;
  try {
    info = await withRetry(
      async () => {
        const transportOptions = { requestTimeout: settings.request_timeout * 1000 };
        try {
          const response = await probe.info({}, transportOptions);
          return readInfo(response.body as SearchBody, settings.flavor);
        } catch (error) {
          const mapped = toIntegrationError(error, `GET / on ${settings.url}`);
          if (mapped.statusCode !== 404 && mapped.statusCode !== 405) throw mapped;
        }
        // Minimal distributions (the integ-test zip) ship without the root endpoint: ask the local node instead.
        try {
          const response = await probe.transport.request(
            { method: 'GET', path: '/_nodes/_local', querystring: { filter_path: 'cluster_name,nodes.*.version' } },
            transportOptions,
          );
          const body = response.body as SearchBody;
          const node = Object.values((body.nodes ?? {}) as Record<string, SearchBody>)[0];
          return readInfo({ cluster_name: body.cluster_name, version: { number: node?.version } }, settings.flavor);
        } catch (error) {
          throw toIntegrationError(error, `GET /_nodes/_local on ${settings.url}`);
        }
      },
      searchRetryPolicy(settings, options.backoffMs),
    );
  } finally {
    await probe.close().catch(() => undefined);
  }
  const major = Number.parseInt(info.version, 10);
  let client: AnyClient;
  if (info.flavor === 'opensearch') {
    client = new OpenSearchClient({ ...connection, maxRetries: 0 } as ConstructorParameters<
      typeof OpenSearchClientType
    >[0]) as unknown as AnyClient;
  } else if (major >= 9) {
    const { Client: Elasticsearch9Client } = await import('@elastic/elasticsearch');
    client = new Elasticsearch9Client({ ...esConnection(settings), maxRetries: 0 }) as unknown as AnyClient;
  } else if (major === 8) {
    // The 9.x client sends `compatible-with=9`, which an 8.x server refuses: the 8.x client speaks to 8.x servers.
    const { Client: Elasticsearch8Client } = await import('@elastic/elasticsearch8');
    client = new Elasticsearch8Client({ ...esConnection(settings), maxRetries: 0 }) as unknown as AnyClient;
  } else {
    throw new IntegrationError('elasticsearch', `server version ${info.version} is not supported (8.x, 9.x)`, {
      isRetryable: false,
    });
  }
  return new ClientBackend(client, info, settings, options.backoffMs);
}

function readInfo(body: SearchBody, configured: ElasticsearchSettings['flavor']): ClusterInfo {
  const version = String(body?.version?.number ?? '');
  if (!version)
    throw new IntegrationError('elasticsearch', 'GET / did not answer like Elasticsearch or OpenSearch', {
      isRetryable: false,
    });
  const detected: SearchFlavor = body.version.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
  const flavor = configured === 'auto' ? detected : configured;
  return { flavor, version, clusterName: body.cluster_name };
}

class ClientBackend implements SearchBackend {
  readonly info: ClusterInfo;
  readonly #client: AnyClient;
  readonly #settings: ElasticsearchSettings;
  readonly #backoffMs: number | undefined;
  readonly #openSearch: boolean;

  constructor(client: AnyClient, info: ClusterInfo, settings: ElasticsearchSettings, backoffMs?: number) {
    this.#client = client;
    this.info = info;
    this.#settings = settings;
    this.#backoffMs = backoffMs;
    this.#openSearch = info.flavor === 'opensearch';
  }

  async search(
    index: string,
    body: SearchBody,
    options: { signal?: AbortSignal; filterPath?: string } = {},
  ): Promise<SearchResult> {
    const filter = options.filterPath ? { filter_path: options.filterPath } : {};
    const result = await this.#call(
      `search ${index}`,
      (transport) =>
        this.#openSearch
          ? this.#client.search({ index, body, ...filter }, transport)
          : this.#client.search({ index, ...body, ...filter }, transport),
      options.signal,
    );
    checkComplete(result.body, index);
    return result;
  }

  async count(index: string, query: SearchBody | undefined): Promise<SearchResult<{ count: number }>> {
    const result = await this.#call(`count ${index}`, (transport) =>
      this.#openSearch
        ? this.#client.count({ index, body: query ? { query } : {} }, transport)
        : this.#client.count({ index, ...(query ? { query } : {}) }, transport),
    );
    checkComplete(result.body, index);
    return result as SearchResult<{ count: number }>;
  }

  async fieldCaps(index: string, fields: string[]): Promise<FieldCaps> {
    const result = await this.#call(`field_caps ${index}`, (transport) =>
      this.#client.fieldCaps({ index, fields, allow_no_indices: false }, transport),
    );
    return parseFieldCaps(result.body);
  }

  close(): Promise<void> {
    return this.#client.close().then(() => undefined);
  }

  async #call(
    what: string,
    run: (transport: SearchBody) => Promise<SearchBody>,
    signal?: AbortSignal,
  ): Promise<SearchResult> {
    return withRetry(
      async () => {
        const started = performance.now();
        try {
          const response = await run({
            meta: true,
            requestTimeout: this.#settings.request_timeout * 1000,
            ...(signal ? { signal } : {}),
          });
          const body = response.body as SearchBody;
          const length = Number(response.headers?.['content-length']);
          return {
            body,
            bytes: Number.isFinite(length) && length > 0 ? length : Buffer.byteLength(JSON.stringify(body)),
            elapsedMs: performance.now() - started,
          };
        } catch (error) {
          throw toIntegrationError(error, what);
        }
      },
      searchRetryPolicy(this.#settings, this.#backoffMs),
    );
  }
}

/** A `_field_caps` response as field -> capabilities per mapped type. */
export function parseFieldCaps(body: SearchBody): FieldCaps {
  const caps: FieldCaps = {};
  for (const [field, byType] of Object.entries((body.fields ?? {}) as Record<string, SearchBody>)) {
    caps[field] = Object.entries(byType).map(([type, capability]) => ({
      type,
      aggregatable: capability.aggregatable === true,
      searchable: capability.searchable === true,
    }));
  }
  return caps;
}

/** Partial results would undercount and let a scanner slip under a threshold: treat them as a retryable failure. */
function checkComplete(body: SearchBody, index: string): void {
  const shards = body?._shards;
  if (shards && Number(shards.failed) > 0) {
    const reason = errorMessageOf(shards.failures?.[0]?.reason) ?? 'no reason given';
    throw new IntegrationError(
      'elasticsearch',
      `${shards.failed} of ${shards.total} shards failed on ${index} (${reason}); results would be partial`,
      { isRetryable: true },
    );
  }
  if (body?.timed_out === true)
    throw new IntegrationError(
      'elasticsearch',
      `search on ${index} timed out on the server; results would be partial`,
      {
        isRetryable: true,
      },
    );
}

function connectionOptions(settings: ElasticsearchSettings): SearchBody {
  const headers: Record<string, string> = {};
  if (settings.api_key) headers.authorization = `ApiKey ${settings.api_key}`;
  if (settings.bearer_token) headers.authorization = `Bearer ${settings.bearer_token}`;
  return {
    node: settings.url,
    ...(settings.username ? { auth: { username: settings.username, password: settings.password ?? '' } } : {}),
    headers,
    ssl: tlsOptions(settings),
    requestTimeout: settings.request_timeout * 1000,
  };
}

function esConnection(settings: ElasticsearchSettings) {
  const auth = settings.username
    ? { username: settings.username, password: settings.password ?? '' }
    : settings.api_key
      ? { apiKey: settings.api_key }
      : settings.bearer_token
        ? { bearer: settings.bearer_token }
        : undefined;
  return {
    node: settings.url,
    ...(auth ? { auth } : {}),
    tls: tlsOptions(settings),
    requestTimeout: settings.request_timeout * 1000,
  };
}

function tlsOptions(settings: ElasticsearchSettings): { ca?: string; rejectUnauthorized: boolean } {
  let ca: string | undefined;
  if (settings.ca_cert) {
    try {
      ca = readFileSync(settings.ca_cert, 'utf8');
    } catch (error) {
      throw new IntegrationError('elasticsearch', `cannot read elasticsearch.ca_cert ${settings.ca_cert}`, {
        cause: error,
        isRetryable: false,
      });
    }
  }
  return { ...(ca ? { ca } : {}), rejectUnauthorized: !settings.insecure };
}
