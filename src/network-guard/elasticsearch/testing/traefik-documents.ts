import { PROBE_PATHS } from '../../../core/testing/log-events.ts';
import {
  type LogstashMode,
  logstashDocument,
  logstashTemplate,
  type TemplateTarget,
} from './logstash-traefik-documents.ts';

/**
 * How the documents are written: one layout per profile, and Logstash's two (grok's legacy captures under its
 * `ecs-disabled` template, its ECS captures under the `ecs-logstash` template), both read by the logstash profile.
 */
export type DocumentLayout = 'traefik-json' | 'elastic-agent' | 'filebeat' | 'logstash-legacy' | 'logstash-ecs';

/** One request, before it is written in one of the three document layouts. */
export interface TestRequest {
  time: number;
  ip: string;
  path: string;
  status: number;
  userAgent: string;
  method?: string;
  /** X-Forwarded-For as Traefik logs it in ClientHost (ECS: network.forwarded_ip); `ip` is then the TCP peer. */
  forwardedFor?: string;
  /** The peer's source port (Traefik's ClientAddr); 51234 when absent. */
  port?: number;
  /** RequestHost; www.example.com when absent. */
  host?: string;
  /** Response bytes (DownstreamContentSize); absent from the document when not given. */
  size?: number;
}

/**
 * The addresses of the forwarded-client scenarios: a scanner (`ATTACKER`) that forges X-Forwarded-For to `FRAMED`,
 * a trusted proxy (`PROXY`) and a scanner that reaches us through it (`BEHIND_PROXY`).
 */
export const FORWARDING = {
  FRAMED: '9.9.9.9',
  ATTACKER: '203.0.113.66',
  PROXY: '10.0.0.5',
  BEHIND_PROXY: '198.51.100.7',
} as const;

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/**
 * The document Traefik's JSON log, the Elastic Agent integration, the Filebeat module or Logstash's grok of Traefik's
 * CLF would have indexed. `nest`:
 * Traefik's fields under that object, with the shipper's `@timestamp` beside it (Filebeat's `json.`, Fluent Bit's
 * `log_processed.`).
 */
export function toDocument(request: TestRequest, profile: DocumentLayout, nest?: string): Record<string, unknown> {
  if (profile === 'logstash-legacy') return logstashDocument(request, 'legacy');
  if (profile === 'logstash-ecs') return logstashDocument(request, 'ecs');
  const time = new Date(request.time).toISOString();
  const method = request.method ?? 'GET';
  if (profile === 'traefik-json' && nest) return { '@timestamp': time, [nest]: toDocument(request, profile) };
  if (profile === 'traefik-json')
    return {
      StartUTC: time,
      ClientHost: request.forwardedFor ?? request.ip,
      ClientAddr: request.ip.includes(':')
        ? `[${request.ip}]:${request.port ?? 51234}`
        : `${request.ip}:${request.port ?? 51234}`,
      RequestMethod: method,
      RequestPath: request.path,
      RequestHost: request.host ?? 'www.example.com',
      ...(request.size === undefined ? {} : { DownstreamContentSize: request.size }),
      DownstreamStatus: request.status,
      'request_User-Agent': request.userAgent,
      RouterName: 'www@kubernetes',
    };
  const queryAt = request.path.indexOf('?');
  const common = {
    '@timestamp': time,
    source: { ip: request.ip, address: request.ip },
    ...(request.forwardedFor ? { network: { forwarded_ip: request.forwardedFor } } : {}),
    http: {
      request: { method },
      response: {
        status_code: request.status,
        ...(request.size === undefined ? {} : { body: { bytes: request.size } }),
      },
    },
    user_agent: { original: request.userAgent },
  };
  if (profile === 'elastic-agent')
    return {
      ...common,
      url: {
        original: request.path,
        path: queryAt >= 0 ? request.path.slice(0, queryAt) : request.path,
        domain: request.host ?? 'www.example.com',
      },
      data_stream: { dataset: 'traefik.access', type: 'logs', namespace: 'default' },
      event: { dataset: 'traefik.access' },
    };
  if (profile === 'filebeat')
    return {
      ...common,
      url: { original: request.path },
      fileset: { name: 'access' },
      event: { module: 'traefik', dataset: 'traefik.access' },
    };
  throw new Error(`no document layout ${String(profile satisfies never)}`);
}

/**
 * Index mappings as each shipper creates them. Traefik JSON shipped raw gets dynamic mapping (text + .keyword, which
 * the profile must cope with); the ECS layouts get the ECS types (ip, keyword, long, date). Only types the minimal
 * test distributions have (no wildcard/constant_keyword).
 */
export function mappingFor(profile: DocumentLayout): Record<string, unknown> | undefined {
  if (profile === 'traefik-json' || profile.startsWith('logstash')) return undefined;
  const keyword = { type: 'keyword', ignore_above: 1024 };
  const url =
    profile === 'elastic-agent' ? { original: keyword, path: keyword, domain: keyword } : { original: keyword };
  return {
    properties: {
      '@timestamp': { type: 'date' },
      source: { properties: { ip: { type: 'ip' }, address: keyword } },
      network: { properties: { forwarded_ip: { type: 'ip' } } },
      url: { properties: url },
      http: {
        properties: {
          request: { properties: { method: keyword } },
          response: { properties: { status_code: { type: 'long' } } },
        },
      },
      user_agent: { properties: { original: { ...keyword, fields: { text: { type: 'text' } } } } },
      ...(profile === 'elastic-agent'
        ? { data_stream: { properties: { dataset: keyword, type: keyword, namespace: keyword } } }
        : { fileset: { properties: { name: keyword } } }),
      event: { properties: { dataset: keyword, module: keyword } },
    },
  };
}

/**
 * Creates an index (with the layout's mapping, or for Logstash's layouts from its index template, installed for this
 * index alone as Logstash installs it for `logstash-*`) and bulk-loads requests through the plain REST API.
 */
export async function indexRequests(
  url: string,
  index: string,
  profile: DocumentLayout,
  requests: Iterable<TestRequest>,
  batch = 5000,
  nest?: string,
): Promise<number> {
  return indexDocuments(
    url,
    index,
    profile,
    mapIterable(requests, (request) => toDocument(request, profile, nest)),
    batch,
  );
}

/** indexRequests with the documents already written (a test adds a field some pipeline would fill). */
export async function indexDocuments(
  url: string,
  index: string,
  profile: DocumentLayout,
  documents: Iterable<Record<string, unknown>>,
  batch = 5000,
  /** For Logstash's ECS layout: the template of that server, whatever the server at `url` is. */
  template?: TemplateTarget,
): Promise<number> {
  if (profile === 'logstash-legacy' || profile === 'logstash-ecs')
    await putTemplate(url, index, profile === 'logstash-legacy' ? 'legacy' : 'ecs', template);
  const mapping = mappingFor(profile);
  const created = await fetch(`${url}/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' },
      ...(mapping ? { mappings: mapping } : {}),
    }),
  });
  if (!created.ok) throw new Error(`create ${index}: ${created.status} ${await created.text()}`);
  let count = 0;
  let lines: string[] = [];
  const flush = async () => {
    if (lines.length === 0) return;
    const response = await fetch(`${url}/${index}/_bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
    });
    const body = (await response.json()) as { errors?: boolean; items?: Array<Record<string, { error?: unknown }>> };
    if (!response.ok || body.errors) {
      const failed = body.items?.find((item) => Object.values(item)[0]?.error);
      throw new Error(`bulk into ${index}: ${response.status} ${JSON.stringify(failed ?? body).slice(0, 400)}`);
    }
    lines = [];
  };
  for (const document of documents) {
    lines.push('{"index":{}}', JSON.stringify(document));
    count++;
    if (lines.length >= batch * 2) await flush();
  }
  await flush();
  const refreshed = await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
  if (!refreshed.ok) throw new Error(`refresh ${index}: ${refreshed.status}`);
  return count;
}

function* mapIterable<T, U>(items: Iterable<T>, map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}

export async function deleteIndex(url: string, index: string): Promise<void> {
  await fetch(`${url}/${index}`, { method: 'DELETE' }).catch(() => undefined);
  await fetch(`${url}/_index_template/${index}`, { method: 'DELETE' }).catch(() => undefined);
}

/**
 * Logstash's template for this index, for the server at `url` (OpenSearch says so in GET /; the testbed's Elasticsearch
 * answers GET / with 405 and may lack `wildcard`: then keyword, see logstashTemplate). `target` forces one.
 */
async function putTemplate(url: string, index: string, mode: LogstashMode, target?: TemplateTarget): Promise<void> {
  const root = await fetch(`${url}/`).then((response) => (response.ok ? response.json() : undefined));
  const flavor =
    (root as { version?: { distribution?: string } } | undefined)?.version?.distribution === 'opensearch'
      ? 'opensearch'
      : 'elasticsearch';
  const targets: TemplateTarget[] = target
    ? [target]
    : flavor === 'opensearch'
      ? [{ flavor, wildcard: false }]
      : [
          { flavor, wildcard: true },
          { flavor, wildcard: false },
        ];
  for (const [attempt, candidate] of targets.entries()) {
    const response = await fetch(`${url}/_index_template/${index}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        index_patterns: [index],
        priority: 500,
        template: { mappings: logstashTemplate(mode, candidate) },
      }),
    });
    if (response.ok) return;
    const text = await response.text();
    if (attempt === targets.length - 1 || !/\[wildcard\]/.test(text))
      throw new Error(`template for ${index}: ${response.status} ${text}`);
  }
}

/**
 * A benchmark's index, kept between runs: (re)built with `requests` unless it already holds `expected` documents.
 * Prints how long the indexing took.
 */
export async function indexUnlessPresent(
  url: string,
  index: string,
  expected: number,
  requests: () => Iterable<TestRequest>,
): Promise<void> {
  const existing = await fetch(`${url}/${index}/_count`);
  if (existing.ok && ((await existing.json()) as { count: number }).count === expected) return;
  await deleteIndex(url, index);
  const started = performance.now();
  await indexRequests(url, index, 'traefik-json', requests());
  console.log(`indexed ${expected} documents in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** A deterministic pseudo-random sequence (mulberry32), so generated traffic is the same on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const PAGES = [
  '/',
  '/about',
  '/blog/post-1',
  '/blog/post-2',
  '/api/items',
  '/api/items/42',
  '/static/app.js',
  '/login',
];

/** Ordinary visitors: browsers on ordinary pages, mostly 200, a few 304/404 (never sensitive paths). */
export function* backgroundTraffic(from: number, to: number, count: number, seed = 7): Generator<TestRequest> {
  const random = seeded(seed);
  const span = to - from;
  for (let index = 0; index < count; index++) {
    const user = Math.floor(random() * 2000);
    const roll = random();
    yield {
      time: from + Math.floor((index / count) * span),
      ip: `198.18.${user >> 8}.${user & 255}`,
      path: PAGES[Math.floor(random() * PAGES.length)],
      status: roll < 0.9 ? 200 : roll < 0.97 ? 304 : 404,
      userAgent: BROWSER,
    };
  }
}

export const SENSITIVE_PROBES = [...PROBE_PATHS.slice(0, 6), '/.env.production', '/backup.sql'];

/** `count` requests to sensitive paths, `everyMs` apart, cycling through the probes. */
export function* probes(
  ip: string,
  start: number,
  count: number,
  everyMs: number,
  options: { status?: number; userAgent?: string; paths?: readonly string[] } = {},
): Generator<TestRequest> {
  const paths = options.paths ?? SENSITIVE_PROBES;
  for (let index = 0; index < count; index++)
    yield {
      time: start + index * everyMs,
      ip,
      path: paths[index % paths.length],
      status: options.status ?? 403,
      userAgent: options.userAgent ?? BROWSER,
    };
}
