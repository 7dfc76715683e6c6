import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { VERDICT_JSON } from '../../llm/testing/incident-fixture.ts';
import { PROVIDER_SETUPS } from '../../llm/testing/llm-test-setup.ts';
import { ScriptedLlmServer, type ScriptStep } from '../../llm/testing/scripted-llm-server.ts';
import { startGuardInvestigations } from '../guard-investigations.ts';
import { InvestigationStore } from '../investigation/investigation-store.ts';
import { cursorKey, watchElasticsearch } from './elasticsearch-source.ts';
import { HOUR, searchEngines, T0, testAgent, uniqueSuffix } from './testing/es-test-setup.ts';
import {
  backgroundTraffic,
  deleteIndex,
  indexRequests,
  probes,
  type TestRequest,
} from './testing/traefik-documents.ts';

const [engine] = await searchEngines();
const suffix = uniqueSuffix();
const RANGE = { StartUTC: { gte: T0, lte: T0 + HOUR, format: 'epoch_millis' } };
const BENIGN_JSON = JSON.stringify({
  verdict: 'benign',
  confidence: 0.7,
  reasons: ['the site owner runs this audit every week'],
  recommended_action: 'none',
});

/**
 * The daemon's Elasticsearch path end to end: indexed Traefik documents -> watch cycles -> incidents -> background
 * investigation (guarded DSL queries against the real cluster, the other agent tools) -> confirmation -> block,
 * against a loopback server speaking OpenAI's chat completions.
 */
describe(`Elasticsearch watch: investigations in the background against ${engine.name}`, () => {
  const server = new ScriptedLlmServer();
  const indices: string[] = [];
  let base = '';
  before(async () => {
    base = await server.start();
  });
  after(async () => {
    await server.close();
    for (const index of indices) await deleteIndex(engine.url, index);
  });

  /** One index of `requests`, the agent in auto mode watching it, until `check` holds. */
  async function watch(name: string, requests: Iterable<TestRequest>, overrides: Record<string, unknown> = {}) {
    const index = `traefik-logs-it-watch-${name}-${suffix}`;
    indices.push(index);
    await indexRequests(engine.url, index, 'traefik-json', requests);
    const dir = mkdtempSync(join(tmpdir(), 'devops-agent-es-watch-'));
    const denylistPath = join(dir, 'denylist.yaml');
    const agent = await testAgent(
      {
        ...PROVIDER_SETUPS.openai.overrides(base),
        mode: 'auto',
        'llm.retry_base_delay': '10ms',
        'llm.timeout': '5s',
        'llm.max_retries': 0,
        'llm.investigation_concurrency': 1,
        'elasticsearch.url': engine.url,
        'elasticsearch.index_pattern': index,
        'elasticsearch.interval': '100ms',
        'elasticsearch.llm_queries.investigate': true,
        'blocking.blocker': 'traefik-file',
        'blocking.traefik_file.path': denylistPath,
        ...overrides,
      },
      dir,
    );
    const investigations = await startGuardInvestigations(agent.runtime, agent.guard);
    const controller = new AbortController();
    let clock = T0 + HOUR;
    const cursors: number[] = [];
    const watching = watchElasticsearch(agent.runtime, agent.guard, controller.signal, {
      now: () => (clock += 1000),
      log: () => {},
      onDetector: investigations.onDetector,
    });
    const key = cursorKey(engine.url, index);
    const sampler = setInterval(() => {
      const until = agent.runtime.store.positions.get<{ until: number }>(key)?.until;
      if (until !== undefined && until !== cursors.at(-1)) cursors.push(until);
    }, 20);
    return {
      agent,
      cursors,
      store: new InvestigationStore(agent.runtime.store),
      denylist: () => {
        try {
          return readFileSync(denylistPath, 'utf8');
        } catch {
          return '';
        }
      },
      audit: () =>
        readFileSync(agent.config.audit.path, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> }),
      until: async <T>(check: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const value = check();
          if (value) return value;
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await sleep(20);
        }
      },
      stop: async () => {
        clearInterval(sampler);
        controller.abort();
        await watching;
        await investigations.queue?.stop();
        agent.cleanup();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  const scanner = (ip: string) => probes(ip, T0 + 5 * 60_000, 30, 1000, { status: 404 });
  function* traffic(...ips: string[]): Generator<TestRequest> {
    yield* backgroundTraffic(T0, T0 + HOUR, 200);
    for (const ip of ips) yield* scanner(ip);
  }

  it('a benign verdict leaves the incident pending; the model queried Elasticsearch through the guard', async () => {
    server.clearScript();
    server.script(
      {
        kind: 'tool_calls',
        calls: [
          {
            name: 'query_logs',
            arguments: {
              query: {
                operation: 'count',
                query: { bool: { filter: [{ range: RANGE }, { term: { 'ClientHost.keyword': '203.0.113.31' } }] } },
              },
            },
          },
        ],
      },
      { kind: 'text', text: BENIGN_JSON },
    );
    const run = await watch('benign', traffic('203.0.113.31'));
    try {
      const incident = await run.until(
        () => run.agent.runtime.store.incidents.findActive('203.0.113.31', 'secrets_scanning'),
        'the incident',
      );
      await run.until(() => run.store.get(incident.id)?.state === 'done', 'the investigation');
      assert.equal(run.store.get(incident.id)?.confirmation, 'not_scanning');
      assert.equal(run.agent.runtime.store.incidents.get(incident.id)?.status, 'pending');
      assert.doesNotMatch(run.denylist(), /203\.0\.113\.31/);
      const queries = run.agent.runtime.store.incidents.get(incident.id)?.evidence.extra?.llmQueries as Array<{
        by: string;
        status: string;
        hits?: number;
      }>;
      assert.deepEqual(
        queries.map((query) => [query.by, query.status, query.hits]),
        [
          ['agent', 'ok', 30],
          ['model', 'ok', 30],
        ],
      );
      const tools = (server.requests.at(-1)!.body as { tools: Array<{ function: { name: string } }> }).tools;
      assert.deepEqual(
        tools.map((tool) => tool.function.name),
        ['query_logs', 'check_allowlist', 'apply_block'],
      );
    } finally {
      await run.stop();
    }
  });

  it('a scanning verdict blocks; apply_block on allowlisted, trusted-proxy and never-seen addresses is refused and audited', async () => {
    server.clearScript();
    const steps: ScriptStep[] = [
      {
        kind: 'tool_calls',
        calls: [
          { name: 'apply_block', arguments: { target: '203.0.113.60', reason: 'allowlisted' } },
          { name: 'apply_block', arguments: { target: '198.51.100.7', reason: 'proxy' } },
          { name: 'apply_block', arguments: { target: '192.0.2.201', reason: 'never seen' } },
        ],
      },
      { kind: 'text', text: VERDICT_JSON },
    ];
    server.script(...steps);
    const run = await watch('scanning', traffic('203.0.113.32'), { trusted_proxies: ['198.51.100.7'] });
    run.agent.runtime.store.allowlist.add('203.0.113.60', 'office');
    try {
      const incident = await run.until(
        () => run.agent.runtime.store.incidents.findActive('203.0.113.32', 'secrets_scanning'),
        'the incident',
      );
      await run.until(() => run.agent.runtime.store.incidents.get(incident.id)?.status === 'blocked', 'the block');
      assert.equal(run.store.get(incident.id)?.confirmation, 'scanning');
      assert.match(run.denylist(), /203\.0\.113\.32/);
      const refused = run.audit().filter((entry) => entry.type === 'llm_block_refused');
      assert.deepEqual(
        refused.map((entry) => entry.data.rule),
        ['allowlisted', 'trusted_proxy', 'no_evidence'],
      );
      assert.equal(run.denylist().match(/203\.0\.113\.60|198\.51\.100\.7|192\.0\.2\.201/), null);
    } finally {
      await run.stop();
    }
  });

  it('a hanging model: the cursor moves on, and the block happens once llm.confirm_timeout passes', async () => {
    server.clearScript();
    server.script({ kind: 'hang' });
    const run = await watch('hang', traffic('203.0.113.33'), { 'llm.confirm_timeout': '2s' });
    try {
      const incident = await run.until(
        () => run.agent.runtime.store.incidents.findActive('203.0.113.33', 'secrets_scanning'),
        'the incident',
      );
      const cursorsAtDetection = run.cursors.length;
      await run.until(
        () => run.agent.runtime.store.incidents.get(incident.id)?.status === 'blocked',
        'the block',
        5_000,
      );
      assert.equal(run.store.get(incident.id)?.confirmation, 'timeout');
      assert.ok(
        run.cursors.length >= cursorsAtDetection + 2,
        `the cursor moved ${run.cursors.length - cursorsAtDetection} times while the model hung`,
      );
    } finally {
      await run.stop();
    }
  });

  it('200 incidents in one window: all created before the model answered a few, all investigated or marked', async () => {
    server.clearScript();
    server.script(...Array.from({ length: 260 }, () => ({ kind: 'text' as const, text: VERDICT_JSON, delayMs: 50 })));
    const ips = Array.from({ length: 200 }, (_, index) => `198.51.100.${index + 1}`);
    const requestsBefore = server.requests.length;
    const run = await watch('many', traffic(...ips), {
      'llm.investigation_concurrency': 4,
      'llm.investigation_queue_size': 50,
      'llm.investigation_retry_interval': '1s',
      'llm.confirm_timeout': '30s',
    });
    try {
      await run.until(() => run.agent.runtime.store.incidents.list({ limit: 1000 }).length >= 200, '200 incidents');
      const answered = server.requests.length - requestsBefore;
      assert.ok(answered < 50, `all 200 incidents existed when the model had had ${answered} requests`);
      for (const incident of run.agent.runtime.store.incidents.list({ limit: 1000 })) {
        const row = run.store.get(incident.id);
        assert.ok(row && (row.state !== 'not_investigated' || row.reason), `incident ${incident.id} is accounted for`);
      }
      await run.until(() => run.store.countsByState().done === 200, 'every investigation done', 120_000);
      assert.equal(run.agent.runtime.store.incidents.list({ status: 'blocked', limit: 1000 }).length, 200);
    } finally {
      await run.stop();
    }
  });
});
