import { type IpFamily, parseCidr } from '../../../core/ip-address.ts';
import { type Admission, admissionOf } from './network-policy-admission.ts';
import type {
  DenyPattern,
  MiddlewareInfo,
  NetworkPolicyInfo,
  PatternKind,
  TraefikInventory,
} from './traefik-inventory.ts';
import { declaredPlugins } from './traefik-references.ts';

/** Where a block lands: the exact object (and field) the blocker edits or creates. */
export type BlockLocation =
  | {
      kind: 'Middleware';
      pattern: DenyPattern;
      group: string;
      version: string;
      plural: string;
      namespace: string;
      name: string;
      /** Path of the list inside the object, e.g. spec.plugin.denyip.ipDenyList. */
      path: string[];
    }
  | { kind: 'ConfigMap'; pattern: 'configmap'; namespace: string; name: string; key: string }
  | { kind: 'NetworkPolicy'; pattern: 'networkpolicy'; namespace: string; name: string }
  | {
      kind: 'NetworkPolicy';
      pattern: 'networkpolicy-fallback';
      namespace: string;
      name: string;
      podSelector: Record<string, string>;
    };

/** The deny list of a Middleware, as the place a block lands. */
export function middlewareLocation(
  middleware: MiddlewareInfo,
  denyList: NonNullable<MiddlewareInfo['denyList']>,
): BlockLocation {
  return {
    kind: 'Middleware',
    pattern: denyList.pattern,
    group: middleware.group,
    version: middleware.version,
    plural: middleware.plural,
    namespace: middleware.namespace,
    name: middleware.name,
    path: denyList.path,
  };
}

export interface PatternCandidate {
  pattern: PatternKind;
  /** `Middleware traefik/deny (traefik.io)`, `ConfigMap traefik/blocklist key blocked.txt`... */
  object: string;
  location: BlockLocation;
  eligible: boolean;
  /** Lower is better; ties are broken by the order documented in rankPatterns. */
  tier: number;
  reason: string;
  entries: number;
}

export interface PatternChoice {
  candidates: PatternCandidate[];
  chosen?: PatternCandidate;
  /** Why nothing was chosen, or caveats of the choice. */
  warnings: string[];
  /**
   * Set when no pattern is chosen because the NetworkPolicies on the Traefik pods already deny the address on every
   * port: blocking it again through them is `unchanged`, not a failure. Says which policies deny it.
   */
  alreadyDenied?: { detail: string; byAgent: boolean };
}

export interface RankingOptions {
  pattern: 'auto' | PatternKind;
  target?: { namespace: string; name: string; key?: string };
  fallbackName: string;
  /** Family of the address being blocked; NetworkPolicy ipBlocks must match it. */
  family?: IpFamily;
  /** The entry being blocked: NetworkPolicies are judged by how they treat it (see network-policy-admission.ts). */
  entry?: string;
}

const NETWORK_POLICY_CAVEAT =
  'a NetworkPolicy sees the client IP only when it is preserved up to the pod (Service externalTrafficPolicy: Local, no proxy in front) and the CNI enforces NetworkPolicy';

/**
 * Deterministic choice of how to block, best first:
 * 1. a deny-list Middleware (denyip or fail2ban plugin) that routes already use: more users first, denyip before
 *    fail2ban, then namespace/name;
 * 2. a ConfigMap IP list mounted by Traefik pods (more pods first), then one named in config or by annotation;
 * 3. an existing NetworkPolicy selecting the Traefik pods with an ipBlock of the right family;
 * 4. a new NetworkPolicy (the fallback) selecting the Traefik pods.
 * Objects that look like a pattern but would not block anything are listed with the reason they are not used.
 */
export function rankPatterns(inventory: TraefikInventory, options: RankingOptions): PatternChoice {
  const candidates: PatternCandidate[] = [];
  const plugins = new Map(inventory.traefikPods.flatMap((pod) => [...declaredPlugins(pod.args)]));
  for (const middleware of inventory.middlewares) {
    const label = `Middleware ${middleware.namespace}/${middleware.name} (${middleware.group})`;
    if (!middleware.denyList) continue;
    const used = middleware.usedBy.length;
    const field = middleware.denyList.path.slice(1).join('.');
    candidates.push({
      pattern: middleware.denyList.pattern,
      object: `${label} ${field}`,
      location: middlewareLocation(middleware, middleware.denyList),
      eligible: used > 0 && !middleware.denyList.oneString,
      tier: 1,
      reason: middleware.denyList.oneString
        ? `${field.replace(/^plugin\.[^.]+\./, '')} is a single string, not a list: the agent does not rewrite it; write it as a YAML list (- ${middleware.denyList.entries[0] ?? '<ip>'}) to let the agent add entries`
        : used > 0
          ? `deny list already used by ${used} route(s): ${middleware.usedBy.slice(0, 3).join(', ')}${used > 3 ? ', ...' : ''}; ${pluginNote(plugins, middleware.denyList.plugin)}`
          : 'deny list not referenced by any route or entrypoint: a block there would have no effect',
      entries: middleware.denyList.entries.length,
    });
  }
  for (const list of inventory.ipLists) {
    const label = `${list.kind} ${list.namespace}/${list.name} key ${list.key}`;
    const location: BlockLocation = {
      kind: 'ConfigMap',
      pattern: 'configmap',
      namespace: list.namespace,
      name: list.name,
      key: list.key,
    };
    if (list.kind === 'Secret') {
      candidates.push({
        pattern: 'configmap',
        object: label,
        location,
        eligible: false,
        tier: 2,
        reason: 'IP list in a Secret: reported, never edited',
        entries: list.entries.length,
      });
      continue;
    }
    const mounted = list.mountedBy.length;
    candidates.push({
      pattern: 'configmap',
      object: label,
      location,
      eligible: mounted > 0 || list.source !== 'content',
      tier: mounted > 0 ? 2 : 2.5,
      reason:
        mounted > 0
          ? `IP list (${list.format}) mounted by Traefik pod(s) ${list.mountedBy.slice(0, 3).join(', ')}`
          : list.source === 'content'
            ? 'IP list not mounted by any Traefik pod'
            : `IP list named by ${list.source === 'config' ? 'kubernetes.blocklist_configmaps' : 'annotation'}, not mounted by a Traefik pod`,
      entries: list.entries.length,
    });
  }
  // NetworkPolicies are allow-lists that add up: an except in one policy, or a new policy, denies nothing another policy
  // on the same pods allows. Only a policy that alone decides who reaches Traefik can carry a block.
  const isolating = inventory.networkPolicies.filter((policy) => policy.isolatesTraefik);
  const policyNames = (policies: NetworkPolicyInfo[]) =>
    policies.map((policy) => `NetworkPolicy ${policy.namespace}/${policy.name}`).join(', ');
  const admission = options.entry ? admissionOf(inventory, options.entry) : undefined;
  for (const policy of inventory.networkPolicies) {
    const verdict = admission
      ? policyVerdict(policy, admission, options.entry!, policyNames)
      : familyVerdict(policy, isolating, options.family, policyNames);
    candidates.push({
      pattern: 'networkpolicy',
      object: `NetworkPolicy ${policy.namespace}/${policy.name}`,
      location: { kind: 'NetworkPolicy', pattern: 'networkpolicy', namespace: policy.namespace, name: policy.name },
      eligible: verdict.eligible,
      tier: 3,
      reason: verdict.eligible
        ? `${verdict.reason}${policy.managedByAgent ? ' (created by devops-agent)' : ''}; ${NETWORK_POLICY_CAVEAT}`
        : verdict.reason,
      entries: policy.ipBlocks.reduce((total, block) => total + block.except.length, 0),
    });
  }
  const fallback = fallbackLocation(inventory, options.fallbackName);
  const alreadyIsolating = isolating.filter((policy) => !policy.managedByAgent);
  if (
    fallback &&
    !inventory.networkPolicies.some(
      (policy) => policy.namespace === fallback.namespace && policy.name === fallback.name,
    )
  ) {
    candidates.push({
      pattern: 'networkpolicy-fallback',
      object: `NetworkPolicy ${fallback.namespace}/${fallback.name} (new)`,
      location: fallback,
      eligible: alreadyIsolating.length === 0,
      tier: 4,
      reason:
        alreadyIsolating.length > 0
          ? `the Traefik pods are already isolated by ${policyNames(alreadyIsolating)}: policies add up, so a new policy allowing all but the blocked address could not deny what they allow and would allow what they deny`
          : `no Traefik pattern to extend: create a NetworkPolicy on the Traefik pods (${selectorText(fallback.podSelector)}) with ipBlock 0.0.0.0/0 and ::/0 except the blocked addresses; ${NETWORK_POLICY_CAVEAT}`,
      entries: 0,
    });
  }
  candidates.sort(compareCandidates(inventory));

  const warnings: string[] = [];
  let pool = candidates;
  if (options.pattern !== 'auto') pool = pool.filter((candidate) => candidate.pattern === options.pattern);
  if (options.target) {
    const target = options.target;
    pool = pool.filter(
      (candidate) =>
        candidate.location.namespace === target.namespace &&
        candidate.location.name === target.name &&
        (!target.key || (candidate.location.kind === 'ConfigMap' && candidate.location.key === target.key)),
    );
  }
  let chosen = pool.find((candidate) => candidate.eligible);
  if (!chosen && options.target && pool.length > 0) {
    chosen = pool[0];
    warnings.push(`kubernetes.target forces ${chosen.object} although: ${chosen.reason}`);
  }
  const alreadyDenied = !chosen && admission ? deniedByPolicies(admission, options.entry!, isolating) : undefined;
  if (alreadyDenied) return { candidates, warnings, alreadyDenied };
  if (!chosen && admission) {
    warnings.push(...unblockableReasons(admission, options.entry!));
    if (admission.admitting.length > 1) {
      warnings.push(
        `${policyNames(admission.admitting.map((item) => item.policy))} each admit ${options.entry} to the Traefik pods: policies add up, so a block would have to change all of them, and the agent changes one object per block (atomically)`,
      );
    }
  }
  if (!chosen) {
    warnings.push(
      inventory.traefikPods.length === 0
        ? 'no usable blocking pattern and no Traefik pods found: nothing can enforce a block (check kubernetes.namespaces and kubernetes.traefik_label_selector)'
        : `no usable blocking pattern${options.pattern === 'auto' ? '' : ` of kind ${options.pattern}`}${options.target ? ` for ${options.target.namespace}/${options.target.name}` : ''}`,
    );
  } else if (chosen.location.kind === 'NetworkPolicy') {
    const namespace = chosen.location.namespace;
    for (const exposure of inventory.exposures.filter((entry) => entry.namespace === namespace)) {
      if (exposure.type !== 'ClusterIP' && exposure.externalTrafficPolicy !== 'Local') {
        warnings.push(
          `Service ${exposure.namespace}/${exposure.name} (${exposure.type}) has externalTrafficPolicy ${exposure.externalTrafficPolicy ?? 'Cluster'}: client IPs are replaced by node IPs, so a NetworkPolicy block will not match; set it to Local`,
        );
      }
    }
    warnings.push(`NetworkPolicy blocking: ${NETWORK_POLICY_CAVEAT}`);
  }
  return { candidates, chosen, warnings };
}

/** Informational: a plugin may also be declared in a config file or TRAEFIK_ environment variables. */
function pluginNote(plugins: Map<string, string>, plugin: string): string {
  const declared = [...plugins].find(([name]) => name.toLowerCase() === plugin.toLowerCase());
  return declared
    ? `plugin ${plugin} loaded as ${declared[1]}`
    : `plugin ${plugin} not declared in the Traefik args (config file or environment?)`;
}

function compareCandidates(inventory: TraefikInventory) {
  const users = new Map(
    inventory.middlewares.map((middleware) => [`${middleware.namespace}/${middleware.name}`, middleware.usedBy.length]),
  );
  const mounts = new Map(
    inventory.ipLists.map((list) => [`${list.namespace}/${list.name}/${list.key}`, list.mountedBy.length]),
  );
  const weight = (candidate: PatternCandidate): number => {
    const location = candidate.location;
    if (location.kind === 'Middleware') return users.get(`${location.namespace}/${location.name}`) ?? 0;
    if (location.kind === 'ConfigMap') return mounts.get(`${location.namespace}/${location.name}/${location.key}`) ?? 0;
    return 0;
  };
  return (a: PatternCandidate, b: PatternCandidate): number =>
    Number(b.eligible) - Number(a.eligible) ||
    a.tier - b.tier ||
    weight(b) - weight(a) ||
    patternOrder(a.pattern) - patternOrder(b.pattern) ||
    a.object.localeCompare(b.object);
}

function patternOrder(pattern: PatternKind): number {
  return ['denyip-middleware', 'fail2ban-middleware', 'configmap', 'networkpolicy', 'networkpolicy-fallback'].indexOf(
    pattern,
  );
}

const VOLATILE_LABELS = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
]);

/** The new NetworkPolicy's place and selector: the Traefik Service's selector, else the stable labels of the pods. */
function fallbackLocation(
  inventory: TraefikInventory,
  name: string,
): Extract<BlockLocation, { pattern: 'networkpolicy-fallback' }> | undefined {
  const pods = [...inventory.traefikPods].sort((a, b) =>
    `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
  );
  const first = pods[0];
  if (!first) return undefined;
  const exposure = inventory.exposures.find((entry) => entry.namespace === first.namespace);
  const podSelector = exposure
    ? exposure.selector
    : Object.fromEntries(Object.entries(first.labels).filter(([key]) => !VOLATILE_LABELS.has(key)));
  if (Object.keys(podSelector).length === 0) return undefined;
  return { kind: 'NetworkPolicy', pattern: 'networkpolicy-fallback', namespace: first.namespace, name, podSelector };
}

function selectorText(selector: Record<string, string>): string {
  return Object.entries(selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

const NOT_IN_FORCE =
  'its policyTypes do not include Ingress: its ingress rules are not in force, an except there would block nothing';

interface PolicyVerdict {
  eligible: boolean;
  reason: string;
}

/** Whether an except in `policy` would deny `entry` on every port: it must be the only policy admitting it. */
function policyVerdict(
  policy: NetworkPolicyInfo,
  admission: Admission,
  entry: string,
  policyNames: (policies: NetworkPolicyInfo[]) => string,
): PolicyVerdict {
  if (!policy.selectsTraefik) return { eligible: false, reason: 'does not select the Traefik pods' };
  if (!policy.isolatesTraefik) {
    return {
      eligible: false,
      reason: NOT_IN_FORCE,
    };
  }
  const own = admission.admitting.find((item) => item.policy === policy);
  if (!own) return { eligible: false, reason: `no ipBlock admitting ${entry}` };
  const rivals = admission.admitting.filter((item) => item.policy !== policy).map((item) => item.policy);
  if (rivals.length > 0) {
    return {
      eligible: false,
      reason: `${policyNames(rivals)} also admits ${entry} to the Traefik pods; policies add up, so an except here would block nothing`,
    };
  }
  const blockers = unblockableReasons(admission, entry);
  if (blockers.length > 0) return { eligible: false, reason: blockers.join('; ') };
  return {
    eligible: true,
    reason: `ipBlock ${own.blocks.map((block) => block.cidr).join(', ')} on the Traefik pods admits ${entry}: each gets it in except`,
  };
}

/** Without an entry (`k8s patterns` with no target): any ipBlock of the family counts. */
function familyVerdict(
  policy: NetworkPolicyInfo,
  isolating: NetworkPolicyInfo[],
  family: IpFamily | undefined,
  policyNames: (policies: NetworkPolicyInfo[]) => string,
): PolicyVerdict {
  const ofFamily = (block: { cidr: string }) => !family || parseCidr(block.cidr)?.family === family;
  const rivals = isolating.filter(
    (other) =>
      (other.namespace !== policy.namespace || other.name !== policy.name) &&
      (other.admitsEverySource || other.ipBlocks.some(ofFamily)),
  );
  const fitting = policy.ipBlocks.filter(ofFamily);
  if (!policy.selectsTraefik) return { eligible: false, reason: 'does not select the Traefik pods' };
  if (!policy.isolatesTraefik) {
    return {
      eligible: false,
      reason: NOT_IN_FORCE,
    };
  }
  if (fitting.length === 0) return { eligible: false, reason: `no ipBlock for ${family ?? 'this'} addresses` };
  if (rivals.length > 0) {
    return {
      eligible: false,
      reason: `${policyNames(rivals)} also admits addresses to the Traefik pods; policies add up, so an except here would block nothing`,
    };
  }
  return { eligible: true, reason: `ipBlock ${fitting.map((block) => block.cidr).join(', ')} on the Traefik pods` };
}

/** Why no NetworkPolicy edit can deny `entry`: a rule admitting every source, an ipBlock holding part of it. */
function unblockableReasons(admission: Admission, entry: string): string[] {
  return [
    ...admission.everySource.map(
      (policy) =>
        `NetworkPolicy ${policy.namespace}/${policy.name} has an ingress rule without from, which admits every source (${entry} too) on its ports: no NetworkPolicy edit can deny it there`,
    ),
    ...admission.partial.map(
      ({ policy, block }) =>
        `NetworkPolicy ${policy.namespace}/${policy.name} admits ${block.cidr}, a part of ${entry}: an except must lie inside its cidr, so block the narrower network there`,
    ),
  ];
}

/** The policies on the Traefik pods already deny `entry` on every port: nothing admits it, every pod is isolated. */
function deniedByPolicies(
  admission: Admission,
  entry: string,
  isolating: NetworkPolicyInfo[],
): PatternChoice['alreadyDenied'] {
  if (admission.admitting.length > 0 || unblockableReasons(admission, entry).length > 0) return undefined;
  if (!admission.everyPodIsolated) return undefined;
  const byAgent = isolating.some((policy) => policy.agentEntries.includes(entry));
  const names = isolating.map((policy) => `${policy.namespace}/${policy.name}`).join(', ');
  return {
    detail: `${entry} already denied to the Traefik pods: no rule of NetworkPolicy ${names} admits it (no ipBlock holds it outside its excepts, no rule admits every source)`,
    byAgent,
  };
}
