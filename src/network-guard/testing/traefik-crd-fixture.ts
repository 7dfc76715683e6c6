// Test helper: what Traefik's kubernetescrd provider needs from the testbed's kube-apiserver, and one namespace with
// a route to the loopback backend through a denyip-style Middleware.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointFromKubeconfig, kubeRequest } from '../../../testbed/kube-request.ts';
import { KubeTestCluster } from '../blocking/kubernetes/kube-test-cluster.ts';
import { PLUGIN_ALIAS } from './traefik-process.ts';

/** Kinds Traefik v3 watches besides those the shared fixture installs; its informers never sync without them. */
const EXTRA_KINDS = ['IngressRouteUDP', 'TLSOption', 'TLSStore', 'ServersTransport', 'ServersTransportTCP'];

function minimalCrd(kind: string) {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.traefik.io` },
    spec: {
      group: 'traefik.io',
      scope: 'Namespaced',
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          },
        },
      ],
    },
  };
}

export interface CrdFixture {
  namespace: string;
  middleware: string;
  /** Static `providers.kubernetesCRD` for a Traefik outside the cluster: endpoint, bearer token, CA file. */
  provider: Record<string, unknown>;
}

export async function setUpCrdFixture(
  kubeconfig: string,
  dir: string,
  backendPort: number,
  humanEntry: string,
): Promise<CrdFixture> {
  const admin = new KubeTestCluster(kubeconfig);
  await admin.installTraefikCrds();
  for (const kind of EXTRA_KINDS) {
    const response = await kubeRequest(
      admin.endpoint,
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      minimalCrd(kind),
    );
    if (response.status >= 300 && response.status !== 409) throw new Error(`CRD ${kind}: HTTP ${response.status}`);
  }
  for (const kind of EXTRA_KINDS) {
    for (let attempt = 0; ; attempt++) {
      const response = await kubeRequest(admin.endpoint, 'GET', `/apis/traefik.io/v1alpha1/${kind.toLowerCase()}s`);
      if (response.status === 200) break;
      if (attempt > 100) throw new Error(`CRD ${kind} is not served`);
      await sleep(100);
    }
  }
  const namespace = await admin.namespace('traefik-crd-e2e');
  const middleware = 'block-scanners';
  await admin.apply([
    // EndpointSlices may not hold loopback addresses (the API refuses 127.0.0.0/8), so the route reaches the
    // loopback backend through an ExternalName Service.
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'backend', namespace },
      spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'http', port: backendPort }] },
    },
    {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'Middleware',
      metadata: { name: middleware, namespace },
      spec: { plugin: { [PLUGIN_ALIAS]: { ipDenyList: [humanEntry] } } },
    },
    {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: 'app', namespace },
      spec: {
        entryPoints: ['web'],
        routes: [
          {
            match: 'PathPrefix(`/`)',
            kind: 'Rule',
            middlewares: [{ name: middleware }],
            services: [{ name: 'backend', port: backendPort }],
          },
        ],
      },
    },
  ]);
  await admin.grantNetworkGuard('restricted', namespace);
  const endpoint = endpointFromKubeconfig(kubeconfig);
  const caFile = join(dir, 'kube-ca.pem');
  writeFileSync(caFile, endpoint.ca);
  return {
    namespace,
    middleware,
    provider: {
      kubernetesCRD: {
        endpoint: endpoint.server,
        token: endpoint.token,
        certAuthFilePath: caFile,
        namespaces: [namespace],
        allowExternalNameServices: true,
      },
    },
  };
}
