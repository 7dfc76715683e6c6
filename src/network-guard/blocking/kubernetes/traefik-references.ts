import type { V1Pod } from '@kubernetes/client-node';
import type { ListedObject, MiddlewareInfo, RouteInfo, TraefikPodInfo } from './traefik-inventory.ts';
import { labelsMatch } from './traefik-objects.ts';

export const TRAEFIK_IMAGE = /(^|\/)traefik(:|@|$)/i;

export function isTraefikPod(pod: V1Pod, selector: Record<string, string> | undefined): boolean {
  if (selector && Object.keys(selector).length > 0 && labelsMatch(selector, pod.metadata?.labels ?? {})) return true;
  return (pod.spec?.containers ?? []).some((container) => TRAEFIK_IMAGE.test(container.image ?? ''));
}

export function describePod(pod: V1Pod): TraefikPodInfo {
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
export function routeMiddlewares(raw: ListedObject, namespace: string): string[] {
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
export function resolveProviderReferences(value: string, byDashedName: Map<string, string>): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.endsWith('@kubernetescrd'))
    .map((part) => byDashedName.get(part.slice(0, -'@kubernetescrd'.length)))
    .filter((reference): reference is string => reference !== undefined);
}

export function linkMiddlewareUsers(
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
