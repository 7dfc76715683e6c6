// Test helper for unit tests: KubeClients that answer discovery's list calls from fixture manifests, so the whole of
// `k8s patterns` (discoverTraefik + rankPatterns) runs on real-shaped objects without an API server. Read-only.
import type { KubeClients } from '../../../kubernetes/kube-client.ts';
import { KubernetesApiError } from '../../../kubernetes/kubernetes-api-error.ts';
import type { ListedObject } from './traefik-inventory.ts';

type Manifest = ListedObject & { apiVersion?: string; kind?: string };

/** A custom resource group counts as installed when a fixture object uses it (as `kubectl get` would find it). */
export function fixtureKubeClients(manifests: Manifest[]): KubeClients {
  const byKind = (kind: string, apiVersion?: string) =>
    manifests.filter(
      (object) => object.kind === kind && (apiVersion === undefined || object.apiVersion === apiVersion),
    );
  const scoped = (items: Manifest[], namespace?: string) => ({
    items: namespace ? items.filter((item) => item.metadata?.namespace === namespace) : items,
  });
  const kinds: Record<string, string> = {
    middlewares: 'Middleware',
    middlewaretcps: 'MiddlewareTCP',
    ingressroutes: 'IngressRoute',
    ingressroutetcps: 'IngressRouteTCP',
    traefikservices: 'TraefikService',
  };
  const installed = new Set(manifests.map((object) => object.apiVersion?.split('/')[0]));
  const custom = async ({ group, plural, namespace }: { group: string; plural: string; namespace?: string }) => {
    if (!installed.has(group))
      throw new KubernetesApiError({ verb: 'list', resource: `${plural}.${group}` }, 'not_found', 'not found', {
        isRetryable: false,
        statusCode: 404,
      });
    return scoped(byKind(kinds[plural], `${group}/v1alpha1`), namespace);
  };
  const list =
    (kind: string, apiVersion?: string) =>
    async (request: { namespace?: string } = {}) =>
      scoped(byKind(kind, apiVersion), request.namespace);
  const clients = {
    contextName: 'fixture',
    server: 'https://fixture.invalid',
    user: 'fixture',
    core: {
      listPodForAllNamespaces: list('Pod'),
      listNamespacedPod: list('Pod'),
      listConfigMapForAllNamespaces: list('ConfigMap'),
      listNamespacedConfigMap: list('ConfigMap'),
      listSecretForAllNamespaces: list('Secret'),
      listNamespacedSecret: list('Secret'),
      listServiceForAllNamespaces: list('Service'),
      listNamespacedService: list('Service'),
      listNode: list('Node'),
    },
    networking: {
      listIngressForAllNamespaces: list('Ingress'),
      listNamespacedIngress: list('Ingress'),
      listNetworkPolicyForAllNamespaces: list('NetworkPolicy'),
      listNamespacedNetworkPolicy: list('NetworkPolicy'),
      listServiceCIDR: list('ServiceCIDR'),
    },
    customObjects: { listClusterCustomObject: custom, listNamespacedCustomObject: custom },
    call: <T>(_operation: unknown, run: (options: unknown) => Promise<T>) => run({}),
  };
  return clients as unknown as KubeClients;
}
