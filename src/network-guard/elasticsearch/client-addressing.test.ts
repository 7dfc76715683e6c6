import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { ClientAddressing } from './client-addressing.ts';
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
