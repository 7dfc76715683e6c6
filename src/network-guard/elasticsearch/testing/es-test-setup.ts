import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestbed } from '../../../../testbed/testbed-env.ts';
import { defaultConfig } from '../../../config/load-config.ts';
import type { Config } from '../../../config/schema.ts';
import { type AgentRuntime, openRuntime } from '../../agent-runtime.ts';
import { NetworkGuard } from '../../network-guard.ts';
import { backgroundTraffic, probes, type TestRequest } from './traefik-documents.ts';

export interface SearchEngineUnderTest {
  name: string;
  url: string;
}

/** The real servers to test against: ES_URL / ES9_URL / OPENSEARCH_URL when exported, else the running testbed. */
export async function searchEngines(): Promise<SearchEngineUnderTest[]> {
  let esUrl = process.env.ES_URL;
  let openSearchUrl = process.env.OPENSEARCH_URL;
  const es9Url = process.env.ES9_URL;
  if (!esUrl) {
    const env = await ensureTestbed();
    esUrl = env.esUrl;
    openSearchUrl ??= env.openSearchUrl;
  }
  return [
    { name: 'Elasticsearch 8', url: esUrl },
    ...(es9Url ? [{ name: 'Elasticsearch 9', url: es9Url }] : []),
    ...(openSearchUrl ? [{ name: 'OpenSearch', url: openSearchUrl }] : []),
  ];
}

export const T0 = Date.parse('2026-11-21T10:00:00Z');
export const HOUR = 3600_000;

/** Who is in the generated hour, and what a correct detector concludes about each. */
export const ACTORS = {
  burst: '203.0.113.5',
  slow: '203.0.113.6',
  exposure: '203.0.113.7',
  encoded: '203.0.113.8',
  ipv6Prefix: '2001:db8:aa:1::/64',
  benign: '198.18.200.1',
};

/** One hour of ordinary traffic with five kinds of scanner and a benign client who once hit /.env. */
export function* scenario(background = 3000): Generator<TestRequest> {
  yield* backgroundTraffic(T0, T0 + HOUR, background);
  yield* probes(ACTORS.burst, T0 + 5 * 60_000, 60, 500, {
    userAgent: 'nuclei - open-source project (github.com/projectdiscovery/nuclei)',
  });
  yield* probes(ACTORS.slow, T0 + 60_000, 6, 8 * 60_000, { status: 404 });
  yield* probes(ACTORS.exposure, T0 + 20 * 60_000, 1, 1000, { status: 200, paths: ['/.env'] });
  yield* probes(ACTORS.exposure, T0 + 21 * 60_000, 1, 1000, { status: 403, paths: ['/.git/config'] });
  yield* probes(ACTORS.encoded, T0 + 30 * 60_000, 12, 2000, {
    paths: ['/%2e%65nv', '/static/..%2f.git/config', '/.%65nv'],
  });
  for (let host = 1; host <= 6; host++)
    yield* probes(`2001:db8:aa:1::${host}`, T0 + 40 * 60_000 + host * 1000, 2, 3000, { status: 404 });
  for (let index = 0; index < 50; index++)
    yield { time: T0 + index * 60_000, ip: ACTORS.benign, path: '/api/items', status: 200, userAgent: 'Mozilla/5.0' };
  yield { time: T0 + 50 * 60_000, ip: ACTORS.benign, path: '/.env', status: 404, userAgent: 'Mozilla/5.0' };
}

export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export interface TestAgent {
  config: Config;
  runtime: AgentRuntime;
  guard: NetworkGuard;
  cleanup(): void;
}

/** A runtime (SQLite store, audit) and network guard in a temporary directory, configured for one index pattern. */
export async function testAgent(overrides: Record<string, unknown>, directory?: string): Promise<TestAgent> {
  const dir = directory ?? mkdtempSync(join(tmpdir(), 'devops-agent-es-'));
  const config = defaultConfig({
    mode: 'review',
    'database.path': join(dir, 'agent.db'),
    'audit.path': join(dir, 'audit.jsonl'),
    'blocking.blocker': 'none',
    'elasticsearch.max_retries': 1,
    'elasticsearch.ingest_delay': 0,
    'elasticsearch.llm_queries.investigate': false,
    ...overrides,
  });
  const runtime = await openRuntime(config);
  const guard = new NetworkGuard({ config, store: runtime.store, blocker: runtime.blocker, source: 'elasticsearch' });
  return {
    config,
    runtime,
    guard,
    cleanup: () => {
      runtime.close();
      if (!directory) rmSync(dir, { recursive: true, force: true });
    },
  };
}
