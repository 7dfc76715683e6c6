import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { ClientAddressing } from './client-addressing.ts';
import { clientPartitions, peerSpan } from './client-partitions.ts';
import type { FieldProfile } from './field-profile.ts';

const traefik: FieldProfile = {
  name: 'traefik-json',
  fields: {
    time: 'StartUTC',
    client_ip: 'ClientHost.keyword',
    peer: 'ClientAddr.keyword',
    path: 'RequestPath',
    status: 'DownstreamStatus',
  },
  types: {},
  warnings: [],
};
const ecs: FieldProfile = {
  name: 'elastic-agent',
  fields: {
    time: '@timestamp',
    client_ip: 'source.ip',
    forwarded: 'network.forwarded_ip',
    path: 'url.path',
    status: 'x',
  },
  types: {},
  warnings: [],
};
const resolver = new ClientIpResolver(['10.0.0.0/8']);

test('traefik-json: the client is ClientAddr, ClientHost counts only when the peer is a trusted proxy', () => {
  const addressing = new ClientAddressing(traefik, { trustedProxies: true, peerScript: false });
  assert.deepEqual(addressing.sources(), [
    { client: { terms: { field: 'ClientAddr.keyword' } } },
    { forwarded: { terms: { field: 'ClientHost.keyword', missing_bucket: true } } },
  ]);
  const blame = (client: string, forwarded: string | null) =>
    resolver.resolve(addressing.addressOf({ client, forwarded }));
  assert.deepEqual(blame('203.0.113.66:40001', '9.9.9.9'), {
    ok: true,
    clientIp: '203.0.113.66',
    peerIp: '203.0.113.66',
  });
  assert.deepEqual(blame('10.0.0.5:40002', '9.9.9.9, 198.51.100.8'), {
    ok: true,
    clientIp: '198.51.100.8',
    peerIp: '10.0.0.5',
  });
  assert.equal(blame('10.0.0.5:40003', null).ok, false);
  // Without trusted proxies ClientHost is not even asked for.
  assert.equal(new ClientAddressing(traefik, { peerScript: true }).sources().length, 1);
  assert.equal(new ClientAddressing(traefik, { peerScript: true }).sources()[0].client.terms.script.lang, 'painless');
});

test('follow-up filters: one prefix per host (ports folded), peer and forwarded value behind a proxy', () => {
  const addressing = new ClientAddressing(traefik, { trustedProxies: true, peerScript: false });
  const filter = addressing.filter([
    { peer: '203.0.113.66:40001' },
    { peer: '203.0.113.66:40002' },
    { peer: '[2001:db8::1]:443' },
    { peer: '10.0.0.5:1', forwarded: '198.51.100.7' },
    { peer: '10.0.0.5:2', forwarded: '198.51.100.7' },
  ]);
  assert.deepEqual(filter, {
    bool: {
      should: [
        {
          bool: {
            should: [
              { prefix: { 'ClientAddr.keyword': '203.0.113.66:' } },
              { prefix: { 'ClientAddr.keyword': '[2001:db8::1]:' } },
            ],
            minimum_should_match: 1,
          },
        },
        {
          bool: {
            filter: [
              { prefix: { 'ClientAddr.keyword': '10.0.0.5:' } },
              { term: { 'ClientHost.keyword': '198.51.100.7' } },
            ],
          },
        },
      ],
      minimum_should_match: 1,
    },
  });
});

test('ECS: source.ip is the peer, network.forwarded_ip is believed only from a trusted proxy', () => {
  const addressing = new ClientAddressing(ecs, { trustedProxies: true });
  assert.deepEqual(addressing.addressOf({ client: '10.0.0.5', forwarded: '198.51.100.7' }), {
    clientAddr: '10.0.0.5',
    forwardedFor: '198.51.100.7',
  });
  assert.equal(resolver.resolve(addressing.addressOf({ client: '203.0.113.66', forwarded: '9.9.9.9' })).ok, true);
  assert.equal(
    (resolver.resolve(addressing.addressOf({ client: '203.0.113.66', forwarded: '9.9.9.9' })) as { clientIp: string })
      .clientIp,
    '203.0.113.66',
  );
  assert.deepEqual(addressing.filter([{ peer: '203.0.113.66' }]), {
    bool: { should: [{ terms: { 'source.ip': ['203.0.113.66'] } }], minimum_should_match: 1 },
  });
});

/** The Elastic Agent integration's layout: the TCP peer in source.address (`host:port` from JSON, a bare host from CLF). */
const agent: FieldProfile = {
  ...ecs,
  fields: { ...ecs.fields, peer: 'source.address' },
  types: { peer: 'keyword' },
};

test('Elastic Agent: the peer is source.address, its port cut like ClientAddr, a bare host matched exactly too', () => {
  const addressing = new ClientAddressing(agent, { peerScript: false });
  assert.equal(addressing.peerField, 'source.address');
  assert.equal(addressing.peerMayLackPort, true);
  assert.deepEqual(addressing.sources(), [{ client: { terms: { field: 'source.address' } } }]);
  // 2.0's pipeline leaves a client-sent X-Forwarded-For in source.ip: never read without trusted proxies.
  assert.deepEqual(resolver.resolve(addressing.addressOf({ client: '203.0.113.66:40001' })), {
    ok: true,
    clientIp: '203.0.113.66',
    peerIp: '203.0.113.66',
  });
  assert.deepEqual(addressing.filter([{ peer: '203.0.113.66:40001' }, { peer: '[2001:db8::1]:443' }]), {
    bool: {
      should: [
        {
          bool: {
            should: [
              { prefix: { 'source.address': '203.0.113.66:' } },
              { prefix: { 'source.address': '[2001:db8::1]:' } },
              { terms: { 'source.address': ['203.0.113.66', '2001:db8::1'] } },
            ],
            minimum_should_match: 1,
          },
        },
      ],
      minimum_should_match: 1,
    },
  });
});

test('Elastic Agent behind a trusted proxy: network.forwarded_ip, or else source.ip read as ClientHost', () => {
  const later = new ClientAddressing(agent, { trustedProxies: true, peerScript: false });
  assert.equal(later.forwardedField, 'network.forwarded_ip');
  assert.deepEqual(later.addressOf({ client: '10.0.0.5:40002', forwarded: '198.51.100.7' }), {
    clientAddr: '10.0.0.5:40002',
    forwardedFor: '198.51.100.7',
  });
  const early = new ClientAddressing(
    { ...agent, fields: { ...agent.fields, forwarded: 'source.ip' } },
    { trustedProxies: true, peerScript: false },
  );
  const blame = (client: string, forwarded: string | null) => resolver.resolve(early.addressOf({ client, forwarded }));
  assert.deepEqual(blame('10.0.0.5:40002', '198.51.100.7'), { ok: true, clientIp: '198.51.100.7', peerIp: '10.0.0.5' });
  // source.ip equal to the peer (nothing forwarded): the proxy itself is never the client.
  assert.equal(blame('10.0.0.5:40002', '10.0.0.5').ok, false);
  // An untrusted peer: its source.ip (a header it sent) is not read.
  assert.deepEqual(blame('203.0.113.66:40001', '9.9.9.9'), {
    ok: true,
    clientIp: '203.0.113.66',
    peerIp: '203.0.113.66',
  });
  // Each narrowed peer costs its prefix, its exact term and its forwarded term; the whole peers share one terms.
  const selectors = [
    { peer: '10.0.0.5:1', forwarded: 'a' },
    { peer: '10.0.0.6:1', forwarded: 'b' },
    { peer: '10.0.0.7:1' },
  ];
  assert.deepEqual(
    early.groups(selectors, 5).map((group) => group.length),
    [1, 2],
  );
});

test('Elastic Agent: the peer field is never sliced in ranges (a host sorts as `h` and `h:port`)', async () => {
  const addressing = new ClientAddressing(agent);
  const backend = {
    search: () => {
      throw new Error('no sample query expected');
    },
  } as unknown as Parameters<typeof clientPartitions>[0];
  assert.deepEqual(await clientPartitions(backend, 'i', addressing, 'keyword', {}, 1_000_000, []), [undefined]);
  assert.equal(peerSpan(addressing, 'keyword', [{ peer: '203.0.113.66:1' }]), undefined);
  // A source.address mapped as `ip` (a custom template) holds bare addresses: read as a plain peer field.
  const plain = new ClientAddressing({ ...agent, types: { peer: 'ip' } });
  assert.equal(plain.peerHasPort, false);
  assert.equal(plain.peerMayLackPort, false);
});

test("a path's distinct clients are counted by the peer's host, not a field a client writes", () => {
  const counted = new ClientAddressing(agent, { peerScript: true }).distinctClients('source.ip');
  assert.equal(counted.script.lang, 'painless');
  assert.deepEqual(counted.script.params, { field: 'source.address' });
  assert.deepEqual(new ClientAddressing(traefik).distinctClients('ClientHost.keyword').script.params, {
    field: 'ClientAddr.keyword',
  });
  // Behind trusted proxies (the peer is the proxy) and without Painless (every port a client): the client field.
  assert.deepEqual(new ClientAddressing(agent, { trustedProxies: true }).distinctClients('source.ip'), {
    field: 'source.ip',
  });
  assert.deepEqual(new ClientAddressing(agent, { peerScript: false }).distinctClients('source.ip'), {
    field: 'source.ip',
  });
  assert.deepEqual(new ClientAddressing(ecs).distinctClients('source.ip'), { field: 'source.ip' });
});
