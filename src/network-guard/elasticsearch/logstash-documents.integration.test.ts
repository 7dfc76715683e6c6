import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { IntegrationError } from '../../core/errors.ts';
import type { Incident } from '../../core/incident.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { parseTraefikLine } from '../traefik-log/parse-traefik-line.ts';
import { DetectionQueries } from './detection-queries.ts';
import { ElasticsearchDetector } from './elasticsearch-detector.ts';
import { scanElasticsearch } from './elasticsearch-source.ts';
import { connectProfile, fieldCapsRequest } from './field-profile.ts';
import { createSearchBackend, type SearchBody } from './search-backend.ts';
import { HOUR, scenario, searchEngines, T0, testAgent, uniqueSuffix } from './testing/es-test-setup.ts';
import { traefikClfLine } from './testing/logstash-traefik-documents.ts';
import {
  deleteIndex,
  indexDocuments,
  indexRequests,
  probes,
  type TestRequest,
  toDocument,
} from './testing/traefik-documents.ts';

/**
 * Traefik's CLF through Logstash's grok, against the real servers: the profile the mapping of Logstash's own templates
 * resolves to, and detection compared with the file detector reading the very lines grok parsed.
 */
const engines = await searchEngines();
const suffix = uniqueSuffix();
/** Every status class, on sensitive paths (statuses the unit test compares as text and as numbers). */
const STATUSES = [100, 200, 201, 204, 206, 299, 300, 301, 304, 399, 400, 401, 403, 404, 405, 418, 499, 500, 503];
const MIXED = '203.0.113.30';
/** A probe padded past the `.keyword` subfield's ignore_above (256) of the legacy template. */
const LONG_PATH = `/assets/${'a'.repeat(260)}/.env`;

function* traffic(): Generator<TestRequest> {
  yield* scenario(1500);
  yield* [...probes(MIXED, T0 + 15 * 60_000, STATUSES.length * 2, 20_000)].map((request, index) => ({
    ...request,
    status: STATUSES[index % STATUSES.length]!,
  }));
  yield { time: T0 + 45 * 60_000, ip: '203.0.113.31', path: LONG_PATH, status: 404, userAgent: 'curl/8.5.0' };
}

/** What an incident says, minus where and when it was computed. */
function project(incidents: Incident[]): Record<string, unknown> {
  const entries = incidents.map((incident) => {
    const { evidence } = incident;
    return [
      `${incident.ip} ${incident.threatType}`,
      {
        severity: incident.severity,
        requests: evidence.requests,
        sensitiveHits: evidence.sensitiveHits,
        statuses: evidence.statuses,
        scannerAgents: [...evidence.scannerAgents].sort(),
        distinctSensitivePaths: evidence.distinctSensitivePaths,
        topPaths: [...evidence.topPaths].sort((a, b) => a.path.localeCompare(b.path)),
      },
    ] as const;
  });
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/** The file detector on the CLF lines of the same requests, in time order as a log file has them. */
async function fileIncidents(requests: TestRequest[], url: string, trusted: string[] = []): Promise<Incident[]> {
  const agent = await testAgent({ 'elasticsearch.url': url, trusted_proxies: trusted });
  try {
    const resolver = new ClientIpResolver(trusted);
    for (const request of [...requests].sort((a, b) => a.time - b.time)) {
      const parsed = parseTraefikLine(traefikClfLine(request), { resolver });
      if (parsed.ok) agent.guard.observe([parsed.event]);
      else assert.equal(parsed.reason, 'unattributed', traefikClfLine(request));
    }
    await agent.guard.flush(true);
    return agent.runtime.store.incidents.list({ limit: 500 });
  } finally {
    agent.cleanup();
  }
}

/** Whether a status filter of the queries holds for a number, evaluated as Elasticsearch does on a numeric field. */
function holds(filter: SearchBody, field: string, status: number): boolean {
  if (filter.bool)
    return (
      (filter.bool.filter ?? []).every((clause: SearchBody) => holds(clause, field, status)) &&
      ![filter.bool.must_not ?? []].flat().some((clause: SearchBody) => holds(clause, field, status))
    );
  if (filter.term) return Number(filter.term[field]) === status;
  if (filter.terms) return (filter.terms[field] as unknown[]).map(Number).includes(status);
  if (filter.range) return status >= Number(filter.range[field].gte) && status < Number(filter.range[field].lt);
  throw new Error(`unexpected status filter ${JSON.stringify(filter)}`);
}

const EXPECTED = {
  'logstash-legacy': {
    fields: {
      time: '@timestamp',
      client_ip: 'clientip.keyword',
      path: 'request.keyword',
      status: 'response.keyword',
      user_agent: 'agent.keyword',
      method: 'verb.keyword',
      size: 'bytes.keyword',
    },
    status: 'keyword',
    skipped: 1,
  },
  'logstash-ecs': {
    fields: {
      time: '@timestamp',
      client_ip: 'source.address',
      peer: 'source.address',
      path: 'url.original',
      status: 'http.response.status_code',
      user_agent: 'user_agent.original',
      method: 'http.request.method',
      size: 'http.response.body.bytes',
    },
    status: 'long',
    skipped: 0,
  },
} as const;

for (const engine of engines) {
  describe(`Logstash grok documents against ${engine.name}`, () => {
    const indices: string[] = [];
    after(async () => {
      for (const index of indices) await deleteIndex(engine.url, index);
    });

    for (const layout of ['logstash-legacy', 'logstash-ecs'] as const) {
      it(`${layout}: the logstash profile, every scanner as the file detector finds it, keyword statuses counted as numbers`, async () => {
        const index = `${layout}-it-${suffix}`;
        indices.push(index);
        const requests = [...traffic()];
        const documents = await indexRequests(engine.url, index, layout, requests);
        const expected = EXPECTED[layout];
        const agent = await testAgent({ 'elasticsearch.url': engine.url, 'elasticsearch.index_pattern': index });
        try {
          const detector = await ElasticsearchDetector.connect(agent.config);
          const { profile } = detector;
          await detector.close();
          assert.equal(profile.name, 'logstash');
          assert.deepEqual(profile.fields, expected.fields);
          assert.equal(profile.types.status, expected.status);
          if (layout === 'logstash-ecs')
            assert.ok(
              profile.warnings.some((warning) => /url\.path is mapped .* but no document has it/.test(warning)),
            );

          const summary = await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR });
          assert.equal(summary.lines, documents);
          assert.equal(summary.skipped, expected.skipped, 'only the padded path (legacy keyword, ignore_above 256)');
          const found = project(agent.runtime.store.incidents.list({ limit: 500 }));
          assert.deepEqual(found, project(await fileIncidents(requests, engine.url)));
          assert.ok(`${MIXED} secrets_scanning` in found, Object.keys(found).join(', '));

          // The three status filters of the queries, on the whole index: the count a numeric status would give.
          const queries = new DetectionQueries(profile, defaultConfig().detection, 10, 30);
          const range = { from: T0, to: T0 + HOUR };
          const pairs = queries.sensitivePairs(range).aggs.pairs.aggs;
          const filters = [
            pairs.failures.filter,
            pairs.ok.filter,
            queries.sensitivePaths(range).aggs.paths.aggs.served.filter,
          ];
          for (const filter of filters) {
            const response = await fetch(`${engine.url}/${index}/_count`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: filter }),
            });
            const { count } = (await response.json()) as { count: number };
            const numeric = requests.filter((request) => holds(filter, profile.fields.status, request.status)).length;
            assert.equal(count, numeric, JSON.stringify(filter));
          }
        } finally {
          agent.cleanup();
        }
      });
    }

    if (engine.name === 'OpenSearch')
      it("the Elasticsearch output's ECS template installed on OpenSearch (url.original wildcard): a clear error at connect", async () => {
        const index = `logstash-ecs-wildcard-it-${suffix}`;
        indices.push(index);
        const documents = [...traffic()].map((request) => toDocument(request, 'logstash-ecs'));
        await indexDocuments(engine.url, index, 'logstash-ecs', documents, 5000, {
          flavor: 'elasticsearch',
          wildcard: true,
        });
        const agent = await testAgent({ 'elasticsearch.url': engine.url, 'elasticsearch.index_pattern': index });
        try {
          // OpenSearch turns each regexp on a wildcard field into trigram clauses: the sensitive-path filter is
          // past indices.query.bool.max_clause_count (1024), every window would fail.
          await assert.rejects(
            ElasticsearchDetector.connect(agent.config, { backoffMs: 5 }),
            (error: unknown) =>
              error instanceof IntegrationError &&
              !error.isRetryable &&
              /url\.original is mapped wildcard.*OpenSearch.*elasticsearch\.fields\.path/s.test(error.message),
          );
          // What a window would meet: the server's refusal, said as final (retries only repeat it).
          const backend = await createSearchBackend(agent.config.elasticsearch!);
          try {
            const caps = await backend.fieldCaps(index, fieldCapsRequest(agent.config.elasticsearch!));
            const profile = await connectProfile(backend, caps, agent.config.elasticsearch!);
            assert.equal(profile.types.path, 'wildcard');
            const detector = new ElasticsearchDetector(backend, profile, agent.config);
            await assert.rejects(
              detector.detect({ from: T0, to: T0 + HOUR }),
              (error: unknown) =>
                error instanceof IntegrationError &&
                !error.isRetryable &&
                /refuses the query: too_many_nested_clauses/.test(error.message),
            );
          } finally {
            await backend.close();
          }
        } finally {
          agent.cleanup();
        }
      });
  });
}
