import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestRequest } from './traefik-documents.ts';

/**
 * Traefik's JSON access-log records as other shippers index them (`__fixtures__/shippers/README.md` says where each
 * envelope comes from): the OpenTelemetry Collector's elasticsearchexporter in its four log mapping modes (Traefik's
 * own `accessLog.otlp` records, typed as the otellogrus bridge types them), Vector's elasticsearch sink, Fluentd's
 * fluent-plugin-elasticsearch (logstash_format), and the same shippers with the line left unparsed.
 */
export const SHIPPER_SHAPES = [
  'otel-none',
  'otel-raw',
  'otel-ecs',
  'otel-otel',
  'vector-merged',
  'vector-message',
  'fluentd-json',
  'fluentd-docker-parsed',
] as const;
/** The same shippers when nothing parsed the line: the whole JSON record is one string. */
export const UNPARSED_SHAPES = ['otel-none-body', 'otel-otel-body', 'vector-unparsed', 'fluentd-docker-log'] as const;
export type ShipperShape = (typeof SHIPPER_SHAPES)[number] | (typeof UNPARSED_SHAPES)[number];
export type TraefikRecord = Record<string, unknown>;

const REAL_LINES = join(
  import.meta.dirname,
  '..',
  '..',
  'traefik-log',
  '__fixtures__',
  'traefik-v3.6-json-user-agent.log',
);

/** Real Traefik v3.6 JSON lines (User-Agent and X-Forwarded-For headers kept; line 5 forges X-Forwarded-For). */
export function realTraefikLines(): string[] {
  return readFileSync(REAL_LINES, 'utf8').split('\n').filter(Boolean);
}

/** Fields logrus' JSON formatter adds around the entry's data: not in the OTLP record's attributes. */
const FORMATTER_FIELDS = new Set(['level', 'msg', 'time']);
/** time.Time fields of Traefik's log data: otellogrus writes time.Time as int64 UnixNano. */
const TIME_FIELDS = new Set(['StartUTC', 'StartLocal']);

function unixNanos(iso: string): bigint {
  const fraction = /\.(\d+)Z$/.exec(iso)?.[1] ?? '';
  const seconds = BigInt(Math.floor(Date.parse(iso.replace(/\.\d+Z$/, 'Z')) / 1000));
  return seconds * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9) || '0');
}

/** The OTLP log record's attributes for a Traefik record, as the otellogrus hook Traefik uses converts them. */
export function otlpAttributes(record: TraefikRecord): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (FORMATTER_FIELDS.has(key)) continue;
    attributes[key] = TIME_FIELDS.has(key) && typeof value === 'string' ? unixNanos(value) : value;
  }
  return attributes;
}

/** The log record's timestamp: logrus' entry time, when the request ended (StartUTC + Duration, in ns). */
function recordNanos(record: TraefikRecord): bigint {
  return unixNanos(String(record.StartUTC)) + BigInt(Number(record.Duration ?? 0));
}

function isoNanos(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** The otel mode's `@timestamp`: epoch milliseconds with the nanoseconds as a fraction ("1710273641123.456789"). */
function epochMillisFraction(nanos: bigint): string {
  return `${nanos / 1_000_000n}.${(nanos % 1_000_000n).toString().padStart(6, '0')}`;
}

const prefixed = (prefix: string, fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${prefix}${key}`, value]));

/** The exporter's resource and scope for Traefik's OTLP logger (service name `traefik`, scope `traefik`). */
const RESOURCE = { 'service.name': 'traefik' };
const SCOPE_NAME = 'traefik';

/**
 * The document one shipper indexes for one Traefik record and its line (`line`: the JSON text Traefik wrote, the
 * OTLP record's body). Values are JSON-ready except bigints (OTLP int64 nanoseconds): serialise with toJson.
 */
export function shipperDocument(record: TraefikRecord, line: string, shape: ShipperShape): Record<string, unknown> {
  const nanos = recordNanos(record);
  const attributes = otlpAttributes(record);
  const severity = { SeverityNumber: 9, SeverityText: 'info' };
  switch (shape) {
    case 'otel-none':
      return {
        '@timestamp': isoNanos(nanos),
        ...prefixed('Attributes.', attributes),
        Body: line,
        ...prefixed('Resource.', RESOURCE),
        'Scope.name': SCOPE_NAME,
        ...severity,
        TraceFlags: 0,
      };
    case 'otel-raw':
      return {
        '@timestamp': isoNanos(nanos),
        Body: line,
        ...prefixed('Resource.', RESOURCE),
        'Scope.name': SCOPE_NAME,
        ...severity,
        TraceFlags: 0,
        ...attributes,
      };
    case 'otel-ecs':
      // Traefik's attribute names are not in the exporter's semantic-conventions-to-ECS table: they stay as named.
      return {
        '@timestamp': isoNanos(nanos),
        event: { severity: 9 },
        log: { level: 'info' },
        message: line,
        service: { name: 'traefik' },
        ...attributes,
      };
    case 'otel-otel':
    case 'otel-otel-body':
      return {
        '@timestamp': epochMillisFraction(nanos),
        observed_timestamp: epochMillisFraction(nanos),
        severity_text: 'info',
        severity_number: 9,
        ...(shape === 'otel-otel' ? { attributes } : { attributes: { 'log.file.name': 'access.log' } }),
        resource: { attributes: RESOURCE },
        scope: { name: shape === 'otel-otel' ? SCOPE_NAME : '' },
        body: { text: line },
      };
    case 'otel-none-body':
      // The filelog receiver reading access.log without a json_parser operator: the line is the body.
      return {
        '@timestamp': isoNanos(nanos),
        'Attributes.log.file.name': 'access.log',
        Body: line,
        ...severity,
        TraceFlags: 0,
      };
    case 'vector-merged':
      // `. = merge(., parse_json!(.message))`: Traefik's fields beside Vector's message and timestamp.
      return { message: line, timestamp: String(record.time), ...record };
    case 'vector-message':
      // `.message = parse_json!(.message)`.
      return { message: record, timestamp: String(record.time) };
    case 'vector-unparsed':
      return { message: line, timestamp: String(record.time) };
    case 'fluentd-json': {
      // in_tail with `<parse> @type json`: `time` becomes the event time (keep_time_key false removes it).
      const { time, ...fields } = record;
      return { ...fields, '@timestamp': fluentdTimestamp(String(time)), tag: 'traefik.access' };
    }
    case 'fluentd-docker-parsed': {
      // Docker's fluentd logging driver, then filter_parser `key_name log`, `reserve_data true`.
      const { time, ...fields } = record;
      return { ...dockerEnvelope(line), ...fields, '@timestamp': fluentdTimestamp(String(time)) };
    }
    case 'fluentd-docker-log':
      return { ...dockerEnvelope(line), '@timestamp': fluentdTimestamp(String(record.time)) };
  }
}

function dockerEnvelope(line: string): Record<string, unknown> {
  return {
    container_id: '5e5d8b8f0e1d4a4fb0f2b0d5b2d2c7d0e8f3a6c1b9d4e7f2a5c8b1d4e7f0a3c6',
    container_name: '/traefik',
    source: 'stdout',
    log: line,
  };
}

/** fluent-plugin-elasticsearch's `@timestamp`: the event time, iso8601 with 9 fraction digits and an offset. */
function fluentdTimestamp(time: string): string {
  return new Date(Date.parse(time)).toISOString().replace(/\.(\d{3})Z$/, '.$1000000+00:00');
}

/** JSON with int64 nanoseconds written as numbers, as the exporter writes them. */
export function toJson(document: unknown): string {
  return JSON.stringify(document, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value)).replace(
    /"(-?\d+)n"/g,
    '$1',
  );
}

const TEMPLATE_RECORD = JSON.parse(realTraefikLines()[0]!) as TraefikRecord;

/** A Traefik v3.6 JSON record for a generated request, written over a real record (same fields, same types). */
export function traefikRecord(request: TestRequest): { record: TraefikRecord; line: string } {
  const start = new Date(request.time).toISOString().replace(/Z$/, '123456Z');
  const port = String(request.port ?? 51234);
  const record: TraefikRecord = {
    ...TEMPLATE_RECORD,
    ClientAddr: request.ip.includes(':') ? `[${request.ip}]:${port}` : `${request.ip}:${port}`,
    ClientHost: request.forwardedFor ?? request.ip,
    ClientPort: port,
    DownstreamContentSize: request.size ?? 335,
    DownstreamStatus: request.status,
    OriginStatus: request.status,
    RequestHost: request.host ?? 'www.example.com',
    RequestMethod: request.method ?? 'GET',
    RequestPath: request.path,
    StartLocal: start,
    StartUTC: start,
    'request_User-Agent': request.userAgent,
    ...(request.forwardedFor ? { 'request_X-Forwarded-For': request.forwardedFor } : {}),
    time: `${new Date(request.time).toISOString().slice(0, 19)}Z`,
  };
  return { record, line: JSON.stringify(record) };
}

/**
 * The index mapping each shape lands in. The otel mode writes to `logs-*.otel-*` data streams, whose template
 * (Elasticsearch's otel@mappings + ecs@mappings) makes `attributes` a passthrough object of keyword strings and
 * turns date detection off; OpenSearch has no passthrough type: a plain object, same strings. The other shapes get
 * the dynamic mapping of an index without a template (text + .keyword strings, dates detected).
 */
export function shipperMapping(
  shape: ShipperShape,
  flavor: 'elasticsearch' | 'opensearch',
): Record<string, unknown> | undefined {
  if (shape !== 'otel-otel' && shape !== 'otel-otel-body') return undefined;
  const object = (priority: number) =>
    flavor === 'elasticsearch' ? { type: 'passthrough', dynamic: true, priority } : { type: 'object', dynamic: true };
  return {
    date_detection: false,
    dynamic: false,
    properties: {
      '@timestamp': { type: 'date' },
      observed_timestamp: { type: flavor === 'elasticsearch' ? 'date_nanos' : 'date' },
      severity_text: { type: 'keyword' },
      severity_number: { type: 'byte' },
      body: { properties: { text: { type: 'text' } } },
      attributes: object(20),
      scope: { properties: { name: { type: 'keyword', ignore_above: 1024 } } },
      resource: { properties: { attributes: object(40) } },
    },
    dynamic_templates: [
      {
        all_strings_to_keywords: {
          match_mapping_type: 'string',
          mapping: { type: 'keyword', ignore_above: 1024 },
        },
      },
    ],
  };
}
