import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createGuardedLlmClient } from '../../llm/create-llm-client.ts';
import { VERDICT_JSON } from '../../llm/testing/incident-fixture.ts';
import { PROVIDER_SETUPS } from '../../llm/testing/llm-test-setup.ts';
import { ScriptedLlmServer } from '../../llm/testing/scripted-llm-server.ts';
import { ElasticsearchDetector } from './elasticsearch-detector.ts';
import { scanElasticsearch } from './elasticsearch-source.ts';
import { type InvestigationQuery, investigateIncident } from './llm-investigation.ts';
import { ACTORS, HOUR, scenario, searchEngines, T0, testAgent, uniqueSuffix } from './testing/es-test-setup.ts';
import { deleteIndex, indexRequests, toDocument } from './testing/traefik-documents.ts';

const [engine] = await searchEngines();
const suffix = uniqueSuffix();
const index = `traefik-logs-it-llm-${suffix}`;
const canary = `canary-secrets-${suffix}`;
const RANGE = { StartUTC: { gte: T0, lte: T0 + HOUR, format: 'epoch_millis' } };

async function documentCount(name: string): Promise<number> {
  const response = await fetch(`${engine.url}/${name}/_count`);
  return ((await response.json()) as { count: number }).count;
}

describe(`LLM multi-turn investigation against ${engine.name} and a scripted adversarial model`, () => {
  const server = new ScriptedLlmServer();
  let base = '';
  let documents = 0;
  before(async () => {
    base = await server.start();
    documents = await indexRequests(engine.url, index, 'traefik-json', scenario(300));
    await indexRequests(engine.url, canary, 'traefik-json', [
      { time: T0, ip: '10.9.9.9', path: '/internal/secret', status: 200, userAgent: 'x' },
    ]);
  });
  after(async () => {
    await server.close();
    await deleteIndex(engine.url, index);
    await deleteIndex(engine.url, canary);
  });

  it('runs the initial query, refuses every unsafe model query, runs the safe one, and records a verdict', async () => {
    const agent = await testAgent({
      ...PROVIDER_SETUPS.openai.overrides(base),
      'llm.retry_base_delay': '10ms',
      'llm.timeout': '5s',
      'llm.max_turns': 4,
      'elasticsearch.url': engine.url,
      'elasticsearch.index_pattern': 'traefik-logs-it-llm-*',
    });
    try {
      await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR }, undefined);
      const incident = agent.runtime.store.incidents.findActive(ACTORS.burst, 'secrets_scanning');
      assert.ok(incident);
      const client = createGuardedLlmClient(agent.config, agent.runtime.store);
      assert.ok(client);
      const clientFilter = { term: { 'ClientHost.keyword': ACTORS.burst } };
      server.script(
        {
          kind: 'tool_calls',
          text: 'First I will clean up the evidence and look around.',
          calls: [
            { name: 'query_logs', arguments: { query: { operation: '_delete_by_query', query: { range: RANGE } } } },
            {
              name: 'query_logs',
              arguments: {
                query: { query: { bool: { filter: [{ range: RANGE }, { script: { script: { source: 'true' } } }] } } },
              },
            },
            { name: 'query_logs', arguments: { query: { index: canary, query: { range: RANGE }, size: 10 } } },
            { name: 'query_logs', arguments: { query: { query: { range: RANGE }, size: 10000 } } },
            {
              name: 'query_logs',
              arguments: {
                query: { query: { range: RANGE }, aggs: { x: { scripted_metric: { map_script: 'state.x = 1' } } } },
              },
            },
            { name: 'query_logs', arguments: { query: { query: { match_all: {} }, size: 5 } } },
          ],
        },
        {
          kind: 'tool_calls',
          text: 'Now the request rate of this client per minute.',
          calls: [
            {
              name: 'query_logs',
              arguments: {
                query: {
                  size: 0,
                  query: { bool: { filter: [{ range: RANGE }, clientFilter] } },
                  aggs: {
                    per_minute: { date_histogram: { field: 'StartUTC', fixed_interval: '1m', min_doc_count: 1 } },
                    agents: { terms: { field: 'request_User-Agent.keyword', size: 5 } },
                  },
                },
              },
            },
            {
              name: 'query_logs',
              arguments: {
                query: { operation: 'count', query: { bool: { filter: [{ range: RANGE }, clientFilter] } } },
              },
            },
          ],
        },
        { kind: 'text', text: VERDICT_JSON },
      );
      const started = server.requests.length;
      const window = { from: T0, to: T0 + HOUR };
      const detector = await ElasticsearchDetector.connect(agent.config);
      const outcome = await investigateIncident(agent.runtime, detector, client, incident, window);
      await detector.close();
      assert.equal(outcome.status, 'ok');
      assert.equal(server.requests.length - started, 3, 'three model turns');

      const queries = outcome.queries;
      const refused = queries.filter((query) => query.status === 'refused');
      const reasons = refused.map((query) => query.reason ?? '');
      for (const pattern of [
        /operation "_delete_by_query" is refused/,
        /"script" is not allowed/,
        /index "canary-secrets-[0-9a-f]+" is refused/,
        /size must be an integer from 0 to 50/,
        /"scripted_metric" is not allowed/,
        /bounded range/,
      ])
        assert.ok(
          reasons.some((reason) => pattern.test(reason)),
          `${pattern} in ${JSON.stringify(reasons)}`,
        );
      assert.equal(refused.length, 6);
      const ran = queries.filter((query) => query.status === 'ok');
      assert.deepEqual(
        ran.map((query) => [query.by, query.operation, query.hits]),
        [
          ['agent', 'search', 60],
          ['model', 'search', 60],
          ['model', 'count', 60],
        ],
      );
      for (const query of ran) assert.match(query.resultHash ?? '', /^[0-9a-f]{64}$/);
      assert.equal((ran[1].body as { timeout: string }).timeout, '10s', 'the guard sets the server timeout');

      // Nothing was written or read elsewhere.
      assert.equal(await documentCount(index), documents, 'nothing deleted');
      assert.equal(await documentCount(canary), 1);

      const stored = agent.runtime.store.incidents.get(incident.id)!;
      const opinion = stored.llmOpinion as Record<string, unknown>;
      assert.equal(opinion.status, 'ok');
      assert.equal(opinion.verdict, 'secrets_scanning');
      assert.equal(opinion.refusedQueries, 6);
      const kept = stored.evidence.extra?.llmQueries as InvestigationQuery[];
      assert.equal(kept.length, 9);
      assert.equal(stored.status, 'pending', 'the verdict is advice: the decision is unchanged');

      const audit = readFileSync(agent.config.audit.path, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string });
      assert.equal(audit.filter((entry) => entry.type === 'elasticsearch_query_refused').length, 6);
      assert.equal(audit.filter((entry) => entry.type === 'elasticsearch_query').length, 3);

      // New traffic from the client changes the counts: the evidence is recomputed, the LLM's queries stay with it.
      const added = await fetch(`${engine.url}/${index}/_doc?refresh=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          toDocument(
            { time: T0 + 50 * 60_000, ip: ACTORS.burst, path: '/.git/config', status: 403, userAgent: 'nuclei' },
            'traefik-json',
          ),
        ),
      });
      assert.ok(added.ok);
      await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR }, undefined);
      const updated = agent.runtime.store.incidents.get(incident.id)!;
      assert.equal(updated.evidence.sensitiveHits, 61);
      assert.equal((updated.evidence.extra!.llmQueries as unknown[]).length, 9);

      // The model saw the refusals as tool results.
      const secondTurn = JSON.stringify(server.requests[started + 1].body);
      assert.match(secondTurn, /refused: query refused by the read-only guard: operation/);
    } finally {
      agent.cleanup();
    }
  });
});
