import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestRequest } from './traefik-documents.ts';

/**
 * Traefik's common log format shipped through Logstash: the line Traefik writes, the event grok's `%{HTTPD_COMBINEDLOG}`
 * makes of it (legacy or ECS mode, as `__fixtures__/logstash/httpd-combinedlog.json` shows upstream's spec do), and the
 * index template Logstash's elasticsearch output installs for it.
 */
export type LogstashMode = 'legacy' | 'ecs';

const FIXTURES = join(import.meta.dirname, '..', '__fixtures__', 'logstash');
const read = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (value: number) => String(value).padStart(2, '0');

/** Traefik's CLF timestamp, UTC as Traefik writes it by default. */
export function clfTime(time: number): string {
  const date = new Date(time);
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/**
 * The response size Traefik's CLF writes: always a number; a request without one gets a size of its own path's (a
 * page is the same size each time, different pages differ), never 0: an empty 200 on /.env is no exposure.
 */
export function clfSize(request: TestRequest): number {
  if (request.size !== undefined) return request.size;
  let hash = 0;
  for (const character of request.path) hash = (hash * 31 + character.charCodeAt(0)) >>> 0;
  return 200 + (hash % 5000);
}

/** The CLF line Traefik writes: ClientHost (the X-Forwarded-For value when one was logged) comes first. */
export function traefikClfLine(request: TestRequest, count = 1): string {
  const host = request.forwardedFor ?? request.ip;
  const method = request.method ?? 'GET';
  return `${host} - - [${clfTime(request.time)}] "${method} ${request.path} HTTP/1.1" ${request.status} ${clfSize(request)} "-" "${request.userAgent}" ${count} "www@kubernetes" "http://10.42.0.7:80" 3ms`;
}

/**
 * The event Logstash indexes for that line: grok's captures (legacy: strings, referrer and agent in their quotes;
 * ECS: status and size as numbers, a `-` referrer dropped), `@timestamp` from a `date` filter on `timestamp`,
 * `@version`, the message, and what the file input adds (legacy `host`/`path`; ECS `host.name`, `log.file.path`,
 * `event.original`). Logstash's `host` is its own machine, not the request's.
 */
export function logstashDocument(request: TestRequest, mode: LogstashMode): Record<string, unknown> {
  const message = traefikClfLine(request);
  const clientHost = request.forwardedFor ?? request.ip;
  const method = request.method ?? 'GET';
  const size = clfSize(request);
  const common = { '@timestamp': new Date(request.time).toISOString(), '@version': '1', message };
  if (mode === 'legacy')
    return {
      ...common,
      host: 'logstash-1',
      path: '/var/log/traefik/access.log',
      clientip: clientHost,
      ident: '-',
      auth: '-',
      timestamp: clfTime(request.time),
      verb: method,
      request: request.path,
      httpversion: '1.1',
      response: String(request.status),
      bytes: String(size),
      referrer: '"-"',
      agent: `"${request.userAgent}"`,
    };
  return {
    ...common,
    host: { name: 'logstash-1' },
    log: { file: { path: '/var/log/traefik/access.log' } },
    event: { original: message },
    source: { address: clientHost },
    timestamp: clfTime(request.time),
    http: {
      request: { method },
      version: '1.1',
      response: { status_code: request.status, body: { bytes: size } },
    },
    url: { original: request.path },
    user_agent: { original: request.userAgent },
  };
}

/** Which server the template is for, and whether it has the `wildcard` type (see logstashTemplate). */
export interface TemplateTarget {
  flavor: 'elasticsearch' | 'opensearch';
  wildcard: boolean;
}

/**
 * The mappings of the index template Logstash installs. Legacy: its `ecs-disabled` template verbatim (the opensearch
 * output's `ecs-disabled/2x.json` has the same mappings). ECS to OpenSearch: the opensearch output's `ecs-v8` template
 * (`opensearch-ecs-v8.json`: url.original keyword). ECS to Elasticsearch: the `ecs-logstash` template's declared types
 * (`mappings.json`) under its `strings_as_keyword` rule, where types the server lacks become `keyword`: `wildcard`
 * without that plugin (the testbed's Elasticsearch is the integ-test distribution) and `constant_keyword` always (the
 * same distribution lacks it, OpenSearch's needs a fixed value; grok fills no data_stream field).
 */
export function logstashTemplate(mode: LogstashMode, target: TemplateTarget): Record<string, unknown> {
  if (mode === 'legacy') return read('ecs-disabled-elasticsearch-8x.json').template.mappings;
  if (target.flavor === 'opensearch' && !target.wildcard) {
    const template = read('opensearch-ecs-v8.json');
    return {
      date_detection: template.date_detection,
      dynamic_templates: template.dynamic_templates,
      properties: nest(template.declared),
    };
  }
  const declared = read('mappings.json').ecs.declared as Record<string, string>;
  const mappings: Record<string, Record<string, unknown>> = {};
  for (const [name, declaredType] of Object.entries(declared)) {
    const type =
      declaredType === 'constant_keyword' || (declaredType === 'wildcard' && !target.wildcard)
        ? 'keyword'
        : declaredType;
    mappings[name] = type === 'keyword' ? { type, ignore_above: 1024 } : { type };
  }
  return {
    date_detection: false,
    dynamic_templates: [
      { strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
    ],
    properties: nest(mappings),
  };
}

/** Dotted field names to nested `properties`. */
function nest(fields: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const [name, mapping] of Object.entries(fields)) {
    const parts = name.split('.');
    let level = properties;
    for (const part of parts.slice(0, -1)) {
      level[part] ??= { properties: {} };
      level = level[part].properties as Record<string, Record<string, unknown>>;
    }
    level[parts.at(-1)!] = mapping;
  }
  return properties;
}
