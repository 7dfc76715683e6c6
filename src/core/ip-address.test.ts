import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { test } from 'node:test';
import { normalizeIp } from './ip-address.ts';
import { Prng } from './prng.ts';

test('normalizeIp: canonical IPv4 comes back as it is, anything else is judged as isIP judges it', () => {
  for (const address of ['0.0.0.0', '1.2.3.4', '255.255.255.255', '10.0.0.10', '192.168.100.200'])
    assert.equal(normalizeIp(address), address);
  for (const text of [
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.256',
    '01.2.3.4',
    '1.2.3.04',
    '1..2.3',
    '1.2.3.',
    '.1.2.3',
    '1.2.3.4a',
    '1234.1.1.1',
    '',
  ])
    assert.equal(normalizeIp(text), undefined, text);
  // Other shapes still go the long way: spaces, ports, brackets, mapped IPv6.
  assert.equal(normalizeIp(' 1.2.3.4 '), '1.2.3.4');
  assert.equal(normalizeIp('1.2.3.4:5678'), '1.2.3.4');
  assert.equal(normalizeIp('[::ffff:1.2.3.4]:443'), '1.2.3.4');
  assert.equal(normalizeIp('2001:DB8:0::1'), '2001:db8::1');
});

test('normalizeIp agrees with isIP on near-addresses: octets out of range, leading zeros, missing or extra parts', () => {
  const prng = new Prng(0x9e3779b9);
  const random = (n: number) => prng.int(0, n - 1);
  const octet = () => {
    const kind = random(10);
    if (kind === 0) return '';
    if (kind === 1) return `0${random(30)}`;
    if (kind === 2) return String(250 + random(10));
    return String(random(kind < 6 ? 10 : 256));
  };
  let valid = 0;
  for (let round = 0; round < 100_000; round++) {
    const parts = Array.from({ length: random(3) === 0 ? 2 + random(5) : 4 }, octet).slice(0, 6);
    const separator = random(20) === 0 ? '-' : '.';
    const text = parts.join(separator) + (random(20) === 0 ? '.' : '');
    const expected = isIP(text) === 4 ? text : undefined;
    if (expected) valid++;
    assert.equal(normalizeIp(text), expected, text);
  }
  assert.ok(valid > 20_000, `${valid} valid addresses among the cases`);
});
