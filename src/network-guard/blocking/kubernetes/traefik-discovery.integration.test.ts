// Discovery against the testbed's real kube-apiserver: every kind, both API groups, mounts, Secrets when asked,
// the cluster's own networks, and the IPv6 /64 collapse end to end.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createKubeClients } from '../../../kubernetes/kube-client.ts';
import { type KubeTestCluster, loadManifests } from './kube-test-cluster.ts';
import { blockerSettings, request, setUpFixture, traefikCrdCluster } from './kube-test-settings.ts';
import { KubernetesBlocker } from './kubernetes-blocker.ts';
import { discoverTraefik } from './traefik-discovery.ts';

let admin: KubeTestCluster;
let adminKubeconfig: string;
let restricted: string;

before(async () => {
  ({ admin, adminKubeconfig, restricted } = await traefikCrdCluster());
});

describe('discoverTraefik', () => {
  it('reports every Traefik kind in both groups, projected mounts, list formats, and Secrets only when asked', async () => {
    const namespace = await admin.namespace('inventory');
    await admin.apply(
      loadManifests(new URL('./__fixtures__/inventory.yaml', import.meta.url).pathname, { NAMESPACE: namespace }),
    );
    const clients = createKubeClients({ kubeconfig: adminKubeconfig });
    const settings = blockerSettings(adminKubeconfig, namespace, { inspect_secrets: true });
    const inventory = await discoverTraefik(clients, settings);

    assert.deepEqual(
      inventory.crds.filter((crd) => crd.count > 0).map((crd) => `${crd.kind}.${crd.group}=${crd.count}`),
      [
        'Middleware.traefik.io=1',
        'MiddlewareTCP.traefik.io=1',
        'IngressRouteTCP.traefik.io=1',
        'TraefikService.traefik.io=1',
      ],
    );
    assert.equal(inventory.crds.length, 10);
    assert.ok(inventory.crds.every((crd) => crd.installed));
    assert.deepEqual(
      inventory.middlewares.map((middleware) => [middleware.name, middleware.types, middleware.denyList]),
      [['office-only-http', ['ipAllowList'], undefined]],
    );
    assert.deepEqual(inventory.routes, [
      {
        kind: 'IngressRouteTCP',
        group: 'traefik.io',
        namespace,
        name: 'postgres',
        middlewares: [`${namespace}/office-only`],
        entryPoints: ['postgres'],
      },
    ]);
    assert.deepEqual(
      inventory.traefikServices.map((service) => service.name),
      ['canary'],
    );
    assert.deepEqual(
      inventory.traefikPods.map((pod) => [pod.name, pod.configMaps, pod.secrets]),
      [['traefik-0', [{ name: 'edge-lists', keys: ['deny.yaml'] }], [{ name: 'edge-secret-lists', keys: undefined }]]],
    );
    assert.deepEqual(
      inventory.ipLists.map((list) => [
        list.kind,
        list.name,
        list.key,
        list.format,
        list.entries,
        list.mountedBy.length,
        list.source,
      ]),
      [
        ['ConfigMap', 'edge-lists', 'allow.txt', 'lines', ['192.0.2.1'], 0, 'content'],
        ['ConfigMap', 'edge-lists', 'deny.yaml', 'yaml', ['203.0.113.7', '198.51.100.0/24'], 1, 'content'],
        ['ConfigMap', 'future-list', 'blocked', 'lines', [], 0, 'annotation'],
        ['Secret', 'edge-secret-lists', 'vip-deny.txt', 'lines', ['203.0.113.9'], 1, 'content'],
      ],
    );
    assert.ok(
      inventory.protectedRanges.some(
        (range) => range.cidr === '10.96.0.0/16' && range.why.startsWith('service network'),
      ),
      JSON.stringify(inventory.protectedRanges),
    );

    const withoutSecrets = await discoverTraefik(clients, { ...settings, inspect_secrets: false });
    assert.ok(withoutSecrets.ipLists.every((list) => list.kind === 'ConfigMap'));
  });
});

describe('IPv6 /64 collapse, end to end', () => {
  it('blocks the /64 of an IPv6 offender once, and unblocks it by any address inside', async () => {
    const { namespace } = await setUpFixture(admin, restricted, 'denyip-middleware.yaml');
    const blocker = new KubernetesBlocker(blockerSettings(restricted, namespace, { collapse_ipv6_to_64: true }));
    for (let attempt = 0; ; attempt++) {
      try {
        await blocker.inspect();
        break;
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    assert.equal((await blocker.apply(request('2001:db8:5:6::1234'))).status, 'applied');
    assert.equal((await blocker.apply(request('2001:db8:5:6:ffff::1'))).status, 'unchanged');
    const object = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
    assert.deepEqual(
      (object as { spec: { plugin: { denyip: { ipDenyList: string[] } } } }).spec.plugin.denyip.ipDenyList,
      ['203.0.113.7', '2001:db8:5:6::/64'],
    );
    assert.equal((await blocker.revert('2001:db8:5:6::1234')).status, 'applied');
  });
});
