import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { parseTraefikLine } from '../traefik-log/parse-traefik-line.ts';
import { scanElasticsearch } from './elasticsearch-source.ts';
import type { ProfileName } from './field-profile.ts';
import { HOUR, searchEngines, T0, testAgent, uniqueSuffix } from './testing/es-test-setup.ts';
import { traefikClfLine } from './testing/logstash-traefik-documents.ts';
import {
  deleteIndex,
  FORWARDING,
  indexDocuments,
  indexRequests,
  probes,
  type TestRequest,
  toDocument,
} from './testing/traefik-documents.ts';

const engines = await searchEngines();
const suffix = uniqueSuffix();
const { FRAMED, ATTACKER, PROXY, BEHIND_PROXY } = FORWARDING;
const CHAINED = '198.51.100.8';

/** A scan sent with a forged X-Forwarded-For, scans relayed by a trusted proxy, and one forged chain through it. */
function* traffic(profile: ProfileName): Generator<TestRequest> {
  let port = 40000;
  const withPeer = (requests: Iterable<TestRequest>, forwardedFor?: string, peer?: string) =>
    [...requests].map((request) => ({ ...request, ip: peer ?? request.ip, forwardedFor, port: port++ }));
  // The attacker connects itself and claims to be 9.9.9.9: the guard must blame the TCP peer.
  yield* withPeer(probes(ATTACKER, T0 + 60_000, 60, 500, { status: 404 }), FRAMED);
  // A real scanner behind the trusted proxy: the proxy's forwarded value is believed.
  yield* withPeer(probes(BEHIND_PROXY, T0 + 10 * 60_000, 60, 500, { status: 404 }), BEHIND_PROXY, PROXY);
  // Ordinary visitors through the same proxy: nobody is blamed for them, least of all the proxy.
  for (let index = 0; index < 50; index++)
    yield {
      time: T0 + index * 60_000,
      ip: PROXY,
      forwardedFor: `198.18.0.${index}`,
      path: '/',
      status: 200,
      userAgent: 'Mozilla/5.0',
      port: port++,
    };
  // Through the proxy, a client that forged its own header: Traefik logs "forged, real" and the walk stops at real.
  if (profile === 'traefik-json')
    yield* withPeer(probes(CHAINED, T0 + 20 * 60_000, 60, 500, { status: 404 }), `${FRAMED}, ${CHAINED}`, PROXY);
}

for (const engine of engines) {
  describe(`forged X-Forwarded-For against ${engine.name}`, () => {
    const indices: string[] = [];
    after(async () => {
      for (const index of indices) await deleteIndex(engine.url, index);
    });
    for (const profile of ['traefik-json', 'elastic-agent'] as const) {
      it(`${profile}: a scan "from ${FRAMED}" forged by an untrusted client blames the real peer, never ${FRAMED}`, async () => {
        const index = `traefik-logs-xff-${profile}-${suffix}`;
        indices.push(index);
        await indexRequests(engine.url, index, profile, traffic(profile));
        const agent = await testAgent({
          'elasticsearch.url': engine.url,
          'elasticsearch.index_pattern': index,
          trusted_proxies: ['10.0.0.0/8'],
        });
        try {
          await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR });
          const blamed = agent.runtime.store.incidents.list({ limit: 100 }).map((incident) => incident.ip);
          const expected = profile === 'traefik-json' ? [ATTACKER, BEHIND_PROXY, CHAINED] : [ATTACKER, BEHIND_PROXY];
          assert.deepEqual([...new Set(blamed)].sort(), expected.sort());
          assert.ok(!blamed.includes(FRAMED) && !blamed.includes(PROXY));
          const attacker = agent.runtime.store.incidents
            .list({ limit: 100 })
            .find((incident) => incident.ip === ATTACKER);
          assert.equal(attacker?.evidence.sensitiveHits, 60);
          assert.equal(attacker?.evidence.requests, 60);
        } finally {
          agent.cleanup();
        }
      });
    }

    for (const layout of ['logstash-legacy', 'logstash-ecs'] as const) {
      it(`${layout}: a CLF request from a trusted peer blames nobody, never a forwarded address; the direct scanner is blamed`, async () => {
        const index = `traefik-logs-xff-${layout}-${suffix}`;
        indices.push(index);
        const direct = [...probes(ATTACKER, T0 + 60_000, 60, 500, { status: 404 })];
        // Traefik wrote the proxy as ClientHost (the proxy sent no X-Forwarded-For Traefik logs): nothing names the
        // client. The ECS template declares network.forwarded_ip: a pipeline filled it, and it is never believed.
        const relayed = [...probes(PROXY, T0 + 10 * 60_000, 60, 500, { status: 404 })];
        const documents = [...direct, ...relayed].map((request) => {
          const document = toDocument(request, layout);
          return request.ip === PROXY && layout === 'logstash-ecs'
            ? { ...document, network: { forwarded_ip: BEHIND_PROXY } }
            : document;
        });
        await indexDocuments(engine.url, index, layout, documents);
        const agent = await testAgent({
          'elasticsearch.url': engine.url,
          'elasticsearch.index_pattern': index,
          trusted_proxies: ['10.0.0.0/8'],
        });
        try {
          await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR });
          const blamed = agent.runtime.store.incidents.list({ limit: 100 }).map((incident) => incident.ip);
          assert.deepEqual([...new Set(blamed)], [ATTACKER]);
          // The file path reading the same CLF lines: the proxy's lines are unattributed, the scanner blamed alike.
          const resolver = new ClientIpResolver(['10.0.0.0/8']);
          const unattributed = [...direct, ...relayed].filter((request) => {
            const parsed = parseTraefikLine(traefikClfLine(request), { resolver });
            return !parsed.ok && parsed.reason === 'unattributed';
          });
          assert.equal(unattributed.length, relayed.length);
          const attacker = agent.runtime.store.incidents
            .list({ limit: 100 })
            .find((incident) => incident.ip === ATTACKER);
          assert.equal(attacker?.evidence.sensitiveHits, 60);
          assert.equal(attacker?.evidence.requests, 60);
        } finally {
          agent.cleanup();
        }
      });
    }
  });
}
