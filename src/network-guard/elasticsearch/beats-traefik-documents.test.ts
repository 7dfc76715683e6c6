import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { DetectionQueries } from './detection-queries.ts';
import { type FieldProfile, type FieldRole, resolveFieldProfile, unreadPathWarning } from './field-profile.ts';
import type { FieldCaps, SearchBody } from './search-backend.ts';
import { type Document, hostOf, ourClient, text, valueAt } from './testing/document-values.ts';
import { assertKnownDifferences, Comparison } from './testing/known-differences.ts';

/**
 * The documents Filebeat's traefik module and Elastic Agent's Traefik integration store (their pipeline tests'
 * expected output, `__fixtures__/beats-traefik/`), read the way the Elasticsearch path reads them: the field profile
 * resolved from the upstream mapping, then each document's value of every field a query groups by, and the client as
 * `ClientAddressing` + `ClientIpResolver` make it of a composite bucket key. Each value is compared with what the
 * upstream document says; the differences we keep are listed with their reason in KNOWN_DIFFERENCES.
 */

const FIXTURES = join(import.meta.dirname, '__fixtures__', 'beats-traefik');
const read = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const MAPPINGS = read('mappings.json');
/** The trusted proxies of the behind-a-proxy reading: the integration's test lines come from 10.0.0.0/8 peers. */
const TRUSTED = ['10.0.0.0/8'];
const SETTINGS = { fields: {}, profile: 'auto' as const, index_pattern: 'logs-traefik.access-*' };

interface Layout {
  /** How the differences are keyed. */
  name: string;
  /** Fixture file of upstream documents. */
  file: string;
  /** Mapping the documents live under (mappings.json), and which of its dynamic fields documents have mapped. */
  mapping: 'filebeat' | 'elastic-agent';
  dynamic: string[];
  /** The fields the profile must pick for these documents, as upstream writes them. */
  profile: Partial<Record<FieldRole, string>>;
  /** JSON documents carry the TCP peer's port (Traefik's ClientAddr): the behind-a-proxy reading applies. */
  json: boolean;
}

const CLF_FIELDS = {
  time: '@timestamp',
  client_ip: 'source.ip',
  path: 'url.original',
  status: 'http.response.status_code',
  user_agent: 'user_agent.original',
};
const LAYOUTS: Layout[] = [
  {
    name: 'filebeat-clf',
    file: 'filebeat-clf.json',
    mapping: 'filebeat',
    dynamic: [],
    json: false,
    profile: CLF_FIELDS,
  },
  {
    name: 'agent-clf',
    file: 'elastic-agent-clf.json',
    mapping: 'elastic-agent',
    dynamic: [],
    json: false,
    profile: CLF_FIELDS,
  },
  // The integration sends both formats to one data stream (its default pipeline picks format-json or format-common
  // by the line): CLF documents in a data stream where JSON documents have already mapped url.path.
  {
    name: 'agent-clf-mixed',
    file: 'elastic-agent-clf.json',
    mapping: 'elastic-agent',
    dynamic: ['url.path'],
    json: false,
    profile: {},
  },
  {
    name: 'agent-json',
    file: 'elastic-agent-json.json',
    mapping: 'elastic-agent',
    dynamic: ['url.path'],
    json: true,
    profile: {
      time: '@timestamp',
      peer: 'source.address',
      path: 'url.path',
      status: 'http.response.status_code',
      user_agent: 'user_agent.original',
      host: 'url.domain',
    },
  },
  {
    name: 'agent-json-grok',
    file: 'elastic-agent-json-grok.json',
    mapping: 'elastic-agent',
    dynamic: ['url.path', 'network.forwarded_ip'],
    json: true,
    profile: { peer: 'source.address', forwarded: 'network.forwarded_ip', path: 'url.path' },
  },
  // 2.0's documents in a data stream where a later pipeline has already mapped network.forwarded_ip.
  {
    name: 'agent-json-upgraded',
    file: 'elastic-agent-json.json',
    mapping: 'elastic-agent',
    dynamic: ['url.path', 'network.forwarded_ip'],
    json: true,
    profile: { peer: 'source.address', forwarded: 'network.forwarded_ip' },
  },
];

/**
 * Known differences, `file#index:attribute` (or `file:profile.role`) -> why. The test fails when a difference
 * appears that is not listed here, or when a listed one is gone (then remove it).
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
  // ours: {decision: unattributed, why: the data stream maps network.forwarded_ip (a later pipeline writes it), so
  // that is the forwarded field; 2.0's documents left ClientHost in source.ip instead. Reading source.ip too would
  // need a second forwarded source; nobody is blamed meanwhile, neither the proxy nor a forged address.}
  'agent-json-upgraded#5:client_behind_proxy':
    'an upgraded data stream: the forwarded field is network.forwarded_ip, which 2.0 documents lack (unattributed, never the proxy)',
  ...Object.fromEntries(
    [0, 1, 2, 3, 4, 5, 6, 7].map((index) => [
      `agent-clf-mixed#${index}:path`,
      'one data stream holds both formats; once a JSON document has mapped url.path the profile groups by it, and CLF documents have only url.original (one composite source reads one field; no Painless-free way to fall back per document): said at connect (unreadPathWarning), counted as skipped',
    ]),
  ),
};

function capsOf(layout: Layout): FieldCaps {
  const mapping = MAPPINGS[layout.mapping] as { declared: Record<string, string>; dynamic?: Record<string, string> };
  const dynamic = layout.dynamic.map((field): [string, string] => [field, mapping.dynamic?.[field] ?? 'keyword']);
  const types = { ...mapping.declared, ...Object.fromEntries(dynamic) };
  return Object.fromEntries(
    Object.entries(types).map(([field, type]) => [field, [{ type, aggregatable: true, searchable: true }]]),
  );
}

const milliseconds = (value: unknown) => (value === undefined ? undefined : Date.parse(String(value)));

type Reading = Partial<
  Record<
    'client' | 'client_behind_proxy' | 'counted_client' | 'path' | 'status' | 'user_agent' | 'time' | 'host',
    unknown
  >
>;

/**
 * What the upstream document says: the client is the TCP peer (`source.address`, Traefik's ClientAddr in JSON, the
 * only address of a CLF line); behind a trusted proxy the forwarded value (`network.forwarded_ip`, or `source.ip`
 * where the pipeline put ClientHost there) names it, if it is not itself a trusted proxy.
 */
function upstreamReading(document: Document, json: boolean): Reading {
  const address = text(valueAt(document, 'source.address'));
  const peer = address === undefined ? undefined : hostOf(address);
  const reading: Reading = {
    client: peer,
    // Whom the site facts count among a path's distinct clients (public content when many): the same client.
    counted_client: peer,
    path: text(valueAt(document, 'url.path') ?? valueAt(document, 'url.original')),
    status: valueAt(document, 'http.response.status_code'),
    user_agent: text(valueAt(document, 'user_agent.original')),
    time: milliseconds(valueAt(document, '@timestamp')),
    host: text(valueAt(document, 'url.domain')),
  };
  if (json) {
    const sourceIp = text(valueAt(document, 'source.ip'));
    const forwarded =
      text(valueAt(document, 'network.forwarded_ip')) ??
      (sourceIp !== undefined && sourceIp !== peer ? sourceIp : undefined);
    const trusted = new ClientIpResolver(TRUSTED);
    const peerTrusted = peer !== undefined && !trusted.resolve({ clientHost: peer }).ok;
    const forwardedTrusted = forwarded !== undefined && !trusted.resolve({ clientHost: forwarded }).ok;
    reading.client_behind_proxy = !peerTrusted ? peer : forwarded !== undefined && !forwardedTrusted ? forwarded : null;
  }
  return reading;
}

/** The value the site facts' distinct-client count (`sensitivePaths` -> served.clients) takes of this document. */
function countedClient(document: Document, profile: FieldProfile): string | undefined {
  const queries = new DetectionQueries(profile, defaultConfig().detection, 10, 30, { peerScript: true });
  const counted = queries.sensitivePaths({ from: 0, to: 1 }).aggs.paths.aggs.served.aggs.clients.cardinality;
  if (counted.field) return text(valueAt(document, counted.field));
  // The Painless source that cuts the port off the peer (the composite's own).
  const peer = text(valueAt(document, counted.script.params.field));
  return peer === undefined ? undefined : queries.addressing.hostOf(peer);
}

function ourReading(document: Document, profile: FieldProfile, json: boolean): Reading {
  const { fields } = profile;
  const field = (name: string | undefined) => (name === undefined ? undefined : valueAt(document, name));
  const reading: Reading = {
    client: ourClient(document, profile, []),
    counted_client: countedClient(document, profile),
    path: text(field(fields.path)),
    status: field(fields.status),
    user_agent: text(field(fields.user_agent)),
    time: milliseconds(field(fields.time)),
    host: text(field(fields.host)),
  };
  if (json) reading.client_behind_proxy = ourClient(document, profile, TRUSTED);
  return reading;
}

function measure(): Comparison {
  const comparison = new Comparison();
  for (const layout of LAYOUTS) {
    const profile = resolveFieldProfile(capsOf(layout), SETTINGS);
    const ours = profile.fields as Record<string, unknown>;
    comparison.readings(`${layout.name}:profile`, layout.profile, ours);
    const documents = read(layout.file).documents as Document[];
    for (const [index, document] of documents.entries())
      comparison.readings(
        `${layout.name}#${index}`,
        upstreamReading(document, layout.json),
        ourReading(document, profile, layout.json),
      );
  }
  return comparison;
}

describe('Filebeat and Elastic Agent Traefik documents, read by the Elasticsearch path', () => {
  it('agrees with every upstream document except the listed differences', (t) => {
    assertKnownDifferences(t, measure(), KNOWN_DIFFERENCES);
  });

  it('says at connect how many CLF documents beside JSON ones have a path no query reads', async () => {
    const layout = LAYOUTS.find((candidate) => candidate.name === 'agent-clf-mixed')!;
    const caps = capsOf(layout);
    const profile = resolveFieldProfile(caps, SETTINGS);
    const documents = read(layout.file).documents as Document[];
    let asked: SearchBody | undefined;
    const backend = {
      count: async (_index: string, query: SearchBody | undefined) => {
        asked = query;
        const unread = documents.filter((d) => valueAt(d, 'url.original') !== undefined && !valueAt(d, 'url.path'));
        return { body: { count: unread.length }, bytes: 0, elapsedMs: 0 };
      },
    };
    const warning = await unreadPathWarning(backend, SETTINGS.index_pattern, profile, caps);
    assert.match(warning ?? '', /^8 documents in logs-traefik\.access-\* have url\.original but no url\.path/);
    assert.deepEqual(asked?.bool.must_not, [{ exists: { field: 'url.path' } }]);
    // A data stream of CLF lines only maps no url.path: the profile reads url.original, nothing to say.
    const clf = LAYOUTS.find((candidate) => candidate.name === 'agent-clf')!;
    assert.equal(
      await unreadPathWarning(backend, 'i', resolveFieldProfile(capsOf(clf), SETTINGS), capsOf(clf)),
      undefined,
    );
  });
});
