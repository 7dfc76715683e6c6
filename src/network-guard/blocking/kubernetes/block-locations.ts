import { canonicalEntry } from './ip-list-format.ts';
import { type BlockLocation, middlewareLocation } from './pattern-ranking.ts';
import type { TraefikInventory } from './traefik-inventory.ts';

/** Every object whose annotation marks `entry` as added by the agent. */
export function markedLocations(inventory: TraefikInventory, entry: string): BlockLocation[] {
  const locations: BlockLocation[] = [];
  for (const middleware of inventory.middlewares) {
    if (!middleware.denyList || !middleware.agentEntries.includes(entry)) continue;
    locations.push(middlewareLocation(middleware, middleware.denyList));
  }
  const configMaps = new Map<string, typeof inventory.ipLists>();
  for (const list of inventory.ipLists) {
    if (list.kind !== 'ConfigMap' || !list.agentEntries.includes(entry)) continue;
    const key = `${list.namespace}/${list.name}`;
    configMaps.set(key, [...(configMaps.get(key) ?? []), list]);
  }
  // The mark sits on the ConfigMap; the key edited is the one listing the entry (else its first list key).
  for (const lists of configMaps.values()) {
    const list =
      lists.find((candidate) => candidate.entries.some((value) => canonicalEntry(value) === entry)) ?? lists[0];
    locations.push({
      kind: 'ConfigMap',
      pattern: 'configmap',
      namespace: list.namespace,
      name: list.name,
      key: list.key,
    });
  }
  for (const policy of inventory.networkPolicies) {
    if (!policy.agentEntries.includes(entry)) continue;
    locations.push({ kind: 'NetworkPolicy', pattern: 'networkpolicy', namespace: policy.namespace, name: policy.name });
  }
  return locations;
}

/** Objects listing `entry` at all (for the refusal message when none carries the agent's mark). */
export function listingLocations(inventory: TraefikInventory, entry: string): string[] {
  const has = (values: readonly string[]) => values.some((value) => canonicalEntry(value) === entry);
  return [
    ...inventory.middlewares
      .filter((middleware) => middleware.denyList && has(middleware.denyList.entries))
      .map((middleware) => `Middleware ${middleware.namespace}/${middleware.name}`),
    ...inventory.ipLists
      .filter((list) => has(list.entries))
      .map((list) => `${list.kind} ${list.namespace}/${list.name} key ${list.key}`),
    ...inventory.networkPolicies
      .filter((policy) => policy.ipBlocks.some((block) => has(block.except)))
      .map((policy) => `NetworkPolicy ${policy.namespace}/${policy.name}`),
  ];
}
