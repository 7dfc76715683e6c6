import type { V1ContainerStatus, V1Deployment, V1OwnerReference, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { Severity, WorkloadFinding, WorkloadFindingKind, WorkloadReference } from './workload-finding.ts';

export interface HealthThresholds {
  /** A container restarted at least this many times is reported. */
  restartThreshold: number;
  /** Seconds a pod may stay Pending before it is reported. */
  pendingTimeout: number;
}

export interface WorkloadInventory {
  pods: V1Pod[];
  replicaSets: V1ReplicaSet[];
  deployments: V1Deployment[];
}

const IMAGE_PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);

/** Resolves owners the way the controllers set them: Pod -> ReplicaSet (controller ref) -> Deployment. */
export class OwnerResolver {
  readonly #replicaSets = new Map<string, V1ReplicaSet>();
  readonly #deployments = new Map<string, V1Deployment>();

  constructor(inventory: Pick<WorkloadInventory, 'replicaSets' | 'deployments'>) {
    for (const replicaSet of inventory.replicaSets) this.#replicaSets.set(key(replicaSet.metadata), replicaSet);
    for (const deployment of inventory.deployments) this.#deployments.set(key(deployment.metadata), deployment);
  }

  /** The Deployment owning a ReplicaSet, checked by uid so a recreated namesake is not mistaken for the owner. */
  deploymentOfReplicaSet(namespace: string, name: string): V1Deployment | undefined {
    const replicaSet = this.#replicaSets.get(`${namespace}/${name}`);
    const owner = controllerOf(replicaSet?.metadata?.ownerReferences);
    if (owner?.kind !== 'Deployment') return undefined;
    const deployment = this.#deployments.get(`${namespace}/${owner.name}`);
    return deployment && (!owner.uid || deployment.metadata?.uid === owner.uid) ? deployment : undefined;
  }

  workloadOf(namespace: string, kind: string, name: string): WorkloadReference {
    if (kind === 'ReplicaSet') {
      const deployment = this.deploymentOfReplicaSet(namespace, name);
      if (deployment) return { namespace, kind: 'Deployment', name: deployment.metadata!.name! };
    }
    return { namespace, kind, name };
  }

  workloadOfPod(pod: V1Pod): WorkloadReference {
    const namespace = pod.metadata?.namespace ?? 'default';
    const owner = controllerOf(pod.metadata?.ownerReferences);
    if (!owner) return { namespace, kind: 'Pod', name: pod.metadata?.name ?? '?' };
    return this.workloadOf(namespace, owner.kind, owner.name);
  }

  deployment(namespace: string, name: string): V1Deployment | undefined {
    return this.#deployments.get(`${namespace}/${name}`);
  }
}

/** Health findings for pods and deployments, grouped per workload, kind and container. */
export function detectHealthProblems(
  inventory: WorkloadInventory,
  thresholds: HealthThresholds,
  now: Date = new Date(),
): WorkloadFinding[] {
  const owners = new OwnerResolver(inventory);
  const groups = new Map<string, WorkloadFinding & { restarts: number; reasons: Set<string> }>();
  const add = (
    pod: V1Pod,
    kind: WorkloadFindingKind,
    severity: Severity,
    reason: string,
    status?: V1ContainerStatus,
  ) => {
    const workload = owners.workloadOfPod(pod);
    const groupKey = `${workload.namespace}/${workload.kind}/${workload.name}/${kind}/${status?.name ?? ''}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = {
        kind,
        workload,
        severity,
        detail: '',
        container: status?.name,
        image: status?.image,
        pods: [],
        restarts: 0,
        reasons: new Set(),
      };
      groups.set(groupKey, group);
    }
    group.pods!.push(pod.metadata?.name ?? '?');
    group.restarts = Math.max(group.restarts, status?.restartCount ?? 0);
    group.reasons.add(reason);
  };

  for (const pod of inventory.pods) {
    let reported = false;
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const status of statuses) {
      const waiting = status.state?.waiting;
      const terminated = status.state?.terminated ?? status.lastState?.terminated;
      const message = (text?: string) => (text ? `: ${text.slice(0, 200)}` : '');
      let containerReported = false;
      if (waiting?.reason === 'CrashLoopBackOff') {
        add(pod, 'crash-loop', 'HIGH', `CrashLoopBackOff${message(waiting.message)}`, status);
        containerReported = true;
      } else if (waiting?.reason && IMAGE_PULL_REASONS.has(waiting.reason)) {
        add(pod, 'image-pull', 'HIGH', `${waiting.reason}${message(waiting.message)}`, status);
        containerReported = true;
      }
      if (terminated?.reason === 'OOMKilled') {
        add(pod, 'oom-killed', 'HIGH', 'OOMKilled (exceeded its memory limit)', status);
        containerReported = true;
      }
      if (!containerReported && (status.restartCount ?? 0) >= thresholds.restartThreshold) {
        add(pod, 'restarts', 'MEDIUM', `${status.restartCount} restarts`, status);
        containerReported = true;
      }
      reported ||= containerReported;
    }
    if (!reported && pod.status?.phase === 'Pending') {
      const since = toTime(pod.metadata?.creationTimestamp);
      if (since !== undefined && (now.getTime() - since) / 1000 >= thresholds.pendingTimeout) {
        const scheduled = pod.status.conditions?.find((condition) => condition.type === 'PodScheduled');
        const why =
          scheduled?.status === 'False'
            ? `${scheduled.reason ?? 'Unschedulable'}${scheduled.message ? `: ${scheduled.message.slice(0, 200)}` : ''}`
            : 'not started';
        add(pod, 'pending', 'MEDIUM', `Pending for ${formatAge((now.getTime() - since) / 1000)} (${why})`);
      }
    }
  }

  const findings: WorkloadFinding[] = [];
  for (const group of groups.values()) {
    const { restarts, reasons, ...finding } = group;
    const where = finding.container ? `container ${finding.container}: ` : '';
    const podCount = finding.pods!.length;
    const restartText = restarts > 0 && finding.kind !== 'restarts' ? `; ${restarts} restarts` : '';
    finding.detail = `${where}${[...reasons].join('; ')} in ${podCount} pod${podCount === 1 ? '' : 's'}${restartText}`;
    findings.push(finding);
  }

  for (const deployment of inventory.deployments) {
    const unavailable = deployment.status?.unavailableReplicas ?? 0;
    if (unavailable <= 0) continue;
    const desired = deployment.spec?.replicas ?? 1;
    const available = deployment.status?.availableReplicas ?? 0;
    findings.push({
      kind: 'unavailable-replicas',
      workload: {
        namespace: deployment.metadata?.namespace ?? 'default',
        kind: 'Deployment',
        name: deployment.metadata?.name ?? '?',
      },
      severity: available === 0 ? 'HIGH' : 'MEDIUM',
      detail: `${unavailable} of ${desired} replicas unavailable (${available} available)`,
    });
  }
  return findings;
}

function controllerOf(references: V1OwnerReference[] | undefined): V1OwnerReference | undefined {
  return references?.find((reference) => reference.controller) ?? references?.[0];
}

function key(metadata: { namespace?: string; name?: string } | undefined): string {
  return `${metadata?.namespace ?? 'default'}/${metadata?.name ?? ''}`;
}

export function toTime(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}
