import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubernetesSection } from '../../../config/sections/kubernetes.ts';
import { KubernetesBlocker } from './kubernetes-blocker.ts';

function blocker(extra: Record<string, unknown> = {}): KubernetesBlocker {
  const section = kubernetesSection.parse({ kubeconfig: '/nonexistent', ...extra })!;
  return new KubernetesBlocker({ ...section, max_entries: 10, protect_private_ranges: true, protected_ranges: [] });
}

describe('KubernetesBlocker.entryFor', () => {
  it('writes canonical entries', () => {
    assert.equal(blocker().entryFor('198.51.100.7/32'), '198.51.100.7');
    assert.equal(blocker().entryFor('2001:DB8:0:0::1'), '2001:db8::1');
    assert.equal(blocker().entryFor('::ffff:198.51.100.7'), '198.51.100.7');
  });

  it('collapses IPv6 to its /64 only when kubernetes.collapse_ipv6_to_64 is set', () => {
    const collapsing = blocker({ collapse_ipv6_to_64: true });
    assert.equal(collapsing.entryFor('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(collapsing.entryFor('2001:db8:1:2::/56'), '2001:db8:1:2::/56');
    assert.equal(collapsing.entryFor('198.51.100.7'), '198.51.100.7');
    assert.equal(blocker().entryFor('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2:aaaa:bbbb:cccc:dddd');
  });

  it('apply answers a bad target and a missing kubeconfig with a failed result, not a crash', async () => {
    await assert.rejects(async () => blocker().entryFor('not-an-ip'), /not an IP address or CIDR/);
    await assert.rejects(
      blocker().apply({ target: '198.51.100.7', incidentId: 1, reason: 'r', expiresAt: null }),
      /kubernetes.kubeconfig: file not found: \/nonexistent/,
    );
  });
});
