import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { IntegrationError } from '../../core/errors.ts';
import { ElasticsearchDetector } from './elasticsearch-detector.ts';
import { scanElasticsearch } from './elasticsearch-source.ts';
import { HOUR, searchEngines, T0, testAgent, uniqueSuffix } from './testing/es-test-setup.ts';
import {
  SHIPPER_SHAPES,
  type ShipperShape,
  shipperDocument,
  shipperMapping,
  toJson,
  traefikRecord,
  UNPARSED_SHAPES,
} from './testing/shipper-documents.ts';
import {
  backgroundTraffic,
  deleteIndex,
  FORWARDING,
  indexDocuments,
  probes,
  type TestRequest,
} from './testing/traefik-documents.ts';

/**
 * Traefik's JSON records as the OpenTelemetry Collector's elasticsearchexporter (none, raw, ecs, otel), Vector and
 * Fluentd index them, against the real servers: a detection cycle over ordinary visitors, a scanner that forges
 * X-Forwarded-For and a scanner behind a trusted proxy finds exactly the two scanners, by the address the TCP peer
 * (or the trusted proxy's forwarded value) gives. Unparsed lines are refused at connect, naming the field.
 */
const engines = await searchEngines();
const suffix = uniqueSuffix();
const { FRAMED, ATTACKER, PROXY, BEHIND_PROXY } = FORWARDING;

function* traffic(): Generator<TestRequest> {
  let port = 40000;
  yield* [...backgroundTraffic(T0, T0 + HOUR, 600)].map((request) => ({ ...request, port: port++ }));
  // Ordinary visitors through the trusted proxy.
  for (let index = 0; index < 40; index++)
    yield {
      time: T0 + index * 60_000,
      ip: PROXY,
      forwardedFor: `198.18.9.${index}`,
      path: '/',
      status: 200,
      userAgent: 'Mozilla/5.0',
      port: port++,
    };
  // The attacker connects itself and claims to be 9.9.9.9; the other scanner comes through the proxy.
  yield* [...probes(ATTACKER, T0 + 60_000, 40, 500, { status: 404 })].map((request) => ({
    ...request,
    forwardedFor: FRAMED,
    port: port++,
  }));
  yield* [...probes(BEHIND_PROXY, T0 + 10 * 60_000, 40, 500, { status: 404 })].map((request) => ({
    ...request,
    ip: PROXY,
    forwardedFor: BEHIND_PROXY,
    port: port++,
  }));
}

function documents(requests: TestRequest[], shape: ShipperShape): Record<string, unknown>[] {
  return requests.map((request) => {
    const { record, line } = traefikRecord(request);
    return JSON.parse(toJson(shipperDocument(record, line, shape)));
  });
}

/** The shape's index: its mapping installed as the index's template (deleteIndex removes both). */
async function index(url: string, name: string, shape: ShipperShape, docs: Record<string, unknown>[]): Promise<void> {
  const root = await fetch(`${url}/`).then((response) => (response.ok ? response.json() : undefined));
  const flavor = (root as { version?: { distribution?: string } } | undefined)?.version?.distribution;
  const mappings = shipperMapping(shape, flavor === 'opensearch' ? 'opensearch' : 'elasticsearch');
  if (mappings) {
    const response = await fetch(`${url}/_index_template/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ index_patterns: [name], priority: 500, template: { mappings } }),
    });
    if (!response.ok) throw new Error(`template ${name}: ${response.status} ${await response.text()}`);
  }
  await indexDocuments(url, name, 'traefik-json', docs);
}

for (const engine of engines) {
  describe(`Traefik JSON through other shippers against ${engine.name}`, () => {
    const indices: string[] = [];
    after(async () => {
      for (const name of indices) await deleteIndex(engine.url, name);
    });

    for (const shape of SHIPPER_SHAPES) {
      it(`${shape}: the forging scanner and the scanner behind the proxy, by their real address; no visitor`, async () => {
        const name = `s18-shippers-${shape}-${suffix}`;
        indices.push(name);
        const requests = [...traffic()];
        await index(engine.url, name, shape, documents(requests, shape));
        const agent = await testAgent({
          'elasticsearch.url': engine.url,
          'elasticsearch.index_pattern': name,
          trusted_proxies: ['10.0.0.0/8'],
        });
        try {
          const detector = await ElasticsearchDetector.connect(agent.config);
          const { profile } = detector;
          await detector.close();
          assert.equal(profile.name, 'traefik-json');
          assert.match(profile.fields.peer ?? '', /ClientAddr/);
          const summary = await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR });
          assert.equal(summary.lines, requests.length);
          assert.equal(summary.skipped, 0);
          const incidents = agent.runtime.store.incidents.list({ limit: 100 });
          const blamed = [...new Set(incidents.map((incident) => incident.ip))].sort();
          assert.deepEqual(blamed, [ATTACKER, BEHIND_PROXY].sort(), JSON.stringify(profile.fields));
          for (const ip of [ATTACKER, BEHIND_PROXY]) {
            const incident = incidents.find((candidate) => candidate.ip === ip);
            assert.equal(incident?.threatType, 'secrets_scanning');
            assert.equal(incident?.evidence.sensitiveHits, 40);
          }
        } finally {
          agent.cleanup();
        }
      });
    }

    for (const shape of UNPARSED_SHAPES) {
      it(`${shape}: refused at connect, naming the field that holds the unparsed line`, async () => {
        const name = `s18-shippers-${shape}-${suffix}`;
        indices.push(name);
        await index(engine.url, name, shape, documents([...traffic()].slice(0, 50), shape));
        const agent = await testAgent({ 'elasticsearch.url': engine.url, 'elasticsearch.index_pattern': name });
        const field = {
          'otel-none-body': 'Body',
          'otel-otel-body': 'body.text',
          'vector-unparsed': 'message',
          'fluentd-docker-log': 'log',
        }[shape];
        try {
          await assert.rejects(
            ElasticsearchDetector.connect(agent.config, { backoffMs: 5 }),
            (error: unknown) =>
              error instanceof IntegrationError &&
              !error.isRetryable &&
              error.message.includes(`${field} holds`) &&
              /unparsed/.test(error.message),
          );
        } finally {
          agent.cleanup();
        }
      });
    }
  });
}
