import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { ClientAggregates, memberOf } from './client-aggregates.ts';
import { runComposite } from './detection-queries.ts';
import { ElasticsearchDetector } from './elasticsearch-detector.ts';
import { scanElasticsearch } from './elasticsearch-source.ts';
import { HOUR, searchEngines, T0, testAgent, uniqueSuffix } from './testing/es-test-setup.ts';
import { deleteIndex, indexRequests, probes, type TestRequest, toDocument } from './testing/traefik-documents.ts';

const engines = await searchEngines();
const suffix = uniqueSuffix();
const PROBED = ['/.env', '/.git/config', '/wp-config.php.bak', '/.aws/credentials', '/backup.sql'];
const BROWSERS = [
  'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
  'Mozilla/5.0 (Macintosh) Safari/605.1',
  'curl/8.5.0',
];

/**
 * A distributed scan, one probe per address (a /24 of 30 members probing five paths between them, each with a few ordinary requests under other
 * agents, some without any agent), one IPv6 /64 probing from two addresses, plus clients a rule does flag: a burst,
 * and a slow client past rate_per_window whose verdict only the activity query can settle.
 */
function* traffic(): Generator<TestRequest> {
  for (let member = 1; member <= 30; member++) {
    const ip = `198.51.100.${member}`;
    yield { time: T0 + member * 61_000, ip, path: PROBED[member % 5]!, status: 404, userAgent: BROWSERS[member % 3]! };
    for (let page = 0; page < member % 4; page++)
      yield { time: T0 + member * 61_000 + (page + 1) * 7_000, ip, path: '/', status: 200, userAgent: BROWSERS[page]! };
  }
  yield { time: T0 + 5 * 60_000, ip: '2001:db8:77:1::1', path: '/.git/config', status: 404, userAgent: BROWSERS[0]! };
  yield { time: T0 + 9 * 60_000, ip: '2001:db8:77:1::2', path: '/.git/config', status: 404, userAgent: BROWSERS[1]! };
  yield* probes('203.0.113.40', T0 + 10 * 60_000, 60, 500, { status: 404 });
  yield* probes('203.0.113.41', T0, 55, 60_000, { status: 404, paths: ['/.env'] });
}

/** Requests logged without a user agent (no field at all): their null-agent bucket still counts them. */
async function indexWithoutAgent(url: string, index: string, requests: TestRequest[]): Promise<void> {
  const lines = requests.flatMap((request) => {
    const { 'request_User-Agent': _dropped, ...document } = toDocument(request, 'traefik-json');
    return [JSON.stringify({ index: {} }), JSON.stringify(document)];
  });
  const response = await fetch(`${url}/${index}/_bulk?refresh=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: `${lines.join('\n')}\n`,
  });
  assert.equal(((await response.json()) as { errors: boolean }).errors, false);
}

for (const engine of engines) {
  describe(`one-probe clients against ${engine.name}`, () => {
    const index = `traefik-logs-one-probe-${suffix}`;
    after(() => deleteIndex(engine.url, index));

    it('a client no rule flags is summed up from its user-agent pairs exactly as the activity query sums it', async () => {
      await indexRequests(engine.url, index, 'traefik-json', traffic());
      await indexWithoutAgent(engine.url, index, [
        { time: T0 + 3 * 61_000 + 30_000, ip: '198.51.100.3', path: '/favicon.ico', status: 200, userAgent: '' },
        { time: T0 + 59 * 60_000, ip: '198.51.100.7', path: '/robots.txt', status: 200, userAgent: '' },
      ]);
      const agent = await testAgent({ 'elasticsearch.url': engine.url, 'elasticsearch.index_pattern': index });
      const detector = await ElasticsearchDetector.connect(agent.config);
      try {
        const range = { from: T0, to: T0 + HOUR };
        const { detection } = agent.config;
        const fold = () =>
          new ClientAggregates(
            detection,
            new SensitivePathMatcher(),
            new ScannerAgentMatcher(),
            new ClientIpResolver(),
            (key) => detector.queries.addressing.addressOf(key),
          );
        const [fromPairs, fromActivity] = [fold(), fold()];
        for (const aggregates of [fromPairs, fromActivity]) {
          const pairs = detector.queries.sensitivePairs(range);
          await runComposite(detector.backend, index, 'pairs', pairs, (b) => aggregates.addSensitivePair(b));
          const ips = aggregates.candidates().flatMap((client) => [...client.selectors.values()]);
          const agents = detector.queries.scannerPairs(range, ips)!;
          await runComposite(detector.backend, index, 'agents', agents, (b) => aggregates.addScannerPair(b));
        }
        const candidates = fromActivity.candidates();
        const ips = candidates.flatMap((client) => [...client.selectors.values()]);
        const rawPaths = [...new Set(candidates.flatMap((client) => [...client.sensitiveRawPaths]))];
        const activity = detector.queries.clientActivity(range, ips, rawPaths);
        await runComposite(detector.backend, index, 'activity', activity, (b) => fromActivity.addActivity(b));

        const settled = fromPairs.candidates().filter((client) => !fromPairs.mayBeFlagged(client));
        for (const client of settled) fromPairs.settleFromAgentPairs(client);
        const keys = settled.map((client) => client.key).sort();
        assert.equal(keys.length, 31, `30 members and the /64 are settled without activity: ${keys.join(' ')}`);
        assert.ok(keys.includes('2001:db8:77:1::/64'));
        for (const client of settled) {
          const expected = fromActivity.clients.get(client.key)!;
          assert.deepEqual(memberOf(client), memberOf(expected), client.key);
          assert.deepEqual([...client.agents], [...expected.agents], `${client.key}: top agents, in order`);
        }
        assert.equal(fromActivity.clients.get('198.51.100.3')!.requests, 5, 'a probe, three pages, one without agent');
        const flaggable = fromPairs.candidates().filter((client) => fromPairs.mayBeFlagged(client));
        assert.deepEqual(flaggable.map((client) => client.key).sort(), ['203.0.113.40', '203.0.113.41']);
      } finally {
        await detector.close();
      }

      // End to end: the burst and the /24 campaign are found; the slow client under the burst rule is not flagged.
      await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR });
      const incidents = agent.runtime.store.incidents.list({ limit: 50 });
      const byKey = new Map(incidents.map((incident) => [incident.ip, incident]));
      assert.ok(byKey.has('203.0.113.40'), 'the burst');
      assert.ok(!byKey.has('203.0.113.41'), 'one path polled slowly: not a scan');
      const campaign = byKey.get('198.51.100.0/24');
      assert.ok(campaign, `the /24 campaign: ${[...byKey.keys()].join(' ')}`);
      const members = (campaign.evidence.extra?.campaign as { memberCount?: number } | undefined)?.memberCount;
      assert.equal(members, 30);
      agent.cleanup();
    });
  });
}
