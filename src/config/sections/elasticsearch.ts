import { z } from 'zod';
import { duration } from '../duration.ts';

/** Field names overriding the detected profile (any subset); e.g. `{ client_ip: network.forwarded_ip }`. */
const fieldOverrides = z
  .strictObject({
    time: z.string().optional(),
    client_ip: z.string().optional(),
    /** The TCP peer when it is another field than client_ip (Traefik JSON: ClientAddr, `host:port`). */
    peer: z.string().optional(),
    /** The forwarded client, believed only when the peer is a trusted proxy (ECS: network.forwarded_ip). */
    forwarded: z.string().optional(),
    path: z.string().optional(),
    status: z.string().optional(),
    user_agent: z.string().optional(),
    method: z.string().optional(),
    host: z.string().optional(),
    /** Response size in bytes: tells a leak (content) from an empty answer or the SPA fallback page. */
    size: z.string().optional(),
  })
  .prefault({});

/** A value a document filter matches exactly (a keyword, a number, a boolean). */
const filterValue = z.union([z.string().min(1), z.number(), z.boolean()], {
  error: 'expected a string, number or boolean to match exactly',
});

/** One item or a list of them, read as the list (so an error names the item's index and key). */
function oneOrMore<T extends z.ZodType>(item: T, max: number, what: string) {
  return z.preprocess(
    (value) => (Array.isArray(value) || value === undefined ? value : [value]),
    z
      .array(item, { error: `expected ${what} or a list of them` })
      .min(1, 'must not be empty')
      .max(max),
  );
}

/**
 * One field and the values it must have: `{ field: event.module, values: [traefik] }`. Matched exactly (a `terms`
 * query), never parsed as query text, so a value cannot widen the filter.
 */
const fieldFilter = z.strictObject(
  {
    field: z
      .string()
      .regex(
        /^[A-Za-z0-9_@][A-Za-z0-9_@./-]*$/,
        'a field name (letters, digits, _ @ . - /): no wildcard, space or query syntax',
      ),
    values: oneOrMore(filterValue, 100, 'a value'),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'expected { field, values } (no query text)' : undefined) },
);

/** Which documents of the index pattern are Traefik's: one field filter, or several that must all hold. */
const documentFilter = oneOrMore(fieldFilter, 10, '{ field, values } (no query text)');

/** Caps on the queries an LLM may write (the read-only guard refuses anything beyond them). */
const llmQueryLimits = z
  .strictObject({
    max_hits: z.number().int().min(0).max(100).default(50),
    max_buckets: z.number().int().positive().max(1000).default(100),
    /** Longest time range a model-written query may cover. */
    max_range: duration().default(7 * 86400),
    timeout: duration().default(10),
    /** Off: incidents from Elasticsearch get no LLM investigation even when an LLM is configured. */
    investigate: z.boolean().default(true),
  })
  .prefault({});

/** The spec's `elasticsearch:` block. Absent means the Traefik file source is used instead. */
export const elasticsearchSection = z
  .strictObject({
    url: z.string().url(),
    username: z.string().optional(),
    password: z.string().optional(),
    index_pattern: z.string().default('traefik-logs-*'),
    api_key: z.string().optional(),
    bearer_token: z.string().optional(),
    /** PEM file of the CA that signed the cluster's certificate. */
    ca_cert: z.string().optional(),
    /** Skip TLS verification. Explicit only; never a fallback. */
    insecure: z.boolean().default(false),
    kibana_url: z.string().url().optional(),
    /** Kibana data view id for Discover links; the index pattern is used when absent. */
    kibana_data_view: z.string().optional(),
    /** Detection cycle period of the daemon. */
    interval: duration().default(60),
    /** `auto` asks GET / (OpenSearch says `distribution: opensearch`). */
    flavor: z.enum(['auto', 'elasticsearch', 'opensearch']).default('auto'),
    /** Field layout of the documents; `auto` detects it from `_field_caps`. */
    profile: z.enum(['auto', 'traefik-json', 'elastic-agent', 'filebeat', 'logstash']).default('auto'),
    fields: fieldOverrides,
    /**
     * Only documents matching this are read, by every query (detection, follow-ups, the LLM's, connect-time counts):
     * for an index pattern that also holds other applications' logs (`filebeat-*`, `logs-*`). Unset: every document.
     */
    document_filter: documentFilter.optional(),
    /** Documents become searchable some time after Traefik wrote them; cycles stop this far behind now. */
    ingest_delay: duration().default(30),
    /** Each cycle re-reads this much before its cursor so late documents are not missed (counts are recomputed). */
    overlap: duration().default(120),
    /**
     * Composite aggregation page size (buckets per request); every page is fetched. Each page makes the server visit
     * every matching document again, so a window of many clients wants large pages: 2,000 took a window of 100,000
     * one-probe clients in 25 s, 500 in 48 s. A page of (client, path) pairs holds up to about 22 buckets per pair
     * (statuses, sizes), and the server refuses more than search.max_buckets (65,536 by default) in one response.
     */
    page_size: z.number().int().min(1).max(10000).default(2000),
    request_timeout: duration().default(30),
    max_retries: z.number().int().min(0).max(10).default(3),
    llm_queries: llmQueryLimits,
  })
  .superRefine((value, context) => {
    if (value.username !== undefined && value.password === undefined)
      context.addIssue({ code: 'custom', path: ['password'], message: 'username is set but password is missing' });
    const methods = [value.username !== undefined, value.api_key !== undefined, value.bearer_token !== undefined];
    if (methods.filter(Boolean).length > 1)
      context.addIssue({
        code: 'custom',
        path: ['api_key'],
        message: 'choose one of username/password, api_key or bearer_token',
      });
    const kibana = value.kibana_url === undefined ? undefined : URL.parse(value.kibana_url);
    if (kibana) {
      // The Discover links are built on this URL alone: no other scheme, and no credentials copied into every link.
      if (kibana.protocol !== 'https:' && kibana.protocol !== 'http:')
        context.addIssue({
          code: 'custom',
          path: ['kibana_url'],
          message: `expected an http or https URL, got ${kibana.protocol}`,
        });
      if (kibana.username || kibana.password)
        context.addIssue({
          code: 'custom',
          path: ['kibana_url'],
          message: 'must not carry credentials (they would be copied into every Discover link)',
        });
    }
  })
  .optional();

export type ElasticsearchSettings = NonNullable<z.output<typeof elasticsearchSection>>;
export type DocumentFilterSettings = NonNullable<ElasticsearchSettings['document_filter']>;
