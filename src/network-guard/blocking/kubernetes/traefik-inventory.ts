import type { IpListFormat } from './ip-list-format.ts';

/** Both API groups Traefik has served its CRDs under (v2 used containo.us, v3 uses traefik.io). */
export const TRAEFIK_GROUPS = ['traefik.io', 'traefik.containo.us'] as const;
export const TRAEFIK_VERSION = 'v1alpha1';

export const TRAEFIK_KINDS = {
  Middleware: 'middlewares',
  MiddlewareTCP: 'middlewaretcps',
  IngressRoute: 'ingressroutes',
  IngressRouteTCP: 'ingressroutetcps',
  TraefikService: 'traefikservices',
} as const;
export type TraefikKind = keyof typeof TRAEFIK_KINDS;

export type DenyPattern = 'denyip-middleware' | 'fail2ban-middleware';
export type PatternKind = DenyPattern | 'configmap' | 'networkpolicy' | 'networkpolicy-fallback';

export interface ObjectRef {
  namespace: string;
  name: string;
}

/** A Traefik custom object as listed (any of the five kinds, either group). */
export interface TraefikObject extends ObjectRef {
  kind: TraefikKind;
  group: string;
  version: string;
  plural: string;
  resourceVersion: string;
}

export interface MiddlewareInfo extends TraefikObject {
  /** First-level spec keys (`plugin`, `ipAllowList`, `chain`...): what kind of middleware this is. */
  types: string[];
  /**
   * Set when the middleware is a deny list of a plugin the agent knows. `oneString`: the list is written as one string
   * (Traefik reads `a,b` as a list); the agent reports it and never changes its shape.
   */
  denyList?: { pattern: DenyPattern; plugin: string; path: string[]; entries: string[]; oneString?: boolean };
  /** Middlewares this one chains to (`namespace/name`, or `name@provider` as written for another provider). */
  chains: string[];
  /** Who uses it: `IngressRoute ns/name`, `Ingress ns/name`, `entrypoint web`, through chains too. */
  usedBy: string[];
  /** Entries (with their metadata) the agent marked as its own. */
  agentEntries: string[];
}

export interface RouteInfo extends ObjectRef {
  kind: 'IngressRoute' | 'IngressRouteTCP' | 'Ingress';
  group: string;
  /** Middlewares referenced, as `namespace/name`. */
  middlewares: string[];
  /** Entry points it names; absent: Traefik attaches it to the default entry points. */
  entryPoints?: string[];
}

export interface TraefikPodInfo extends ObjectRef {
  labels: Record<string, string>;
  image: string;
  podIp?: string;
  configMaps: { name: string; keys?: string[] }[];
  secrets: { name: string; keys?: string[] }[];
  args: string[];
}

export interface TraefikServiceExposure extends ObjectRef {
  type: string;
  externalTrafficPolicy?: string;
  selector: Record<string, string>;
}

export interface IpListObject extends ObjectRef {
  kind: 'ConfigMap' | 'Secret';
  key: string;
  format: IpListFormat;
  entries: string[];
  resourceVersion: string;
  /** Traefik pods mounting this key. */
  mountedBy: string[];
  /** Why it counts as a list: its content, the config, or an annotation. */
  source: 'content' | 'config' | 'annotation';
  agentEntries: string[];
}

export interface IpBlockInfo {
  /** JSON pointer of the ipBlock inside the NetworkPolicy. */
  pointer: string;
  cidr: string;
  except: string[];
}

export interface NetworkPolicyInfo extends ObjectRef {
  resourceVersion: string;
  podSelector: Record<string, string>;
  /** True when its selector matches Traefik pods in its namespace. */
  selectsTraefik: boolean;
  /**
   * True when it may select Traefik pods for Ingress (a label selector matching them, or a selector discovery cannot
   * evaluate in their namespace): those pods are then isolated, and policies add up, so what it allows stays allowed.
   */
  isolatesTraefik: boolean;
  /** True when one of its ingress rules has no `from`: every source (on that rule's ports) is allowed. */
  admitsEverySource: boolean;
  ipBlocks: IpBlockInfo[];
  managedByAgent: boolean;
  agentEntries: string[];
}

/** Everything discovery found: the equivalent of `kubectl get middleware,ingressroute,traefikservice -A` and more. */
export interface TraefikInventory {
  context: string;
  server: string;
  /** Which group/kind pairs the cluster serves (CRD installed), and how many objects each has. */
  crds: { group: string; kind: TraefikKind; installed: boolean; count: number }[];
  middlewares: MiddlewareInfo[];
  middlewaresTcp: TraefikObject[];
  routes: RouteInfo[];
  traefikServices: TraefikObject[];
  traefikPods: TraefikPodInfo[];
  exposures: TraefikServiceExposure[];
  ipLists: IpListObject[];
  networkPolicies: NetworkPolicyInfo[];
  /** Addresses the blocker never blocks: node IPs, pod and service networks, Traefik's own addresses. */
  protectedRanges: { cidr: string; why: string }[];
  notes: string[];
}

/** An object as a list call returns it, before it is described. */
export type ListedObject = Record<string, unknown> & {
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
};
