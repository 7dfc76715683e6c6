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

/**
 * `spec.routes[].middlewares[]` of an IngressRoute(TCP), as `namespace/name` (the route's namespace by default). A
 * name with `@kubernetescrd` is Traefik's full name (`<namespace>-<name>`, namespace field ignored); other
 * providers' middlewares are not ours to edit.
 */
export function routeMiddlewares(raw: ListedObject, namespace: string, byDashedName: Map<string, string>): string[] {
  const references: string[] = [];
  const routes = Array.isArray(raw.spec?.routes) ? (raw.spec.routes as Record<string, unknown>[]) : [];
  for (const route of routes) {
    const list = Array.isArray(route?.middlewares) ? (route.middlewares as Record<string, unknown>[]) : [];
    for (const reference of list) {
      if (typeof reference?.name !== 'string') continue;
      if (reference.name.includes('@')) {
        references.push(...resolveProviderReferences(reference.name, byDashedName));
        continue;
      }
      references.push(
        `${typeof reference.namespace === 'string' && reference.namespace ? reference.namespace : namespace}/${reference.name}`,
      );
    }
  }
  return [...new Set(references)];
}

/** `spec.entryPoints` of an IngressRoute, or the Ingress annotation; undefined when not set. */
export function routeEntryPoints(value: unknown): string[] | undefined {
  const names = Array.isArray(value)
    ? value.filter((name): name is string => typeof name === 'string')
    : typeof value === 'string'
      ? value.split(',')
      : [];
  const trimmed = names.map((name) => name.trim()).filter(Boolean);
  return trimmed.length > 0 ? trimmed : undefined;
}

/**
 * Static options of Traefik's command line the blocker needs: entry point default middlewares and which entry points
 * are defaults. Traefik's flag parser (traefik/paerser) takes `-x` or `--x`, `=value` or the next argument, matches
 * option names case-insensitively, entry point names too (the first spelling names the entry point), and adds a
 * repeated list option to the list.
 */
export function entryPointOptions(args: string[]): { middlewares: Map<string, string[]>; defaults: Set<string> } {
  const names = new Map<string, string>();
  const middlewares = new Map<string, string[]>();
  const defaults = new Set<string>();
  for (let index = 0; index < args.length; index++) {
    const match = /^--?entrypoints\.([^.=]+)(?:\.([^=]*))?(?:=(.*))?$/is.exec(args[index]);
    if (!match) continue;
    const [, spelled, rest = '', inline] = match;
    if (!names.has(spelled.toLowerCase())) names.set(spelled.toLowerCase(), spelled);
    const entryPoint = names.get(spelled.toLowerCase())!;
    const option = rest.toLowerCase();
    if (option !== 'http.middlewares' && option !== 'asdefault') continue;
    let value = inline;
    if (value === undefined && option !== 'asdefault' && index + 1 < args.length && !args[index + 1].startsWith('-'))
      value = args[++index];
    if (option === 'asdefault') {
      if (value === undefined || value.toLowerCase() === 'true') defaults.add(entryPoint);
    } else if (value) middlewares.set(entryPoint, [...(middlewares.get(entryPoint) ?? []), value]);
  }
  return { middlewares, defaults };
}

/**
 * Plugins Traefik's command line declares (`--experimental.plugins.<name>.moduleName`, `.localPlugins.` likewise), as
 * name -> module; option names in any case (charts before v26 and users write `modulename`).
 */
export function declaredPlugins(args: string[]): Map<string, string> {
  const plugins = new Map<string, string>();
  for (const arg of args) {
    const match = /^--?experimental\.(?:plugins|localplugins)\.([^.=]+)\.modulename=(.+)$/is.exec(arg);
    if (match && !plugins.has(match[1])) plugins.set(match[1], match[2]);
  }
  return plugins;
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
  const httpRoutes = routes.filter((route) => route.kind !== 'IngressRouteTCP');
  for (const pod of pods) {
    const { middlewares: onEntryPoints, defaults } = entryPointOptions(pod.args);
    for (const [entryPoint, values] of onEntryPoints) {
      // An entry point's middlewares run for every router on it: routes naming it, and routes naming none when it
      // is a default entry point (all of them when no entry point is marked asDefault).
      const routers = httpRoutes.filter((route) =>
        route.entryPoints ? route.entryPoints.includes(entryPoint) : defaults.size === 0 || defaults.has(entryPoint),
      );
      for (const reference of values.flatMap((value) => resolveProviderReferences(value, byDashedName))) {
        addUser(reference, `entrypoint ${entryPoint} (${pod.namespace}/${pod.name})`);
        for (const route of routers) {
          const router = `${route.kind} ${route.namespace}/${route.name}`;
          // A route that names the middleware itself is one user, not two.
          if (route.middlewares.includes(reference)) continue;
          addUser(reference, `${router} via entrypoint ${entryPoint}`);
        }
      }
    }
  }
  // A chain passes its users on to the middlewares it chains (bounded: chains of chains, a few levels deep).
  for (let depth = 0; depth < 4; depth++) {
    for (const chain of middlewares) {
      const chained = chain.chains.flatMap((reference) =>
        reference.includes('@') ? resolveProviderReferences(reference, byDashedName) : [reference],
      );
      for (const reference of chained) {
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
