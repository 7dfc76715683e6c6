import type { V1ConfigMap, V1NetworkPolicy, V1Pod, V1Secret } from '@kubernetes/client-node';
import { formatCidr, parseCidr } from '../../core/ip-address.ts';
import { readBlockMarks } from './block-marks.ts';
import { parseIpList } from './ip-list-format.ts';
import type { KubeClients } from './kube-client.ts';
import { type KubeOperation, KubernetesApiError } from './kubernetes-api-error.ts';
import {
  type IpListObject,
  type MiddlewareInfo,
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

export interface DiscoverySettings {
  namespaces: string[];
  inspect_secrets: boolean;
  blocklist_configmaps: string[];
  traefik_label_selector: string;
  protected_cidrs: string[];
}

/** ConfigMaps whose key the owner marked as a block list, even while it is empty. */
export const BLOCKLIST_KEY_ANNOTATION = 'devops-agent.io/blocklist-key';

type Listed = Record<string, unknown> & {
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
};

/**
 * Reads what the cluster already has for blocking IPs in front of Traefik: Traefik CRDs in both API groups (which
 * route uses which middleware), the Traefik pods and what they mount, ConfigMaps holding IP lists, NetworkPolicies
 * with ipBlock rules, and the cluster's own addresses (never blocked). Read-only: get/list only.
 */
export async function discoverTraefik(clients: KubeClients, settings: DiscoverySettings): Promise<TraefikInventory> {
  const notes: string[] = [];
  const scopes = settings.namespaces.length > 0 ? settings.namespaces : [undefined];
  const crds: TraefikInventory['crds'] = [];
  const custom: Record<TraefikKind, { object: TraefikObject; raw: Listed }[]> = {
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

  const routes: RouteInfo[] = [];
  for (const kind of ['IngressRoute', 'IngressRouteTCP'] as const) {
    for (const { object, raw } of custom[kind]) {
      routes.push({
        kind,
        group: object.group,
        namespace: object.namespace,
        name: object.name,
        middlewares: routeMiddlewares(raw, object.namespace),
      });
    }
  }
  const ingresses = await listEach<Listed>(
    clients,
    { verb: 'list', resource: 'ingresses.networking.k8s.io' },
    scopes,
    (namespace, options) =>
      namespace
        ? clients.networking.listNamespacedIngress({ namespace }, options)
        : clients.networking.listIngressForAllNamespaces({}, options),
  );
  const middlewares = custom.Middleware.map(({ object, raw }) => describeMiddleware(object, raw));
  const byDashedName = new Map(
    middlewares.map((middleware) => [
      `${middleware.namespace}-${middleware.name}`,
      `${middleware.namespace}/${middleware.name}`,
    ]),
  );
  for (const ingress of ingresses) {
    const value = ingress.metadata?.annotations?.['traefik.ingress.kubernetes.io/router.middlewares'];
    if (!value) continue;
    routes.push({
      kind: 'Ingress',
      group: 'networking.k8s.io',
      namespace: ingress.metadata?.namespace ?? '',
      name: ingress.metadata?.name ?? '',
      middlewares: resolveProviderReferences(value, byDashedName),
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
    .filter((policy) => policy.ipBlocks.length > 0 || policy.managedByAgent);

  const services = await listEach<Listed>(
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
): Promise<Listed[] | undefined> {
  try {
    return await listEach<Listed>(
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

const TRAEFIK_IMAGE = /(^|\/)traefik(:|@|$)/i;

function isTraefikPod(pod: V1Pod, selector: Record<string, string> | undefined): boolean {
  if (selector && Object.keys(selector).length > 0 && labelsMatch(selector, pod.metadata?.labels ?? {})) return true;
  return (pod.spec?.containers ?? []).some((container) => TRAEFIK_IMAGE.test(container.image ?? ''));
}

function describePod(pod: V1Pod): TraefikPodInfo {
  const configMaps: TraefikPodInfo['configMaps'] = [];
  const secrets: TraefikPodInfo['secrets'] = [];
  for (const volume of pod.spec?.volumes ?? []) {
    if (volume.configMap?.name)
      configMaps.push({ name: volume.configMap.name, keys: volume.configMap.items?.map((item) => item.key) });
    if (volume.secret?.secretName)
      secrets.push({ name: volume.secret.secretName, keys: volume.secret.items?.map((item) => item.key) });
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap?.name)
        configMaps.push({ name: source.configMap.name, keys: source.configMap.items?.map((item) => item.key) });
      if (source.secret?.name)
        secrets.push({ name: source.secret.name, keys: source.secret.items?.map((item) => item.key) });
    }
  }
  const traefik =
    (pod.spec?.containers ?? []).find((container) => TRAEFIK_IMAGE.test(container.image ?? '')) ??
    pod.spec?.containers?.[0];
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    labels: pod.metadata?.labels ?? {},
    image: traefik?.image ?? '',
    podIp: pod.status?.podIP,
    configMaps,
    secrets,
    args: [...(traefik?.command ?? []), ...(traefik?.args ?? [])],
  };
}

/** `spec.routes[].middlewares[]` of an IngressRoute(TCP), as `namespace/name` (the route's namespace by default). */
function routeMiddlewares(raw: Listed, namespace: string): string[] {
  const references: string[] = [];
  const routes = Array.isArray(raw.spec?.routes) ? (raw.spec.routes as Record<string, unknown>[]) : [];
  for (const route of routes) {
    const list = Array.isArray(route?.middlewares) ? (route.middlewares as Record<string, unknown>[]) : [];
    for (const reference of list) {
      if (typeof reference?.name !== 'string') continue;
      const [name, provider] = reference.name.split('@');
      if (provider && provider !== 'kubernetescrd') continue;
      references.push(
        `${typeof reference.namespace === 'string' && reference.namespace ? reference.namespace : namespace}/${name}`,
      );
    }
  }
  return [...new Set(references)];
}

/** `ns-name@kubernetescrd, other@file` → the CRD middlewares it names (other providers are not ours to edit). */
function resolveProviderReferences(value: string, byDashedName: Map<string, string>): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.endsWith('@kubernetescrd'))
    .map((part) => byDashedName.get(part.slice(0, -'@kubernetescrd'.length)))
    .filter((reference): reference is string => reference !== undefined);
}

function linkMiddlewareUsers(
  middlewares: MiddlewareInfo[],
  routes: RouteInfo[],
  pods: TraefikPodInfo[],
  byDashedName: Map<string, string>,
): void {
  // During a v2 -> v3 migration the same namespace/name can exist in both API groups: a reference reaches both.
  const byKey = new Map<string, MiddlewareInfo[]>();
  for (const middleware of middlewares) {
    const key = `${middleware.namespace}/${middleware.name}`;
    byKey.set(key, [...(byKey.get(key) ?? []), middleware]);
  }
  const addUser = (reference: string, user: string) => {
    for (const middleware of byKey.get(reference) ?? [])
      if (!middleware.usedBy.includes(user)) middleware.usedBy.push(user);
  };
  for (const route of routes) {
    // IngressRouteTCP references MiddlewareTCP objects, never HTTP Middlewares.
    if (route.kind === 'IngressRouteTCP') continue;
    for (const reference of route.middlewares) addUser(reference, `${route.kind} ${route.namespace}/${route.name}`);
  }
  for (const pod of pods) {
    for (const arg of pod.args) {
      const match = /^--entry[pP]oints\.([^.=]+)\.http\.middlewares=(.+)$/.exec(arg);
      if (!match) continue;
      for (const reference of resolveProviderReferences(match[2], byDashedName)) {
        addUser(reference, `entrypoint ${match[1]} (${pod.namespace}/${pod.name})`);
      }
    }
  }
  // A chain passes its users on to the middlewares it chains (bounded: chains of chains, a few levels deep).
  for (let depth = 0; depth < 4; depth++) {
    for (const chain of middlewares) {
      for (const reference of chain.chains) {
        for (const user of chain.usedBy) {
          addUser(
            reference,
            user.includes(' via chain ') ? user : `${user} via chain ${chain.namespace}/${chain.name}`,
          );
        }
      }
    }
  }
  for (const middleware of middlewares) middleware.usedBy.sort();
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
  return {
    namespace,
    name: policy.metadata?.name ?? '',
    resourceVersion: policy.metadata?.resourceVersion ?? '',
    podSelector: matchLabels,
    selectsTraefik: simple && pods.some((pod) => pod.namespace === namespace && labelsMatch(matchLabels, pod.labels)),
    ipBlocks,
    managedByAgent: policy.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'devops-agent',
    agentEntries: Object.keys(readBlockMarks(policy.metadata?.annotations)),
  };
}

/** Node addresses and pod networks, service networks and IPs, pod IPs, configured ranges: never to be blocked. */
async function clusterAddresses(
  clients: KubeClients,
  pods: V1Pod[],
  services: Listed[],
  configured: string[],
  notes: string[],
): Promise<TraefikInventory['protectedRanges']> {
  const ranges = new Map<string, string>();
  const add = (entry: string | undefined, why: string) => {
    const cidr = entry ? parseCidr(entry) : undefined;
    if (cidr && !ranges.has(formatCidr(cidr))) ranges.set(formatCidr(cidr), why);
  };
  for (const entry of configured) add(entry, 'kubernetes.protected_cidrs');
  const nodes =
    (await clients.call({ verb: 'list', resource: 'nodes' }, (options) => clients.core.listNode({}, options))).items ??
    [];
  for (const node of nodes) {
    for (const address of node.status?.addresses ?? []) {
      if (address.type === 'InternalIP' || address.type === 'ExternalIP')
        add(address.address, `${address.type} of node ${node.metadata?.name}`);
    }
    for (const cidr of node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : []))
      add(cidr, `pod network of node ${node.metadata?.name}`);
  }
  try {
    const serviceCidrs = await clients.call({ verb: 'list', resource: 'servicecidrs.networking.k8s.io' }, (options) =>
      clients.networking.listServiceCIDR({}, options),
    );
    for (const item of serviceCidrs.items ?? [])
      for (const cidr of item.spec?.cidrs ?? []) add(cidr, `service network (ServiceCIDR ${item.metadata?.name})`);
  } catch (error) {
    if (!(error instanceof KubernetesApiError) || (error.reason !== 'not_found' && error.reason !== 'forbidden'))
      throw error;
    notes.push(`service networks not readable (${error.reason}): set kubernetes.protected_cidrs to protect them`);
  }
  for (const service of services) {
    const spec = (service.spec ?? {}) as { clusterIPs?: string[]; externalIPs?: string[] };
    const where = `service ${service.metadata?.namespace}/${service.metadata?.name}`;
    for (const ip of spec.clusterIPs ?? []) add(ip, `cluster IP of ${where}`);
    for (const ip of spec.externalIPs ?? []) add(ip, `external IP of ${where}`);
    const ingress =
      (service.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer?.ingress ?? [];
    for (const entry of ingress) add(entry.ip, `load balancer of ${where}`);
  }
  for (const pod of pods)
    for (const ip of pod.status?.podIPs ?? []) add(ip.ip, `pod ${pod.metadata?.namespace}/${pod.metadata?.name}`);
  return [...ranges.entries()].map(([cidr, why]) => ({ cidr, why }));
}
