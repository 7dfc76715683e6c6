import type { V1Pod } from '@kubernetes/client-node';
import { formatCidr, parseCidr } from '../../../core/ip-address.ts';
import type { KubeClients } from '../../../kubernetes/kube-client.ts';
import { KubernetesApiError } from '../../../kubernetes/kubernetes-api-error.ts';
import type { ListedObject, TraefikInventory } from './traefik-inventory.ts';

/** Node addresses and pod networks, service networks and IPs, pod IPs, configured ranges: never to be blocked. */
export async function clusterAddresses(
  clients: KubeClients,
  pods: V1Pod[],
  services: ListedObject[],
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
