import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { type FieldProfile, fieldCapsRequest, resolveFieldProfile } from './field-profile.ts';
import type { FieldCaps } from './search-backend.ts';
import { hostOf, ourClient, valueAt } from './testing/document-values.ts';
import { assertKnownDifferences, Comparison } from './testing/known-differences.ts';
import {
  otlpAttributes,
  realTraefikLines,
  SHIPPER_SHAPES,
  type ShipperShape,
  shipperDocument,
  type TraefikRecord,
  toJson,
  UNPARSED_SHAPES,
} from './testing/shipper-documents.ts';

/**
 * Traefik's real JSON access-log lines as the OpenTelemetry Collector's elasticsearchexporter (modes none, raw, ecs,
 * otel; Traefik's own OTLP records), Vector's elasticsearch sink and Fluentd's fluent-plugin-elasticsearch index
 * them, read the way the Elasticsearch path reads them: the profile resolved from the real `_field_caps` of those
 * documents on Elasticsearch 8.19 and OpenSearch 3.6 (`__fixtures__/shippers/field-caps.json`, narrowed to what
 * fieldCapsRequest asks), then each document's value of every field detection groups by, and the client as
 * ClientAddressing + ClientIpResolver make it of a composite bucket. Compared with what Traefik's line says.
 * Shapes whose line nothing parsed must be refused at connect with an error naming the field that holds the text.
 */

const RECORDED = JSON.parse(
  readFileSync(join(import.meta.dirname, '__fixtures__', 'shippers', 'field-caps.json'), 'utf8'),
) as Record<'elasticsearch' | 'opensearch', Record<ShipperShape, FieldCaps>>;
const ENGINES = ['elasticsearch', 'opensearch'] as const;
/** The real lines' peers are 127.0.0.x: behind a trusted proxy, only a forwarded value can name a client. */
const TRUSTED = ['127.0.0.0/8'];
const SETTINGS = { fields: {}, profile: 'auto' as const, index_pattern: 'traefik-*' };
/** The field holding the unparsed line, that the refusal must name. */
const UNPARSED_FIELD: Record<(typeof UNPARSED_SHAPES)[number], string> = {
  'otel-none-body': 'Body',
  'otel-otel-body': 'body.text',
  'vector-unparsed': 'message',
  'fluentd-docker-log': 'log',
};

type Document = Record<string, unknown>;

/** Only the fields our `_field_caps` request names (`*.RequestPath` matches a field under any object). */
function askedCaps(all: FieldCaps): FieldCaps {
  const asked = fieldCapsRequest({ fields: {} });
  const matches = (field: string) =>
    asked.some((name) => (name.startsWith('*.') ? field.endsWith(name.slice(1)) : field === name));
  return Object.fromEntries(Object.entries(all).filter(([field]) => matches(field)));
}

/** A date field's value as Elasticsearch reads it: ISO text, or epoch milliseconds (with a fraction). */
function milliseconds(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const textual = String(value);
  return /^\d+(\.\d+)?$/.test(textual) ? Math.floor(Number(textual)) : Date.parse(textual);
}

type Reading = Partial<
  Record<'client' | 'client_behind_proxy' | 'path' | 'status' | 'user_agent' | 'time' | 'host', unknown>
>;

/**
 * What Traefik's line says: the client is the TCP peer (ClientAddr); behind a trusted proxy ClientHost names it
 * unless it is itself trusted. The time: StartUTC, except where the shipper's own time is all there is as a date
 * (OTLP records carry StartUTC as int64 nanoseconds; the record's timestamp is when the request ended).
 */
function upstreamReading(record: TraefikRecord, document: Document, shape: ShipperShape): Reading {
  const peer = hostOf(String(record.ClientAddr));
  const forwarded = String(record.ClientHost);
  const trusted = new ClientIpResolver(TRUSTED);
  const peerTrusted = !trusted.resolve({ clientHost: peer }).ok;
  const forwardedTrusted = !trusted.resolve({ clientHost: forwarded }).ok;
  const otlp = shape.startsWith('otel-');
  return {
    client: peer,
    client_behind_proxy: !peerTrusted ? peer : !forwardedTrusted ? forwarded : null,
    path: record.RequestPath,
    status: record.DownstreamStatus,
    user_agent: record['request_User-Agent'],
    time: otlp ? milliseconds(document['@timestamp']) : Date.parse(String(record.StartUTC)),
    host: record.RequestHost,
  };
}

function ourReading(document: Document, profile: FieldProfile, engine: string): Reading {
  const { fields } = profile;
  const field = (name: string | undefined) => (name === undefined ? undefined : valueAt(document, name, engine));
  return {
    client: ourClient(document, profile, [], engine),
    client_behind_proxy: ourClient(document, profile, TRUSTED, engine),
    path: field(fields.path),
    status: field(fields.status),
    user_agent: field(fields.user_agent),
    time: milliseconds(field(fields.time)),
    host: field(fields.host),
  };
}

function measure(): Comparison {
  const comparison = new Comparison();
  const lines = realTraefikLines();
  for (const engine of ENGINES) {
    for (const shape of SHIPPER_SHAPES) {
      const documents = lines.map((line) => {
        const record = JSON.parse(line) as TraefikRecord;
        return { record, document: JSON.parse(toJson(shipperDocument(record, line, shape))) as Document };
      });
      let profile: FieldProfile | undefined;
      try {
        profile = resolveFieldProfile(askedCaps(RECORDED[engine][shape]), SETTINGS);
      } catch (error) {
        comparison.check(`${engine}/${shape}:profile`, false, (error as Error).message);
        continue;
      }
      for (const [index, { record, document }] of documents.entries()) {
        const upstream = upstreamReading(record, document, shape);
        const ours = ourReading(document, profile, engine);
        comparison.readings(`${engine}/${shape}#${index}`, upstream, ours, ` (${JSON.stringify(profile.fields)})`);
      }
    }
    for (const shape of UNPARSED_SHAPES) {
      const field = UNPARSED_FIELD[shape];
      let message = 'a profile was resolved';
      try {
        const profile = resolveFieldProfile(askedCaps(RECORDED[engine][shape]), SETTINGS);
        message = `resolved ${JSON.stringify(profile.fields)}`;
      } catch (error) {
        message = (error as Error).message;
      }
      const refused = message.includes(`${field} holds`) && /unparsed/.test(message);
      comparison.check(`${engine}/${shape}:refusal`, refused, `expected a refusal naming ${field}; got: ${message}`);
    }
  }
  return comparison;
}

/**
 * Known differences, `engine/shape#index:attribute` -> why. The test fails when a difference appears that is not
 * listed here, or when a listed one is gone (then remove it).
 */
const KNOWN_DIFFERENCES: Record<string, string> = {};

describe('Traefik JSON through the OpenTelemetry Collector, Vector and Fluentd, read by the Elasticsearch path', () => {
  it('agrees with every Traefik line except the listed differences, and refuses unparsed lines naming the field', (t) => {
    assertKnownDifferences(t, measure(), KNOWN_DIFFERENCES);
  });

  it("wraps Traefik's records in the exporter's own envelopes: only keys its test documents have, its timestamp formats", () => {
    const exporterDocument = (mode: string) =>
      JSON.parse(
        readFileSync(
          join(import.meta.dirname, '__fixtures__', 'shippers', 'elasticsearchexporter', `${mode}_log.json`),
          'utf8',
        ),
      ) as Document;
    const line = realTraefikLines()[4]!;
    const record = JSON.parse(line) as TraefikRecord;
    const attributeNames = new Set(Object.keys(otlpAttributes(record)));
    const modes = [
      { mode: 'none', shape: 'otel-none', attribute: (key: string) => key.startsWith('Attributes.') },
      { mode: 'raw', shape: 'otel-raw', attribute: (key: string) => attributeNames.has(key) },
      { mode: 'ecs', shape: 'otel-ecs', attribute: (key: string) => attributeNames.has(key) },
      { mode: 'otel', shape: 'otel-otel', attribute: (key: string) => key.startsWith('attributes.') },
    ] as const;
    for (const { mode, shape, attribute } of modes) {
      const upstream = exporterDocument(mode);
      const ours = JSON.parse(toJson(shipperDocument(record, line, shape))) as Document;
      const envelope = leaves(ours).filter((key) => !attribute(key));
      assert.deepEqual(
        envelope.filter((key) => !leaves(upstream).includes(key)),
        [],
        `${mode}: keys the exporter's document does not have`,
      );
      const format = (value: unknown) => String(value).replace(/\d/g, '0');
      assert.equal(format(ours['@timestamp']), format(upstream['@timestamp']), `${mode}: @timestamp format`);
      // Traefik's fields are where the mode puts attributes, with Traefik's names.
      const client =
        mode === 'none' ? 'Attributes.ClientAddr' : mode === 'otel' ? 'attributes.ClientAddr' : 'ClientAddr';
      assert.equal(valueAt(ours, client), '127.0.0.5:45896', mode);
    }
  });
});

/** Every leaf of a document as a dotted path (dotted keys and nested objects alike). */
function leaves(document: Document, prefix = ''): string[] {
  return Object.entries(document).flatMap(([key, value]) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? leaves(value as Document, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}
