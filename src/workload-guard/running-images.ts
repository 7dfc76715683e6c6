import type { OwnerResolver, WorkloadInventory } from './pod-health.ts';
import type { WorkloadReference } from './workload-finding.ts';

/** The image digests a workload's pods report for one container (from `status.containerStatuses[].imageID`). */
export type RunningDigests = (workload: WorkloadReference, container: string) => string[];

/**
 * Indexes what the pods really run. An imageID is `repo@sha256:...` (the registry digest, Trivy's RepoDigests),
 * `docker-pullable://repo@sha256:...`, or a bare `sha256:...` image id (containerd; Trivy's Metadata.ImageID).
 */
export function runningDigestsOf(inventory: Pick<WorkloadInventory, 'pods'>, owners: OwnerResolver): RunningDigests {
  const index = new Map<string, Set<string>>();
  for (const pod of inventory.pods) {
    const workload = owners.workloadOfPod(pod);
    for (const status of pod.status?.containerStatuses ?? []) {
      const digest = digestOfImageId(status.imageID);
      if (!digest) continue;
      const key = `${workload.namespace}/${workload.kind}/${workload.name}/${status.name}`;
      const set = index.get(key) ?? new Set<string>();
      set.add(digest);
      index.set(key, set);
    }
  }
  return (workload, container) => [
    ...(index.get(`${workload.namespace}/${workload.kind}/${workload.name}/${container}`) ?? []),
  ];
}

/** A registry digest as `sha256:...`; a bare local image id as `id:sha256:...` (the two never compare equal). */
export function digestOfImageId(imageId: string | undefined): string | undefined {
  const text = imageId ?? '';
  const registry = /@(sha256:[a-f0-9]{64})$/.exec(text);
  if (registry) return registry[1];
  const local = /^(?:[a-z-]+:\/\/)?(sha256:[a-f0-9]{64})$/.exec(text);
  return local ? `id:${local[1]}` : undefined;
}

/**
 * False only when both sides know a digest of the same kind and none is shared: the report scanned another image
 * than the one the pods run (a moving tag that moved, a rebuilt image).
 */
export function sharesDigest(running: readonly string[], scanned: readonly string[]): boolean {
  const kind = (digest: string) => digest.startsWith('id:');
  const comparable = running.filter((digest) => scanned.some((other) => kind(other) === kind(digest)));
  if (comparable.length === 0) return true;
  return comparable.some((digest) => scanned.includes(digest));
}
