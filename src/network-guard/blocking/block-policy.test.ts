import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../store/store.ts';
import { BlockPolicy } from './block-policy.ts';

function policyWith(options: { allowlisted?: string[]; trustedProxies?: string[]; protectedRanges?: string[] }) {
  const dir = mkdtempSync(join(tmpdir(), 'block-policy-'));
  const store = openStore(join(dir, 'agent.db'), join(dir, 'audit', 'audit.jsonl'));
  for (const entry of options.allowlisted ?? []) store.allowlist.add(entry, 'test');
  return new BlockPolicy({
    allowlist: store.allowlist,
    trustedProxies: options.trustedProxies ?? [],
    protectedRanges: options.protectedRanges ?? [],
    protectPrivateRanges: true,
  });
}

// IPv6 scanners are grouped by /64 (detection.group_ipv6_by_64, on by default), so an attacker sharing a /64 with an
// allowlisted host, a trusted proxy or a protected address would get a network block that also cuts that address off.
test('a network target containing an allowlisted, trusted-proxy or protected address is refused', () => {
  const policy = policyWith({
    allowlisted: ['2001:db8:1::10'],
    trustedProxies: ['2001:db8:2::1', '198.51.100.9'],
    protectedRanges: ['2001:db8:3::53/128', '203.0.113.5'],
  });
  assert.deepEqual(
    [
      policy.evaluate('2001:db8:1::/64'),
      policy.evaluate('2001:db8:2::/64'),
      policy.evaluate('198.51.100.0/24'),
      policy.evaluate('2001:db8:3::/64'),
      policy.evaluate('203.0.113.0/24'),
    ].map((verdict) => (verdict.allowed ? 'allowed' : verdict.rule)),
    ['allowlisted', 'trusted_proxy', 'trusted_proxy', 'protected', 'protected'],
  );
});

test('targets beside the protected addresses are still blocked, in canonical form', () => {
  const policy = policyWith({
    allowlisted: ['2001:db8:1::10'],
    trustedProxies: ['198.51.100.9'],
    protectedRanges: ['203.0.113.5'],
  });
  assert.deepEqual(policy.evaluate('2001:DB8:1:1::/64'), { allowed: true, target: '2001:db8:1:1::/64' });
  assert.deepEqual(policy.evaluate('198.51.101.0/24'), { allowed: true, target: '198.51.101.0/24' });
  assert.deepEqual(policy.evaluate('203.0.113.6'), { allowed: true, target: '203.0.113.6' });
  const mapped = policy.evaluate('::ffff:10.1.2.3');
  assert.equal(mapped.allowed ? 'allowed' : mapped.rule, 'protected', 'IPv4-mapped private address');
  const wide = policy.evaluate('2001:db8::/40');
  assert.equal(wide.allowed ? 'allowed' : wide.rule, 'too_broad');
});
