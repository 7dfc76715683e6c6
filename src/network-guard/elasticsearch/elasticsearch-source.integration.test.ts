import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client as Elasticsearch9Client } from '@elastic/elasticsearch';
import { IntegrationError } from '../../core/errors.ts';
import type { Incident } from '../../core/incident.ts';
import { ElasticsearchDetector } from './elasticsearch-detector.ts';
import { cursorKey, runCycle, scanElasticsearch, watchElasticsearch } from './elasticsearch-source.ts';
import type { ProfileName } from './field-profile.ts';
import { createSearchBackend } from './search-backend.ts';
import { ACTORS, HOUR, scenario, searchEngines, T0, testAgent, uniqueSuffix } from './testing/es-test-setup.ts';
import { closedPortUrl, FaultProxy, makeTestCertificates } from './testing/fault-proxy.ts';
import {
  type DocumentLayout,
  deleteIndex,
  indexRequests,
  probes,
  type TestRequest,
} from './testing/traefik-documents.ts';

const engines = await searchEngines();
const suffix = uniqueSuffix();
/**
 * The layouts Traefik logs reach Elasticsearch in: one per profile, Traefik's JSON nested by a shipper, and Traefik's
 * CLF through Logstash's grok in both its modes (legacy strings under the `ecs-disabled` template, ECS under the
 * `ecs-logstash` template that declares url.path, source.ip and network.forwarded_ip grok never fills).
 */
const LAYOUTS: Array<{
  name: DocumentLayout | 'traefik-json-nested';
  layout: DocumentLayout;
  profile: ProfileName;
  nest?: string;
}> = [
  { name: 'traefik-json', layout: 'traefik-json', profile: 'traefik-json' },
  { name: 'traefik-json-nested', layout: 'traefik-json', profile: 'traefik-json', nest: 'json' },
  { name: 'elastic-agent', layout: 'elastic-agent', profile: 'elastic-agent' },
  { name: 'filebeat', layout: 'filebeat', profile: 'filebeat' },
  { name: 'logstash-legacy', layout: 'logstash-legacy', profile: 'logstash' },
  { name: 'logstash-ecs', layout: 'logstash-ecs', profile: 'logstash' },
];

function byKey(incidents: Incident[]): Map<string, Incident> {
  return new Map(incidents.map((incident) => [`${incident.ip} ${incident.threatType}`, incident]));
}

for (const engine of engines) {
  describe(`Elasticsearch source against ${engine.name}`, () => {
    const indices: string[] = [];
    after(async () => {
      for (const index of indices) await deleteIndex(engine.url, index);
    });

    for (const { name, layout, profile, nest } of LAYOUTS) {
      it(`detects every scanner in ${name} documents, like the file detector, and a rescan changes nothing`, async () => {
        const index = `traefik-logs-it-${name}-${suffix}`;
        indices.push(index);
        const documents = await indexRequests(engine.url, index, layout, scenario(), 5000, nest);
        const agent = await testAgent({
          'elasticsearch.url': engine.url,
          'elasticsearch.index_pattern': `traefik-logs-it-${name}-${suffix}*`,
          'elasticsearch.kibana_url': 'https://kibana.example.com',
        });
        try {
          const progress: number[] = [];
          const summary = await scanElasticsearch(
            agent.runtime,
            agent.guard,
            { from: T0, to: T0 + HOUR },
            (step) => progress.push(step.documents),
            {},
          );
          assert.equal(summary.lines, documents);
          assert.equal(summary.skipped, 0);
          assert.deepEqual(progress, [documents]);
          const incidents = byKey(agent.runtime.store.incidents.list({ limit: 500 }));
          assert.deepEqual(
            [...incidents.keys()].sort(),
            [
              `${ACTORS.burst} secrets_scanning`,
              `${ACTORS.slow} secrets_scanning`,
              `${ACTORS.exposure} secret_exposure`,
              `${ACTORS.encoded} secrets_scanning`,
              `${ACTORS.ipv6Prefix} secrets_scanning`,
            ].sort(),
          );
          const burst = incidents.get(`${ACTORS.burst} secrets_scanning`)!;
          assert.equal(burst.severity, 'high');
          assert.equal(burst.status, 'pending');
          assert.equal(burst.evidence.sensitiveHits, 60);
          assert.equal(burst.evidence.requests, 60);
          assert.deepEqual(burst.evidence.statuses, { '403': 60 });
          assert.deepEqual(burst.evidence.scannerAgents, ['nuclei']);
          assert.ok(burst.evidence.peakPerMinute >= 60);
          assert.ok(burst.evidence.reasons.some((reason) => /more than 50 sensitive-path requests/.test(reason)));
          assert.ok(burst.evidence.reasons.some((reason) => /scanner user agent \(nuclei\)/.test(reason)));
          assert.equal(burst.evidence.source, 'elasticsearch');
          assert.equal(burst.evidence.samples.length, 2);
          const extra = burst.evidence.extra as Record<string, unknown>;
          assert.equal(extra.profile, profile);
          assert.match(String(extra.resultHash), /^[0-9a-f]{64}$/);
          assert.match(String(extra.kibanaUrl), /^https:\/\/kibana\.example\.com\/app\/discover#/);
          const hitCounts = extra.hitCounts as Record<string, number>;
          assert.equal(hitCounts.documents_in_range, documents);
          assert.ok(hitCounts.sensitive_paths_by_client >= 60 + 6 + 2 + 12 + 12 + 1);
          for (const query of extra.queries as Array<{ body: { size?: number } }>)
            assert.ok(query.body.size === 0 || query.body.size === undefined, 'detection never fetches documents');

          const slow = incidents.get(`${ACTORS.slow} secrets_scanning`)!;
          assert.equal(slow.evidence.distinctSensitivePaths, 6);
          assert.equal(slow.severity, 'medium');
          const exposure = incidents.get(`${ACTORS.exposure} secret_exposure`)!;
          assert.equal(exposure.severity, 'critical');
          assert.match(exposure.evidence.reasons[0], /\/\.env/);
          const encoded = incidents.get(`${ACTORS.encoded} secrets_scanning`)!;
          assert.deepEqual(
            encoded.evidence.topPaths.map((path) => path.path).sort(),
            ['/.env', '/.git/config'],
            'encoded paths are decoded and normalised like the file source',
          );
          const ipv6 = incidents.get(`${ACTORS.ipv6Prefix} secrets_scanning`)!;
          assert.equal(ipv6.evidence.sensitiveHits, 12);

          const created = agent.runtime.store.audit.verify();
          assert.ok(created.ok && created.entries >= 5);
          const again = await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR }, undefined, {});
          assert.equal(again.lines, documents);
          assert.equal(agent.runtime.store.incidents.list({ limit: 500 }).length, 5, 'no duplicate incidents');
          assert.equal(
            agent.runtime.store.audit.verify().entries,
            created.entries,
            'an unchanged rescan writes nothing',
          );
        } finally {
          agent.cleanup();
        }
      });
    }

    it('pages composite aggregations past the bucket limit: 50 scanners with page_size 10', async () => {
      const index = `traefik-logs-it-paging-${suffix}`;
      indices.push(index);
      const requests: TestRequest[] = [];
      for (let host = 1; host <= 50; host++)
        requests.push(...probes(`192.0.2.${host}`, T0 + host * 1000, 12, 5000, { status: 404 }));
      await indexRequests(engine.url, index, 'elastic-agent', requests);
      const agent = await testAgent({
        'elasticsearch.url': engine.url,
        'elasticsearch.index_pattern': index,
        'elasticsearch.page_size': 10,
      });
      try {
        const detector = await ElasticsearchDetector.connect(agent.config);
        try {
          const result = await detector.detect({ from: T0, to: T0 + HOUR });
          assert.equal(result.findings.length, 50);
          const sensitive = result.queries.find((query) => query.name === 'sensitive_paths_by_client')!;
          assert.equal(sensitive.buckets, 50 * 8);
          assert.ok(sensitive.pages >= 40, `${sensitive.pages} pages`);
          const activity = result.queries.filter((query) => query.name === 'activity_by_client');
          assert.equal(
            activity.reduce((sum, query) => sum + query.buckets, 0),
            50,
          );
        } finally {
          await detector.close();
        }
      } finally {
        agent.cleanup();
      }
    });
  });
}

describe('Elasticsearch cycles, restarts and faults', () => {
  const engine = engines[0];
  const index = `traefik-logs-it-faults-${suffix}`;
  let documents = 0;
  before(async () => {
    documents = await indexRequests(engine.url, index, 'traefik-json', scenario(500));
  });
  after(async () => {
    await deleteIndex(engine.url, index);
  });

  it('cycles with overlap, a restart and a long outage neither miss nor duplicate incidents', async () => {
    const agent = await testAgent({ 'elasticsearch.url': engine.url, 'elasticsearch.index_pattern': index });
    const key = cursorKey(engine.url, index);
    try {
      const first = await ElasticsearchDetector.connect(agent.config);
      // 10:30: the burst scanner (10:05) and the exposure (10:20) are in the window; later ones not yet.
      await runCycle(agent.runtime, agent.guard, first, T0 + 30 * 60_000);
      assert.equal(agent.runtime.store.positions.get<{ until: number }>(key)?.until, T0 + 30 * 60_000);
      const early = agent.runtime.store.incidents.list({ limit: 500 }).map((incident) => incident.ip);
      assert.ok(early.includes(ACTORS.burst));
      assert.ok(!early.includes(ACTORS.encoded));
      await runCycle(agent.runtime, agent.guard, first, T0 + 31 * 60_000);
      await first.close();
      // Restart: a new detector with the same store continues from the cursor.
      const second = await ElasticsearchDetector.connect(agent.config);
      const results = await runCycle(agent.runtime, agent.guard, second, T0 + 70 * 60_000);
      assert.ok(results.length >= 2, 'the span since the cursor is evaluated window by window');
      // A long outage: catch up over several windows.
      const late = await runCycle(agent.runtime, agent.guard, second, T0 + 6 * HOUR);
      assert.ok(late.length >= 10);
      await second.close();
      const incidents = agent.runtime.store.incidents.list({ limit: 500 });
      assert.equal(incidents.length, 5);
      assert.equal(new Set(incidents.map((incident) => `${incident.ip} ${incident.threatType}`)).size, 5);
      const burst = incidents.find((incident) => incident.ip === ACTORS.burst)!;
      assert.equal(burst.evidence.sensitiveHits, 60, 'overlapping windows never double-count');
      assert.equal(agent.runtime.store.positions.get<{ until: number }>(key)?.until, T0 + 6 * HOUR);
    } finally {
      agent.cleanup();
    }
  });

  it('an incident resolved by a human stays resolved: the overlapping windows re-reading its documents reopen nothing', async () => {
    const own = `traefik-logs-it-resolved-${suffix}`;
    const scanner = '203.0.113.66';
    const now = Date.now();
    await indexRequests(engine.url, `${own}-a`, 'traefik-json', probes(scanner, now - 20 * 60_000, 30, 1000));
    const agent = await testAgent({ 'elasticsearch.url': engine.url, 'elasticsearch.index_pattern': `${own}-*` });
    try {
      const detector = await ElasticsearchDetector.connect(agent.config);
      await runCycle(agent.runtime, agent.guard, detector, now - 10 * 60_000);
      const [incident] = agent.runtime.store.incidents.list({ limit: 10 });
      assert.equal(incident?.ip, scanner);
      agent.runtime.store.incidents.setStatus(incident.id, 'resolved', undefined, 'unblocked by a human');
      // The next cycles' windows still hold the same 30 documents.
      await runCycle(agent.runtime, agent.guard, detector, now - 9 * 60_000);
      await runCycle(agent.runtime, agent.guard, detector, now + 1000);
      assert.equal(agent.runtime.store.incidents.findActive(scanner, 'secrets_scanning'), undefined);
      assert.equal(agent.runtime.store.incidents.list({ limit: 10 }).length, 1, 'no new incident from old documents');
      // Probing again after the resolution is new activity: a new incident.
      await indexRequests(engine.url, `${own}-b`, 'traefik-json', probes(scanner, Date.now() + 2000, 30, 100));
      await runCycle(agent.runtime, agent.guard, detector, Date.now() + 10_000);
      assert.ok(agent.runtime.store.incidents.findActive(scanner, 'secrets_scanning'), 'later probes reopen');
      await detector.close();
    } finally {
      agent.cleanup();
      await deleteIndex(engine.url, `${own}-a`);
      await deleteIndex(engine.url, `${own}-b`);
    }
  });

  it('a backfill over many overlapping windows counts each document once and each incident once', async () => {
    const agent = await testAgent({ 'elasticsearch.url': engine.url, 'elasticsearch.index_pattern': index });
    try {
      const windows: number[] = [];
      const summary = await scanElasticsearch(
        agent.runtime,
        agent.guard,
        { from: T0 - 2 * HOUR, to: T0 + 4 * HOUR },
        (progress) => windows.push(progress.windowsTotal),
        {},
      );
      assert.equal(windows.length, 11, 'six hours in one-hour windows stepping by half an hour');
      assert.equal(summary.lines, documents);
      assert.equal(summary.skipped, 0);
      const incidents = agent.runtime.store.incidents.list({ limit: 500 });
      assert.equal(incidents.length, 5);
      assert.equal(incidents.find((incident) => incident.ip === ACTORS.burst)?.evidence.sensitiveHits, 60);
    } finally {
      agent.cleanup();
    }
  });

  it('a scanner back for /.env every three hours is one incident across windows, as in the file path', async () => {
    const returningIndex = `traefik-logs-it-returning-${suffix}`;
    const scanner = '198.51.100.77';
    const agent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/81.0.4044.129 Safari/537.36';
    // The Androxgh0st pattern: GET /.env, then POST /, once per visit; a poller refused every ten minutes beside it.
    const requests: TestRequest[] = [0, 3, 6].flatMap((hours) => [
      { time: T0 + hours * HOUR, ip: scanner, path: '/.env', status: 404, userAgent: agent },
      { time: T0 + hours * HOUR + 1000, ip: scanner, path: '/', status: 200, userAgent: agent, method: 'POST' },
    ]);
    for (let minute = 0; minute < 8 * 60; minute += 10)
      requests.push({
        time: T0 + minute * 60_000,
        ip: '198.51.100.78',
        path: '/api/v1/secrets',
        status: 401,
        userAgent: 'python-requests/2.32',
      });
    await indexRequests(engine.url, returningIndex, 'traefik-json', requests);
    const tested = await testAgent({ 'elasticsearch.url': engine.url, 'elasticsearch.index_pattern': returningIndex });
    try {
      await scanElasticsearch(tested.runtime, tested.guard, { from: T0 - HOUR, to: T0 + 8 * HOUR }, undefined, {});
      const incidents = tested.runtime.store.incidents.list({ limit: 50 });
      assert.deepEqual(
        incidents.map((incident) => [incident.ip, incident.threatType, incident.severity]),
        [[scanner, 'secrets_scanning', 'medium']],
        'the poller is one long visit',
      );
      assert.ok(incidents[0]!.evidence.reasons.some((reason) => reason.includes('3+ separate visits')));
    } finally {
      tested.cleanup();
      await deleteIndex(engine.url, returningIndex);
    }
  });

  it('a scanner back for /.env on a single-page app (its index answered) is one incident, as in the file path', async () => {
    const spaIndex = `traefik-logs-it-returning-spa-${suffix}`;
    const scanner = '198.51.100.79';
    const agent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/81.0.4044.129 Safari/537.36';
    const host = 'app.example';
    const index = (time: number, ip: string, path: string): TestRequest => ({
      time,
      ip,
      path,
      status: 200,
      userAgent: agent,
      host,
      size: 4312,
    });
    // One finder teaches the profile the index's size (the same answer for four probed files) in the first hour.
    const requests: TestRequest[] = ['/.git/config', '/wp-config.php.bak', '/config.php.old', '/db.sql'].map(
      (path, at) => index(T0 + at * 1000, '203.0.113.80', path),
    );
    for (const hours of [1, 4, 7]) requests.push(index(T0 + hours * HOUR, scanner, '/.env'));
    await indexRequests(engine.url, spaIndex, 'traefik-json', requests);
    const tested = await testAgent({ 'elasticsearch.url': engine.url, 'elasticsearch.index_pattern': spaIndex });
    try {
      await scanElasticsearch(tested.runtime, tested.guard, { from: T0 - HOUR, to: T0 + 9 * HOUR }, undefined, {});
      const returning = tested.runtime.store.incidents
        .list({ limit: 50 })
        .filter((incident) => incident.evidence.reasons.some((reason) => reason.includes('3+ separate visits')));
      assert.deepEqual(
        returning.map((incident) => incident.ip),
        [scanner],
      );
    } finally {
      tested.cleanup();
      await deleteIndex(engine.url, spaIndex);
    }
  });

  it('the daemon loop connects, logs its profile, creates the incidents once and stops on abort', async () => {
    const agent = await testAgent({
      'elasticsearch.url': engine.url,
      'elasticsearch.index_pattern': index,
      'elasticsearch.interval': '50ms',
    });
    try {
      const messages: string[] = [];
      const controller = new AbortController();
      let clock = T0 + HOUR;
      const watching = watchElasticsearch(agent.runtime, agent.guard, controller.signal, {
        now: () => (clock += 1000),
        log: (message) => messages.push(message),
      });
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && agent.runtime.store.positions.get(cursorKey(engine.url, index)) === undefined)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      await watching;
      assert.match(
        messages[0],
        /^elasticsearch: elasticsearch 8\.\d+\.\d+, traefik-logs-it-faults-\w+, profile traefik-json \(chosen by Traefik's own fields \(RequestPath, ClientHost, DownstreamStatus\)\) \(time=StartUTC, client_ip=ClientHost\.keyword/,
      );
      assert.ok(
        messages.some((message) => /RequestPath is mapped as text; using its RequestPath\.keyword/.test(message)),
      );
      assert.ok(!messages.some((message) => /failed/.test(message)), messages.join('\n'));
      assert.equal(agent.runtime.store.incidents.list({ limit: 500 }).length, 5);
      assert.ok(agent.runtime.store.positions.get<{ until: number }>(cursorKey(engine.url, index))!.until > T0 + HOUR);
    } finally {
      agent.cleanup();
    }
  });

  it('Elasticsearch down at start: a clear retryable IntegrationError for a scan; the daemon keeps trying', async () => {
    const url = await closedPortUrl();
    const agent = await testAgent({
      'elasticsearch.url': url,
      'elasticsearch.index_pattern': index,
      'elasticsearch.interval': '50ms',
    });
    try {
      await assert.rejects(
        scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR }, undefined, { backoffMs: 5 }),
        (error: unknown) =>
          error instanceof IntegrationError && error.isRetryable && /cannot connect/.test(error.message),
      );
      const messages: string[] = [];
      const controller = new AbortController();
      const watching = watchElasticsearch(agent.runtime, agent.guard, controller.signal, {
        backoffMs: 5,
        log: (message) => messages.push(message),
      });
      await new Promise((resolve) => setTimeout(resolve, 400));
      controller.abort();
      await watching;
      assert.ok(messages.length >= 2, messages.join('\n'));
      assert.match(messages[0], /elasticsearch cycle failed \(1 in a row\).*cannot connect/);
    } finally {
      agent.cleanup();
    }
  });

  it('slow answers time out, partial shard failures and auth refusals are clear errors; the cursor stays', async () => {
    const proxy = new FaultProxy(engine.url);
    const url = await proxy.start();
    const agent = await testAgent({
      'elasticsearch.url': url,
      'elasticsearch.index_pattern': index,
      'elasticsearch.request_timeout': '1s',
    });
    const key = cursorKey(url, index);
    try {
      const detector = await ElasticsearchDetector.connect(agent.config, { backoffMs: 5 });
      proxy.pathFilter = '_search';
      proxy.fault = { kind: 'delay', ms: 2500 };
      await assert.rejects(
        runCycle(agent.runtime, agent.guard, detector, T0 + HOUR),
        (error: unknown) => error instanceof IntegrationError && error.isRetryable && /timed out/.test(error.message),
      );
      assert.equal(agent.runtime.store.positions.get(key), undefined);
      proxy.fault = { kind: 'shard_failure' };
      await assert.rejects(
        runCycle(agent.runtime, agent.guard, detector, T0 + HOUR),
        (error: unknown) =>
          error instanceof IntegrationError &&
          error.isRetryable &&
          /1 of 1 shards failed.*node left/.test(error.message),
      );
      assert.equal(agent.runtime.store.incidents.list().length, 0, 'partial results never become incidents');
      proxy.pathFilter = undefined;
      proxy.fault = {
        kind: 'status',
        status: 401,
        body: { error: { type: 'security_exception', reason: 'unable to authenticate user [agent]' }, status: 401 },
      };
      const before = proxy.requests.length;
      await assert.rejects(
        runCycle(agent.runtime, agent.guard, detector, T0 + HOUR),
        (error: unknown) =>
          error instanceof IntegrationError &&
          !error.isRetryable &&
          /authentication refused \(HTTP 401\)/.test(error.message),
      );
      assert.equal(proxy.requests.length - before, 1, 'an auth refusal is not retried');
      await assert.rejects(ElasticsearchDetector.connect(agent.config, { backoffMs: 5 }), /authentication refused/);
      // Back to normal: the next cycle evaluates the window and creates the incidents once.
      proxy.fault = { kind: 'none' };
      await runCycle(agent.runtime, agent.guard, detector, T0 + HOUR);
      assert.equal(agent.runtime.store.incidents.list().length, 5);
      await detector.close();
    } finally {
      agent.cleanup();
      await proxy.close();
    }
  });

  it('Elasticsearch dying mid-cycle: the cycle fails, nothing half-written, the retry creates each incident once', async () => {
    const proxy = new FaultProxy(engine.url);
    const url = await proxy.start();
    const agent = await testAgent({ 'elasticsearch.url': url, 'elasticsearch.index_pattern': index });
    try {
      const detector = await ElasticsearchDetector.connect(agent.config, { backoffMs: 5 });
      proxy.requests = [];
      proxy.fault = { kind: 'die_after', allow: 4 };
      await assert.rejects(
        runCycle(agent.runtime, agent.guard, detector, T0 + HOUR),
        (error: unknown) => error instanceof IntegrationError && error.isRetryable,
      );
      assert.equal(agent.runtime.store.incidents.list().length, 0);
      assert.equal(agent.runtime.store.positions.get(cursorKey(url, index)), undefined);
      proxy.fault = { kind: 'none' };
      await runCycle(agent.runtime, agent.guard, detector, T0 + HOUR);
      await runCycle(agent.runtime, agent.guard, detector, T0 + HOUR + 60_000);
      assert.equal(agent.runtime.store.incidents.list().length, 5);
      await detector.close();
    } finally {
      agent.cleanup();
      await proxy.close();
    }
  });

  it('speaks to an 8.x server with the 8.x client (the 9.x client is refused) and sends the configured credentials', async () => {
    const nine = new Elasticsearch9Client({ node: engine.url });
    await assert.rejects(nine.search({ index, size: 0 }), (error: unknown) =>
      /media_type_header_exception/.test(JSON.stringify((error as { meta?: { body?: unknown } }).meta?.body)),
    );
    await nine.close();
    const proxy = new FaultProxy(engine.url);
    const url = await proxy.start();
    try {
      for (const [overrides, expected] of [
        [
          { 'elasticsearch.username': 'agent', 'elasticsearch.password': 's3cret' },
          `Basic ${Buffer.from('agent:s3cret').toString('base64')}`,
        ],
        [{ 'elasticsearch.api_key': 'a2V5aWQ6c2VjcmV0' }, 'ApiKey a2V5aWQ6c2VjcmV0'],
        [{ 'elasticsearch.bearer_token': 'tok-123' }, 'Bearer tok-123'],
      ] as const) {
        const agent = await testAgent({ 'elasticsearch.url': url, 'elasticsearch.index_pattern': index, ...overrides });
        try {
          proxy.requests = [];
          const detector = await ElasticsearchDetector.connect(agent.config);
          assert.equal(detector.backend.info.flavor, 'elasticsearch');
          assert.match(detector.backend.info.version, /^8\./);
          await detector.detect({ from: T0, to: T0 + HOUR });
          await detector.close();
          assert.ok(proxy.requests.length >= 5);
          for (const request of proxy.requests) assert.equal(request.authorization, expected, request.path);
          const searches = proxy.requests.filter((request) => request.path.includes('_search'));
          for (const request of searches) assert.match(request.accept ?? '', /compatible-with=8/);
        } finally {
          agent.cleanup();
        }
      }
    } finally {
      await proxy.close();
    }
  });

  it('picks the client from the version GET / reports: 9.x client for 9.x, OpenSearch client for OpenSearch', async () => {
    for (const [version, distribution, expected] of [
      ['9.1.4', undefined, /compatible-with=9/],
      ['8.19.21', undefined, /compatible-with=8/],
      ['3.6.0', 'opensearch', /^(?!.*compatible-with)/],
    ] as const) {
      const accepts: string[] = [];
      const server = createServer((request, response) => {
        if (request.url === '/') {
          response.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
          response.end(
            JSON.stringify({
              cluster_name: 'c',
              version: { number: version, ...(distribution ? { distribution } : {}) },
            }),
          );
          return;
        }
        accepts.push(String(request.headers.accept));
        response.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
        response.end(JSON.stringify({ indices: ['i'], fields: {} }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const agent = await testAgent({ 'elasticsearch.url': url });
      try {
        const backend = await createSearchBackend(agent.config.elasticsearch!);
        assert.equal(backend.info.version, version);
        assert.equal(backend.info.flavor, distribution ?? 'elasticsearch');
        await backend.fieldCaps('i', ['a']);
        await backend.close();
        assert.match(accepts[0], expected);
      } finally {
        agent.cleanup();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
  });

  it('TLS: an untrusted certificate is a clear error; ca_cert or an explicit insecure: true connect', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'devops-agent-tls-'));
    const certificates = makeTestCertificates(directory);
    const proxy = new FaultProxy(engine.url, certificates);
    const url = await proxy.start();
    try {
      const untrusted = await testAgent({ 'elasticsearch.url': url, 'elasticsearch.index_pattern': index });
      try {
        await assert.rejects(
          ElasticsearchDetector.connect(untrusted.config, { backoffMs: 5 }),
          (error: unknown) =>
            error instanceof IntegrationError &&
            !error.isRetryable &&
            /TLS certificate not trusted.*ca_cert/.test(error.message),
        );
      } finally {
        untrusted.cleanup();
      }
      for (const overrides of [{ 'elasticsearch.ca_cert': certificates.caPath }, { 'elasticsearch.insecure': true }]) {
        const agent = await testAgent({ 'elasticsearch.url': url, 'elasticsearch.index_pattern': index, ...overrides });
        try {
          const detector = await ElasticsearchDetector.connect(agent.config);
          const result = await detector.detect({ from: T0, to: T0 + HOUR });
          assert.equal(result.findings.length, 5);
          await detector.close();
        } finally {
          agent.cleanup();
        }
      }
      const missing = await testAgent({
        'elasticsearch.url': url,
        'elasticsearch.index_pattern': index,
        'elasticsearch.ca_cert': join(directory, 'nope.pem'),
      });
      try {
        await assert.rejects(ElasticsearchDetector.connect(missing.config), /cannot read elasticsearch\.ca_cert/);
      } finally {
        missing.cleanup();
      }
    } finally {
      await proxy.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('a missing index or a wrong mapping is a clear, non-retryable error', async () => {
    const agent = await testAgent({
      'elasticsearch.url': engine.url,
      'elasticsearch.index_pattern': `no-such-index-${suffix}*`,
    });
    try {
      await assert.rejects(
        ElasticsearchDetector.connect(agent.config, { backoffMs: 5 }),
        (error: unknown) =>
          error instanceof IntegrationError && !error.isRetryable && /no-such-index/.test(error.message),
      );
    } finally {
      agent.cleanup();
    }
    assert.ok(documents > 0);
  });
});
