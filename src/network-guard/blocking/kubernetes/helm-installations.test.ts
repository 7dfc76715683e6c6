// What `devops-agent k8s patterns` concludes on Traefik as the official Helm chart and k3s render it (args spelled as
// each chart generation writes them) and on real users' committed values; see __fixtures__/*/README.md for sources.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubernetesSection } from '../../../config/sections/kubernetes.ts';
import { loadManifests } from '../../../kubernetes/testing/kube-fixtures.ts';
import { fixtureKubeClients } from './fixture-kube-clients.ts';
import { KubernetesBlocker } from './kubernetes-blocker.ts';
import type { ListedObject } from './traefik-inventory.ts';
import { declaredPlugins } from './traefik-references.ts';

async function patterns(fixture: string) {
  const manifests = loadManifests<ListedObject>(new URL(`__fixtures__/${fixture}`, import.meta.url));
  const settings = kubernetesSection.parse({})!;
  const blocker = new KubernetesBlocker(
    { ...settings, max_entries: 1000, protect_private_ranges: true, protected_ranges: [] },
    { clients: fixtureKubeClients(manifests) },
  );
  const { inventory, choice } = await blocker.inspect('198.51.100.7');
  const middleware = (namespace: string, name: string) =>
    inventory.middlewares.find((entry) => entry.namespace === namespace && entry.name === name);
  return { inventory, choice, middleware };
}

describe('k8s patterns on Helm-installed Traefik', () => {
  it('chart v41: a denyip Middleware on the websecure entry point is used by every router on websecure', async () => {
    const { choice, middleware } = await patterns('traefik-helm-chart/chart-v41-denyip-on-websecure.yaml');
    assert.deepEqual(middleware('traefik', 'deny-scanners')?.usedBy, [
      'Ingress default/blog via entrypoint websecure',
      'IngressRoute default/admin',
      'IngressRoute default/shop via entrypoint websecure',
      'entrypoint websecure (traefik/traefik-5d8f7c9b6-x2x7k)',
    ]);
    assert.equal(choice.chosen?.pattern, 'denyip-middleware');
    assert.deepEqual(choice.chosen?.location, {
      kind: 'Middleware',
      pattern: 'denyip-middleware',
      group: 'traefik.io',
      version: 'v1alpha1',
      plural: 'middlewares',
      namespace: 'traefik',
      name: 'deny-scanners',
      path: ['spec', 'plugin', 'denyip', 'ipDenyList'],
    });
    assert.equal(
      choice.chosen?.reason,
      'deny list already used by 4 route(s): Ingress default/blog via entrypoint websecure, IngressRoute default/admin, IngressRoute default/shop via entrypoint websecure, ...; plugin denyip loaded as github.com/kevtainer/denyip',
    );
  });

  it('chart v25: lower-case --entrypoints args; the fail2ban readme writes denylist.ip as one string', async () => {
    const { inventory, choice, middleware } = await patterns('traefik-helm-chart/chart-v25-fail2ban-readme.yaml');
    const fail2ban = middleware('default', 'fail2ban-test');
    assert.deepEqual(fail2ban?.usedBy, [
      'IngressRoute default/simplecrd',
      'entrypoint web (traefik/traefik-7c6d9f5b8-qm4zd)',
    ]);
    assert.equal(fail2ban?.denyList?.pattern, 'fail2ban-middleware');
    assert.deepEqual(fail2ban?.denyList?.entries, ['127.0.0.1']);
    // Ours is the safer reading: Traefik decodes the one string as a one-entry list, but the agent never changes the
    // shape of a field a human wrote; the candidate is listed, not used, and says how to make it usable.
    const candidate = choice.candidates.find((entry) => entry.location.name === 'fail2ban-test');
    assert.equal(candidate?.eligible, false);
    assert.equal(
      candidate?.reason,
      'denylist.ip is a single string, not a list: the agent does not rewrite it; write it as a YAML list (- 127.0.0.1) to let the agent add entries',
    );
    assert.equal(choice.chosen?.pattern, 'networkpolicy-fallback');
    assert.deepEqual(Object.fromEntries(declaredPlugins(inventory.traefikPods[0].args)), {
      fail2ban: 'github.com/tomMoulard/fail2ban',
    });
  });

  it('k3s (brunostjohn/homelab): a chain on both entry points, a crowdsec bouncer that is not a deny list', async () => {
    const { inventory, choice, middleware } = await patterns('brunostjohn-homelab/k3s-crowdsec-chain.yaml');
    const pod = 'kube-system/traefik-f4564c4f4-8rjzq';
    assert.deepEqual(middleware('kube-system', 'all-middlewares')?.usedBy, [
      `entrypoint web (${pod})`,
      `entrypoint websecure (${pod})`,
    ]);
    assert.deepEqual(middleware('kube-system', 'https-middleware')?.usedBy, [
      `entrypoint web (${pod}) via chain kube-system/all-middlewares`,
      `entrypoint websecure (${pod}) via chain kube-system/all-middlewares`,
    ]);
    // The bouncer holds no list the agent owns (its trusted-IP lists are allow lists): never a candidate.
    assert.deepEqual(middleware('kube-system', 'bouncer')?.types, ['plugin']);
    assert.equal(middleware('kube-system', 'bouncer')?.denyList, undefined);
    assert.deepEqual(inventory.traefikPods[0].secrets, [{ name: 'crowdsec-bouncer-tls', keys: undefined }]);
    assert.deepEqual(Object.fromEntries(declaredPlugins(inventory.traefikPods[0].args)), {
      bouncer: 'github.com/maxlerebourg/crowdsec-bouncer-traefik-plugin',
    });
    assert.deepEqual(
      choice.candidates.map((candidate) => candidate.pattern),
      ['networkpolicy-fallback'],
    );
    assert.deepEqual(choice.chosen?.location, {
      kind: 'NetworkPolicy',
      pattern: 'networkpolicy-fallback',
      namespace: 'kube-system',
      name: 'devops-agent-blocklist',
      podSelector: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-kube-system' },
    });
    assert.ok(
      choice.warnings.includes(
        'Service kube-system/traefik (LoadBalancer) has externalTrafficPolicy Cluster: client IPs are replaced by node IPs, so a NetworkPolicy block will not match; set it to Local',
      ),
    );
  });
});
