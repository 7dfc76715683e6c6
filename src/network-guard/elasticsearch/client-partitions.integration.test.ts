import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { ClientAggregates } from './client-aggregates.ts';
import { clientPartitions, PARTITION_DOCUMENTS, peerSpan } from './client-partitions.ts';
import { runComposite } from './detection-queries.ts';
import { ElasticsearchDetector } from './elasticsearch-detector.ts';
import type { SearchBody } from './search-backend.ts';
import { HOUR, searchEngines, T0, testAgent, uniqueSuffix } from './testing/es-test-setup.ts';
import {
  type DocumentLayout,
  deleteIndex,
  indexRequests,
  SENSITIVE_PROBES,
  type TestRequest,
} from './testing/traefik-documents.ts';

const engines = await searchEngines();
const suffix = uniqueSuffix();
const ONE_PROBE = PARTITION_DOCUMENTS;
/** Most documents are theirs, so the boundaries fall inside hosts with many ports. */
const SCANNERS = 1800;
const V6_MEMBERS = 300;
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0';

const scannerIp = (k: number) => `10.${k >> 6}.${(k & 63) * 4}.250`;

/**
 * A window over several slices: one-probe clients, each in its own /24 (no campaign); scanners among them, each
 * probing 12 times from 12 source ports (Traefik's ClientAddr: a slice boundary must not fall between one host's
 * ports), most of the documents; an IPv6 /64 probing once from each of 300 addresses (one client of the detector).
 */
function* traffic(): Generator<TestRequest> {
  for (let i = 0; i < ONE_PROBE; i++)
    yield {
      time: T0 + Math.floor((i * HOUR) / ONE_PROBE),
      ip: `10.${i >> 8}.${i & 255}.7`,
      path: SENSITIVE_PROBES[i % 5]!,
      status: 404,
      userAgent: BROWSER,
    };
  // Ordinary pages: of the probing clients from another source port, and of clients that never probe, among them.
  for (let i = 0; i < ONE_PROBE; i += 10) {
    const time = T0 + Math.floor((i * HOUR) / ONE_PROBE) + 500;
    yield { time, ip: `10.${i >> 8}.${i & 255}.7`, port: 50_000, path: '/', status: 200, userAgent: 'curl/8.5.0' };
    yield { time, ip: `10.${i >> 8}.${i & 255}.9`, path: '/', status: 200, userAgent: BROWSER };
  }
  for (let k = 0; k < SCANNERS; k++)
    for (let j = 0; j < 12; j++)
      yield {
        time: T0 + j * 4 * 60_000 + (k % 600) * 1000,
        ip: scannerIp(k),
        port: 40_000 + j,
        path: SENSITIVE_PROBES[j % SENSITIVE_PROBES.length]!,
        status: 404,
        userAgent: BROWSER,
      };
  for (let i = 1; i <= V6_MEMBERS; i++)
    yield {
      time: T0 + i * 10_000,
      ip: `2001:db8:5:6::${i.toString(16)}`,
      path: SENSITIVE_PROBES[i % 5]!,
      status: 404,
      userAgent: BROWSER,
    };
}

// Not elastic-agent: its peer (source.address) may be a bare host beside `host:port` values, which no range can keep in
// one slice, so it is never sliced (client-addressing.test.ts).
const PROFILES: DocumentLayout[] = ['traefik-json'];

for (const engine of engines)
  for (const profile of PROFILES)
    describe(`the pairs query in peer slices, ${engine.name}, ${profile}`, () => {
      const index = `traefik-logs-slices-${profile}-${suffix}`;
      after(() => deleteIndex(engine.url, index));

      it('slices return the whole query’s buckets, in its order, no host in two slices, the same findings', async () => {
        await indexRequests(engine.url, index, profile, traffic());
        const agent = await testAgent({ 'elasticsearch.url': engine.url, 'elasticsearch.index_pattern': index });
        const detector = await ElasticsearchDetector.connect(agent.config);
        try {
          const range = { from: T0, to: T0 + HOUR };
          const { addressing } = detector.queries;
          const pairs = detector.queries.sensitivePairs(range, undefined, [], [...SENSITIVE_PROBES]);
          const documents = ONE_PROBE + SCANNERS * 12 + V6_MEMBERS; // the sensitive ones
          const peerType = addressing.peerField === detector.profile.fields.peer ? 'peer' : 'client_ip';
          const slices = await clientPartitions(
            detector.backend,
            index,
            addressing,
            detector.profile.types[peerType],
            pairs.query,
            documents,
            [],
          );
          assert.ok(slices.length >= 3, `${slices.length} slices`);
          const keysOf = async (body: SearchBody) => {
            const keys: string[] = [];
            await runComposite(detector.backend, index, 'pairs', body, (bucket) =>
              keys.push(`${JSON.stringify(bucket.key)} ${bucket.doc_count}`),
            );
            return keys;
          };
          const whole = await keysOf(pairs);
          const sliced: string[][] = [];
          for (const slice of slices)
            sliced.push(
              await keysOf({
                ...pairs,
                query: { bool: { ...pairs.query.bool, filter: [...pairs.query.bool.filter, slice] } },
              }),
            );
          assert.ok(
            sliced.every((keys) => keys.length > 0),
            'no empty slice',
          );
          // Keys in the composite's order slice after slice: the same stream as one query. With the port-cutting
          // script (Painless), keys are hosts and slices raw ClientAddr ranges, whose orders differ
          // ("1.2.3.40:" < "1.2.3.4:"): the same buckets then, each host in one slice.
          if (addressing.peerHasPort && addressing.peerScript)
            assert.deepEqual(sliced.flat().sort(), [...whole].sort());
          else assert.deepEqual(sliced.flat(), whole);
          const hostOf = (key: string) => {
            const client = String(JSON.parse(key.slice(0, key.lastIndexOf(' '))).client);
            return addressing.hostOf(client);
          };
          const sliceOfHost = new Map<string, number>();
          sliced.forEach((keys, at) => {
            for (const key of keys) {
              const host = hostOf(key);
              assert.equal(sliceOfHost.get(host) ?? at, at, `${host} in two slices`);
              sliceOfHost.set(host, at);
            }
          });

          // A chunk's user agents by a span of peers (other clients' buckets skipped) equal those by prefix clauses.
          const chunk = new ClientAggregates(
            agent.config.detection,
            new SensitivePathMatcher(),
            new ScannerAgentMatcher(),
            new ClientIpResolver(),
            (key) => addressing.addressOf(key),
          );
          await runComposite(detector.backend, index, 'pairs', pairs, (bucket) => {
            if (chunk.clients.size < 1000) chunk.addSensitivePair(bucket);
          });
          const ips = chunk.candidates().flatMap((client) => [...client.selectors.values()]);
          const span = peerSpan(addressing, detector.profile.types[peerType], ips)!;
          const agentsOf = async (clients: Parameters<typeof detector.queries.scannerPairs>[1]) => {
            const hosts = new Set(ips.map((selector) => addressing.hostOf(selector.peer)));
            const byClient = new Map<string, unknown>();
            await runComposite(
              detector.backend,
              index,
              'agents',
              detector.queries.scannerPairs(range, clients)!,
              (b) => {
                const host = addressing.hostOf(String(b.key.client));
                if (!hosts.has(host)) return;
                const pairs = (byClient.get(host) ?? []) as unknown[];
                pairs.push([b.key.agent, b.doc_count, b.first.value, b.last.value]);
                byClient.set(host, pairs);
              },
            );
            return byClient;
          };
          const bySpan = await agentsOf({ span });
          assert.deepEqual(bySpan, await agentsOf(ips));
          assert.ok(
            [...bySpan.values()].some((pairs) => (pairs as unknown[]).length === 2),
            'a probe and a page',
          );

          const result = await detector.detect(range);
          const byKey = new Map(result.findings.map((finding) => [finding.ip, finding]));
          const expected = [...Array.from({ length: SCANNERS }, (_, k) => scannerIp(k)), '2001:db8:5:6::/64'];
          assert.deepEqual([...byKey.keys()].sort(), expected.sort());
          assert.equal(result.findings.length, expected.length, 'each client found once');
          for (let k = 0; k < SCANNERS; k++) assert.equal(byKey.get(scannerIp(k))!.evidence.requests, 12);
          assert.equal(byKey.get('2001:db8:5:6::/64')!.evidence.requests, V6_MEMBERS);
          const record = result.queries.filter((query) => query.name === 'sensitive_paths_by_client');
          assert.equal(record.length, 1, 'the slices are one query in the evidence');
          assert.equal(record[0]!.hits, documents);
          assert.ok(result.queries.some((query) => query.name === 'peer_sample'));
        } finally {
          await detector.close();
          agent.cleanup();
        }
      });
    });
