import type { V1ConfigMap, V1NetworkPolicy, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { KubeClients } from '../../../kubernetes/kube-client.ts';
import { type KubeOperation, KubernetesApiError } from '../../../kubernetes/kubernetes-api-error.ts';
import { readBlockMarks } from './block-marks.ts';
import { clusterAddresses } from './cluster-addresses.ts';
import { parseIpList } from './ip-list-format.ts';
import {
  type IpListObject,
  type ListedObject,
  type NetworkPolicyInfo,
  type RouteInfo,
  TRAEFIK_GROUPS,
  TRAEFIK_KINDS,
  TRAEFIK_VERSION,
  type TraefikInventory,
  type TraefikKind,
  type TraefikObject,
  type TraefikPodInfo,
  type TraefikServiceExposure,
} from './traefik-inventory.ts';
import { describeMiddleware, labelsMatch, parseEqualitySelector } from './traefik-objects.ts';
import {
  describePod,
  isTraefikPod,
  linkMiddlewareUsers,
  resolveProviderReferences,
  routeEntryPoints,
  routeMiddlewares,
} from './traefik-references.ts';

export interface DiscoverySettings {
  namespaces: string[];
  inspect_secrets: boolean;
  blocklist_configmaps: string[];
  traefik_label_selector: string;
  protected_cidrs: string[];
}

/** ConfigMaps whose key the owner marked as a block list, even while it is empty. */
export const BLOCKLIST_KEY_ANNOTATION = 'devops-agent.io/blocklist-key';

/**
 * Reads what the cluster already has for blocking IPs in front of Traefik: Traefik CRDs in both API groups (which
 * route uses which middleware), the Traefik pods and what they mount, ConfigMaps holding IP lists, NetworkPolicies
 * with ipBlock rules, and the cluster's own addresses (never blocked). Read-only: get/list only.
 */
export async function discoverTraefik(clients: KubeClients, settings: DiscoverySettings): Promise<TraefikInventory> {
  const notes: string[] = [];
  const scopes = settings.namespaces.length > 0 ? settings.namespaces : [undefined];
  const crds: TraefikInventory['crds'] = [];
  const custom: Record<TraefikKind, { object: TraefikObject; raw: ListedObject }[]> = {
    Middleware: [],
    MiddlewareTCP: [],
    IngressRoute: [],
    IngressRouteTCP: [],
    TraefikService: [],
  };
  for (const group of TRAEFIK_GROUPS) {
    for (const [kind, plural] of Object.entries(TRAEFIK_KINDS) as [TraefikKind, string][]) {
      const items = await listCustomObjects(clients, group, plural, scopes);
      crds.push({ group, kind, installed: items !== undefined, count: items?.length ?? 0 });
      for (const raw of items ?? []) {
        custom[kind].push({
          raw,
          object: {
            kind,
            group,
            version: TRAEFIK_VERSION,
            plural,
            namespace: raw.metadata?.namespace ?? '',
            name: raw.metadata?.name ?? '',
            resourceVersion: raw.metadata?.resourceVersion ?? '',
          },
        });
      }
    }
  }
  if (!crds.some((crd) => crd.installed))
    notes.push('no Traefik CRDs are installed (neither traefik.io nor traefik.containo.us)');

  const pods = await listEach<V1Pod>(clients, { verb: 'list', resource: 'pods' }, scopes, (namespace, options) =>
    namespace
      ? clients.core.listNamespacedPod({ namespace }, options)
      : clients.core.listPodForAllNamespaces({}, options),
  );
  const selector = parseEqualitySelector(settings.traefik_label_selector);
  if (!selector)
    notes.push(
      `kubernetes.traefik_label_selector "${settings.traefik_label_selector}" is not a simple k=v list; matching by image only`,
    );
  const traefikPods = pods.filter((pod) => isTraefikPod(pod, selector)).map(describePod);

  const middlewares = custom.Middleware.map(({ object, raw }) => describeMiddleware(object, raw));
  const byDashedName = new Map(
    middlewares.map((middleware) => [
      `${middleware.namespace}-${middleware.name}`,
      `${middleware.namespace}/${middleware.name}`,
    ]),
  );
  const routes: RouteInfo[] = [];
  for (const kind of ['IngressRoute', 'IngressRouteTCP'] as const) {
    for (const { object, raw } of custom[kind]) {
      routes.push({
        kind,
        group: object.group,
        namespace: object.namespace,
        name: object.name,
        middlewares: routeMiddlewares(raw, object.namespace, byDashedName),
        entryPoints: routeEntryPoints(raw.spec?.entryPoints),
      });
    }
  }
  const ingresses = await listEach<ListedObject>(
    clients,
    { verb: 'list', resource: 'ingresses.networking.k8s.io' },
    scopes,
    (namespace, options) =>
      namespace
        ? clients.networking.listNamespacedIngress({ namespace }, options)
        : clients.networking.listIngressForAllNamespaces({}, options),
  );
  for (const ingress of ingresses) {
    const annotations = ingress.metadata?.annotations ?? {};
    const value = annotations['traefik.ingress.kubernetes.io/router.middlewares'];
    // Another controller's Ingress is no Traefik router (the chart's and k3s's IngressClass is named traefik).
    const ingressClass =
      (ingress.spec as { ingressClassName?: string } | undefined)?.ingressClassName ??
      annotations['kubernetes.io/ingress.class'];
    if (!value && ingressClass && !/traefik/i.test(ingressClass)) continue;
    routes.push({
      kind: 'Ingress',
      group: 'networking.k8s.io',
      namespace: ingress.metadata?.namespace ?? '',
      name: ingress.metadata?.name ?? '',
      middlewares: value ? resolveProviderReferences(value, byDashedName) : [],
      entryPoints: routeEntryPoints(annotations['traefik.ingress.kubernetes.io/router.entrypoints']),
    });
  }
  linkMiddlewareUsers(middlewares, routes, traefikPods, byDashedName);

  const configMaps = await listEach<V1ConfigMap>(
    clients,
    { verb: 'list', resource: 'configmaps' },
    scopes,
    (namespace, options) =>
      namespace
        ? clients.core.listNamespacedConfigMap({ namespace }, options)
        : clients.core.listConfigMapForAllNamespaces({}, options),
  );
  const ipLists = configMaps.flatMap((configMap) =>
    findIpLists('ConfigMap', configMap, configMap.data ?? {}, traefikPods, settings),
  );
  if (settings.inspect_secrets) {
    const secrets = await listEach<V1Secret>(
      clients,
      { verb: 'list', resource: 'secrets' },
      scopes,
      (namespace, options) =>
        namespace
          ? clients.core.listNamespacedSecret({ namespace }, options)
          : clients.core.listSecretForAllNamespaces({}, options),
    );
    for (const secret of secrets) {
      const decoded = Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
      );
      ipLists.push(...findIpLists('Secret', secret, decoded, traefikPods, settings));
    }
  }

  const policies = await listEach<V1NetworkPolicy>(
    clients,
    { verb: 'list', resource: 'networkpolicies.networking.k8s.io' },
    scopes,
    (namespace, options) =>
      namespace
        ? clients.networking.listNamespacedNetworkPolicy({ namespace }, options)
        : clients.networking.listNetworkPolicyForAllNamespaces({}, options),
  );
  const networkPolicies = policies
    .map((policy) => describeNetworkPolicy(policy, traefikPods))
    .filter((policy) => policy.ipBlocks.length > 0 || policy.managedByAgent || policy.isolatesTraefik);

  const services = await listEach<ListedObject>(
    clients,
    { verb: 'list', resource: 'services' },
    scopes,
    (namespace, options) =>
      namespace
        ? clients.core.listNamespacedService({ namespace }, options)
        : clients.core.listServiceForAllNamespaces({}, options),
  );
  const exposures: TraefikServiceExposure[] = [];
  for (const service of services) {
    const spec = (service.spec ?? {}) as {
      selector?: Record<string, string>;
      type?: string;
      externalTrafficPolicy?: string;
    };
    const namespace = service.metadata?.namespace ?? '';
    if (!spec.selector || Object.keys(spec.selector).length === 0) continue;
    if (!traefikPods.some((pod) => pod.namespace === namespace && labelsMatch(spec.selector!, pod.labels))) continue;
    exposures.push({
      namespace,
      name: service.metadata?.name ?? '',
      type: spec.type ?? 'ClusterIP',
      externalTrafficPolicy: spec.externalTrafficPolicy,
      selector: spec.selector,
    });
  }

  const protectedRanges = await clusterAddresses(clients, pods, services, settings.protected_cidrs, notes);
  return {
    context: clients.contextName,
    server: clients.server,
    crds,
    middlewares,
    middlewaresTcp: custom.MiddlewareTCP.map(({ object }) => object),
    routes,
    traefikServices: custom.TraefikService.map(({ object }) => object),
    traefikPods,
    exposures,
    ipLists,
    networkPolicies,
    protectedRanges,
    notes,
  };
}

/** Lists one custom resource in every scope; undefined when the CRD is not installed (404). */
async function listCustomObjects(
  clients: KubeClients,
  group: string,
  plural: string,
  scopes: (string | undefined)[],
): Promise<ListedObject[] | undefined> {
  try {
    return await listEach<ListedObject>(
      clients,
      { verb: 'list', resource: `${plural}.${group}` },
      scopes,
      (namespace, options) =>
        namespace
          ? clients.customObjects.listNamespacedCustomObject(
              { group, version: TRAEFIK_VERSION, namespace, plural },
              options,
            )
          : clients.customObjects.listClusterCustomObject({ group, version: TRAEFIK_VERSION, plural }, options),
    );
  } catch (error) {
    if (error instanceof KubernetesApiError && error.reason === 'not_found') return undefined;
    throw error;
  }
}

async function listEach<T>(
  clients: KubeClients,
  operation: KubeOperation,
  scopes: (string | undefined)[],
  list: (namespace: string | undefined, options: Parameters<Parameters<KubeClients['call']>[1]>[0]) => Promise<unknown>,
): Promise<T[]> {
  const items: T[] = [];
  for (const namespace of scopes) {
    const result = (await clients.call({ ...operation, namespace }, (options) => list(namespace, options))) as {
      items?: T[];
    };
    items.push(...(result.items ?? []));
  }
  return items;
}

function findIpLists(
  kind: 'ConfigMap' | 'Secret',
  object: V1ConfigMap | V1Secret,
  data: Record<string, string>,
  pods: TraefikPodInfo[],
  settings: DiscoverySettings,
): IpListObject[] {
  const namespace = object.metadata?.namespace ?? '';
  const name = object.metadata?.name ?? '';
  const annotated = object.metadata?.annotations?.[BLOCKLIST_KEY_ANNOTATION];
  const marks = readBlockMarks(object.metadata?.annotations);
  const found: IpListObject[] = [];
  for (const [key, text] of Object.entries(data)) {
    const configured = kind === 'ConfigMap' && settings.blocklist_configmaps.includes(`${namespace}/${name}/${key}`);
    const source = configured ? 'config' : annotated === key ? 'annotation' : 'content';
    const list = parseIpList(text, source !== 'content');
    if (!list) continue;
    const mountedBy = pods
      .filter((pod) => pod.namespace === namespace)
      .filter((pod) =>
        (kind === 'ConfigMap' ? pod.configMaps : pod.secrets).some(
          (mount) => mount.name === name && (!mount.keys || mount.keys.includes(key)),
        ),
      )
      .map((pod) => `${pod.namespace}/${pod.name}`);
    found.push({
      kind,
      namespace,
      name,
      key,
      format: list.format,
      entries: list.entries,
      resourceVersion: object.metadata?.resourceVersion ?? '',
      mountedBy,
      source,
      agentEntries: Object.keys(marks),
    });
  }
  return found;
}

function describeNetworkPolicy(policy: V1NetworkPolicy, pods: TraefikPodInfo[]): NetworkPolicyInfo {
  const namespace = policy.metadata?.namespace ?? '';
  const selector = policy.spec?.podSelector;
  const simple = !selector?.matchExpressions || selector.matchExpressions.length === 0;
  const matchLabels = selector?.matchLabels ?? {};
  const ipBlocks: NetworkPolicyInfo['ipBlocks'] = [];
  (policy.spec?.ingress ?? []).forEach((rule, ruleIndex) => {
    (rule._from ?? []).forEach((peer, peerIndex) => {
      if (peer.ipBlock?.cidr) {
        ipBlocks.push({
          pointer: `/spec/ingress/${ruleIndex}/from/${peerIndex}/ipBlock`,
          cidr: peer.ipBlock.cidr,
          except: peer.ipBlock.except ?? [],
        });
      }
    });
  });
  const inTraefikNamespace = pods.filter((pod) => pod.namespace === namespace);
  const selectsTraefik = simple && inTraefikNamespace.some((pod) => labelsMatch(matchLabels, pod.labels));
  // No policyTypes means Ingress (the API server stores it so); a selector with expressions is counted as selecting.
  const ingressType = (policy.spec?.policyTypes ?? ['Ingress']).includes('Ingress');
  return {
    namespace,
    name: policy.metadata?.name ?? '',
    resourceVersion: policy.metadata?.resourceVersion ?? '',
    podSelector: matchLabels,
    selectsTraefik,
    isolatesTraefik: ingressType && (selectsTraefik || (!simple && inTraefikNamespace.length > 0)),
    admitsEverySource: (policy.spec?.ingress ?? []).some((rule) => (rule._from ?? []).length === 0),
    ipBlocks,
    managedByAgent: policy.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'devops-agent',
    agentEntries: Object.keys(readBlockMarks(policy.metadata?.annotations)),
  };
}
