import type { FieldProfile } from '../field-profile.ts';
import { type Document, ourClient, text, valueAt } from './document-values.ts';
import type { TestRequest } from './traefik-documents.ts';

/**
 * DERIVED, not upstream output: a request as Elastic Agent's Traefik integration stores a Traefik JSON line, with
 * the key set of `__fixtures__/beats-traefik/elastic-agent-json-grok.json` (its later JSON pipeline: ClientAddr
 * grokked into source.ip/port with source.address the `host:port`, url.original the RequestHost + RequestPath as
 * the integration writes it, url.path without the query string). `pipeline: '2.0'`: the 2.0 JSON pipeline, which
 * renames ClientHost (a client's own X-Forwarded-For) to source.ip, as document 5 of `elastic-agent-json.json` shows
 * (source.address 10.10.8.105:48376, source.ip 175.16.199.10).
 */
export function elasticAgentJsonDocument(request: TestRequest, pipeline: '2.0' | 'later' = 'later'): Document {
  const host = request.host ?? 'www.example.com';
  const queryAt = request.path.indexOf('?');
  const port = request.port ?? 51234;
  return {
    '@timestamp': new Date(request.time).toISOString(),
    data_stream: { dataset: 'traefik.access', type: 'logs', namespace: 'default' },
    http: {
      request: { method: request.method ?? 'GET' },
      response: {
        status_code: request.status,
        ...(request.size === undefined ? {} : { body: { bytes: request.size } }),
      },
    },
    source: {
      address: request.ip.includes(':') ? `[${request.ip}]:${port}` : `${request.ip}:${port}`,
      ip: pipeline === '2.0' ? (request.forwardedFor ?? request.ip) : request.ip,
      port,
    },
    ...(request.forwardedFor && pipeline === 'later' ? { network: { forwarded_ip: request.forwardedFor } } : {}),
    url: {
      domain: host,
      original: `${host}${request.path}`,
      path: queryAt < 0 ? request.path : request.path.slice(0, queryAt),
    },
    traefik: { access: { router: { name: 'www@kubernetes' } } },
    user_agent: { original: request.userAgent },
  };
}

const ROLES = ['client', 'path', 'status', 'host', 'time'] as const;

/** What the queries make of one document under a profile: the client of its bucket, path, status, host, time. */
export function readingOf(document: Document, profile: FieldProfile): Array<string | null | undefined> {
  const field = (name: string | undefined) => (name ? text(valueAt(document, name)) : undefined);
  return [
    ourClient(document, profile, []),
    field(profile.fields.path),
    field(profile.fields.status),
    field(profile.fields.host),
    field(profile.fields.time),
  ];
}

/**
 * How many documents each role (and all five together) reads the same under `profile` as under `reference`, the
 * profile of the documents' own index.
 */
export function sameReadings(
  documents: readonly Document[],
  profile: FieldProfile,
  reference: FieldProfile,
): Record<(typeof ROLES)[number] | 'all', number> {
  const counts = { client: 0, path: 0, status: 0, host: 0, time: 0, all: 0 };
  for (const document of documents) {
    const read = readingOf(document, profile);
    const expected = readingOf(document, reference);
    ROLES.forEach((role, position) => {
      if (read[position] === expected[position]) counts[role]++;
    });
    if (ROLES.every((_, position) => read[position] === expected[position])) counts.all++;
  }
  return counts;
}
