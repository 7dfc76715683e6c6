import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientIpResolver } from './client-ip.ts';

describe('ClientIpResolver', () => {
  const resolver = new ClientIpResolver(['10.0.0.2', '10.0.0.3', '172.16.0.0/12', '2001:db8:ffff::/48']);

  it('ignores X-Forwarded-For from an untrusted peer, however it is spelled', () => {
    for (const forwarded of ['198.51.100.10', '127.0.0.1', '10.0.0.2', '198.51.100.10, 10.0.0.2', 'garbage']) {
      assert.deepEqual(
        resolver.resolve({ clientAddr: '203.0.113.45:51234', clientHost: forwarded, forwardedFor: forwarded }),
        { ok: true, clientIp: '203.0.113.45', peerIp: '203.0.113.45' },
        forwarded,
      );
    }
  });

  it('with no trusted proxy at all, the client is always the TCP peer', () => {
    const none = new ClientIpResolver();
    assert.deepEqual(none.resolve({ clientAddr: '10.0.0.2:80', clientHost: '198.51.100.10' }), {
      ok: true,
      clientIp: '10.0.0.2',
      peerIp: '10.0.0.2',
    });
  });

  it('walks a chain through two trusted proxies to the first untrusted hop', () => {
    const result = resolver.resolve({
      clientAddr: '10.0.0.3:41000',
      clientHost: '203.0.113.10, 192.0.2.150, 10.0.0.2',
      forwardedFor: '203.0.113.10, 192.0.2.150, 10.0.0.2',
    });
    assert.deepEqual(result, { ok: true, clientIp: '192.0.2.150', peerIp: '10.0.0.3' });
  });

  it('reads X-Forwarded-For from ClientHost when headers are not kept (Traefik copies the raw header there)', () => {
    assert.deepEqual(resolver.resolve({ clientAddr: '10.0.0.2:41000', clientHost: '81.2.69.160' }), {
      ok: true,
      clientIp: '81.2.69.160',
      peerIp: '10.0.0.2',
    });
    assert.deepEqual(resolver.resolve({ clientAddr: '10.0.0.2:41000', clientHost: ' 81.2.69.160 ,172.20.1.1' }), {
      ok: true,
      clientIp: '81.2.69.160',
      peerIp: '10.0.0.2',
    });
  });

  it('prefers the request_X-Forwarded-For header over ClientHost', () => {
    const result = resolver.resolve({
      clientAddr: '10.0.0.2:1',
      clientHost: '10.0.0.2',
      forwardedFor: '2001:DB8::ABCD, 172.16.5.5',
    });
    assert.deepEqual(result, { ok: true, clientIp: '2001:db8::abcd', peerIp: '10.0.0.2' });
  });

  it('stops at a garbage entry and never names a trusted proxy', () => {
    // The hop left of the proxies is garbage: the last valid hop is a proxy, so nobody can be named.
    assert.deepEqual(resolver.resolve({ clientAddr: '10.0.0.3:1', forwardedFor: 'unknown, 10.0.0.2' }), {
      ok: false,
      peerIp: '10.0.0.3',
    });
    // Garbage further left does not matter: the walk already stopped at an untrusted address.
    assert.deepEqual(resolver.resolve({ clientAddr: '10.0.0.3:1', forwardedFor: 'x<script>, 1.2.3.04, 81.2.69.160' }), {
      ok: true,
      clientIp: '81.2.69.160',
      peerIp: '10.0.0.3',
    });
    // Everything trusted: the request came from our own plumbing.
    assert.deepEqual(resolver.resolve({ clientAddr: '10.0.0.3:1', forwardedFor: '10.0.0.2, 172.16.0.9' }), {
      ok: false,
      peerIp: '10.0.0.3',
    });
    assert.deepEqual(resolver.resolve({ clientAddr: '10.0.0.3:1', forwardedFor: ',,' }), {
      ok: false,
      peerIp: '10.0.0.3',
    });
  });

  it('uses X-Real-Ip behind a trusted proxy only when there is no X-Forwarded-For, and never a proxy', () => {
    assert.deepEqual(resolver.resolve({ clientAddr: '10.0.0.2:1', clientHost: '10.0.0.2', realIp: '81.2.69.160' }), {
      ok: true,
      clientIp: '81.2.69.160',
      peerIp: '10.0.0.2',
    });
    assert.deepEqual(resolver.resolve({ clientAddr: '10.0.0.2:1', clientHost: '10.0.0.2', realIp: '10.0.0.3' }), {
      ok: false,
      peerIp: '10.0.0.2',
    });
  });

  it('treats ClientHost as the peer when it is all there is (CLF), and an IPv6 trusted range', () => {
    assert.deepEqual(resolver.resolve({ clientHost: '::ffff:81.2.69.160' }), {
      ok: true,
      clientIp: '81.2.69.160',
      peerIp: '81.2.69.160',
    });
    assert.deepEqual(resolver.resolve({ clientHost: '2001:db8:ffff:1::9' }), {
      ok: false,
      peerIp: '2001:db8:ffff:1::9',
    });
    assert.deepEqual(resolver.resolve({ clientHost: '203.0.113.10, 192.0.2.150, 10.0.0.2' }), {
      ok: true,
      clientIp: '192.0.2.150',
      peerIp: undefined,
    });
    assert.deepEqual(resolver.resolve({ clientHost: '-' }), { ok: false });
    assert.deepEqual(resolver.resolve({}), { ok: false });
  });

  it('normalises what it returns (ports, brackets, zones, case)', () => {
    assert.deepEqual(resolver.resolve({ clientAddr: '[2001:DB8:0:0::1]:443' }), {
      ok: true,
      clientIp: '2001:db8::1',
      peerIp: '2001:db8::1',
    });
    assert.deepEqual(resolver.resolve({ clientAddr: '[fe80::1%eth0]:443' }), {
      ok: true,
      clientIp: 'fe80::1',
      peerIp: 'fe80::1',
    });
  });
});
