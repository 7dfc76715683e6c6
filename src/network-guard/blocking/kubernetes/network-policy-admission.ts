import { IpSet, parseCidr } from '../../../core/ip-address.ts';
import { canonicalEntry } from './ip-list-format.ts';
import type { IpBlockInfo, NetworkPolicyInfo, TraefikInventory } from './traefik-inventory.ts';
import { labelsMatch } from './traefik-objects.ts';

/**
 * How the NetworkPolicies on the Traefik pods treat one address from outside the cluster, the way NetworkPolicy
 * decides it: policies add up, every rule of every policy isolating the pods for Ingress may admit it (on that
 * rule's ports), and only ipBlocks and rules without `from` match an address outside the cluster. A block through
 * NetworkPolicy holds on every port only when every ipBlock admitting the address gets it in `except`, in one
 * object (one atomic patch), and no rule admits every source.
 */
export interface Admission {
  /** Isolating policies with ipBlocks admitting the address (cidr holds it, no except covers it), with those ipBlocks. */
  admitting: { policy: NetworkPolicyInfo; blocks: IpBlockInfo[] }[];
  /** Isolating policies with an ingress rule without `from`: every source passes on that rule's ports. */
  everySource: NetworkPolicyInfo[];
  /** ipBlocks holding part of the address range only: an except must lie inside its cidr, so it cannot carry it. */
  partial: { policy: NetworkPolicyInfo; block: IpBlockInfo }[];
  /** True when an isolating policy selects every Traefik pod (a pod no policy isolates admits every address). */
  everyPodIsolated: boolean;
}

export function admissionOf(inventory: TraefikInventory, entry: string): Admission {
  const isolating = inventory.networkPolicies.filter((policy) => policy.isolatesTraefik);
  const admitting: Admission['admitting'] = [];
  const partial: Admission['partial'] = [];
  for (const policy of isolating) {
    const blocks = policy.ipBlocks.filter((block) => ipBlockAdmits(block, entry));
    if (blocks.length > 0) admitting.push({ policy, blocks });
    for (const block of policy.ipBlocks.filter((candidate) => ipBlockHoldsPart(candidate, entry)))
      partial.push({ policy, block });
  }
  const everyPodIsolated =
    inventory.traefikPods.length > 0 &&
    inventory.traefikPods.every((pod) =>
      isolating.some(
        (policy) =>
          policy.selectsTraefik && policy.namespace === pod.namespace && labelsMatch(policy.podSelector, pod.labels),
      ),
    );
  return {
    admitting,
    everySource: isolating.filter((policy) => policy.admitsEverySource),
    partial,
    everyPodIsolated,
  };
}

/** The ipBlock's cidr holds all of `entry` and no except covers it: the entry gets through this ipBlock. */
export function ipBlockAdmits(block: { cidr: string; except: readonly string[] }, entry: string): boolean {
  if (!sameFamily(block.cidr, entry) || !new IpSet([block.cidr]).coversCidr(entry)) return false;
  return exceptCovering(block.except, entry) === undefined;
}

/** The ipBlock's cidr lies inside `entry` without being all of it (networks either nest or are disjoint). */
export function ipBlockHoldsPart(block: { cidr: string }, entry: string): boolean {
  if (!sameFamily(block.cidr, entry)) return false;
  return new IpSet([entry]).coversCidr(block.cidr) && !new IpSet([block.cidr]).coversCidr(entry);
}

/** The except entry that already denies `entry` (the same network, or one containing it). */
export function exceptCovering(except: readonly string[], entry: string): string | undefined {
  return except.find((value) => {
    const canonical = canonicalEntry(value);
    return canonical !== undefined && (canonical === entry || new IpSet([canonical]).coversCidr(entry));
  });
}

function sameFamily(a: string, b: string): boolean {
  const family = parseCidr(a)?.family;
  return family !== undefined && family === parseCidr(b)?.family;
}
