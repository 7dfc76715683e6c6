import type { V1ContainerStatus, V1Deployment, V1OwnerReference, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import {
  type ContainerFailure,
  containerFailures,
  describeExit,
  formatAge,
  message,
  toTime,
} from './container-failures.ts';
import type { PodTemplateWorkload } from './pod-template-workloads.ts';
import { detectRolloutProblems } from './rollout-health.ts';
import type { WorkloadFinding, WorkloadReference } from './workload-finding.ts';

export { toTime } from './container-failures.ts';

export interface HealthThresholds {
  /** A container restarted at least this many times is reported. */
  restartThreshold: number;
  /** Seconds a pod may stay Pending before it is reported. */
  pendingTimeout: number;
  /** Seconds a running container may stay unready before it is reported (default 300). */
  notReadyTimeout?: number;
}

export interface WorkloadInventory {
  pods: V1Pod[];
  replicaSets: V1ReplicaSet[];
  deployments: V1Deployment[];
  /** StatefulSets, DaemonSets, CronJobs and Jobs (not a CronJob's), each with its kind: their images are checked too. */
  otherWorkloads?: PodTemplateWorkload[];
  /** Kinds the cluster refused to list (an older Role): why their images were not checked. */
  unlisted?: string[];
}

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

/**
 * Health findings for pods, ReplicaSets and Deployments, grouped per workload, kind and container. Every reason a
 * container, a pod or a rollout can fail is named with its cause; a healthy or completed pod is never reported.
 */
export function detectHealthProblems(
  inventory: WorkloadInventory,
  thresholds: HealthThresholds,
  now: Date = new Date(),
): WorkloadFinding[] {
  const owners = new OwnerResolver(inventory);
  const groups = new Map<string, WorkloadFinding & { restarts: number; reasons: Set<string> }>();
  const add = (pod: V1Pod, failure: ContainerFailure, status?: V1ContainerStatus, init = false) => {
    const workload = owners.workloadOfPod(pod);
    const container = status ? `${init ? 'init:' : ''}${status.name}` : '';
    const groupKey = `${workload.namespace}/${workload.kind}/${workload.name}/${failure.kind}/${container}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = {
        kind: failure.kind,
        workload,
        severity: failure.severity,
        detail: '',
        container: status?.name,
        ...(init ? { initContainer: true } : {}),
        image: status?.image,
        pods: [],
        restarts: 0,
        reasons: new Set(),
      };
      groups.set(groupKey, group);
    }
    if (!group.pods!.includes(pod.metadata?.name ?? '?')) group.pods!.push(pod.metadata?.name ?? '?');
    group.restarts = Math.max(group.restarts, status?.restartCount ?? 0);
    group.reasons.add(failure.reason);
  };

  for (const pod of inventory.pods) {
    const phase = pod.status?.phase;
    // A completed pod (a Job's, a finished bare pod) exited 0 everywhere: nothing to report.
    if (phase === 'Succeeded') continue;
    if (shuttingDown(pod, now)) continue;
    const podFailure = failedPodReason(pod);
    if (podFailure) {
      add(pod, podFailure);
      continue;
    }
    let reported = false;
    const check = (status: V1ContainerStatus, init: boolean) => {
      const context = {
        pod,
        init,
        restartThreshold: thresholds.restartThreshold,
        notReadyTimeout: thresholds.notReadyTimeout ?? DEFAULT_NOT_READY_TIMEOUT,
        now,
      };
      for (const failure of containerFailures(status, context)) {
        add(pod, failure, status, init);
        reported = true;
      }
    };
    for (const status of pod.status?.initContainerStatuses ?? []) check(status, true);
    for (const status of pod.status?.containerStatuses ?? []) check(status, false);
    const podUnready = reported
      ? undefined
      : podUnreadyReason(pod, thresholds.notReadyTimeout ?? DEFAULT_NOT_READY_TIMEOUT, now);
    if (podUnready) {
      add(pod, { kind: 'not-ready', severity: 'MEDIUM', reason: podUnready });
      reported = true;
    }
    if (!reported && phase === 'Pending') {
      const since = toTime(pod.metadata?.creationTimestamp);
      const age = since === undefined ? undefined : (now.getTime() - since) / 1000;
      // The scheduler's refusal (Unschedulable) or failure (SchedulerError: a volume it cannot bind, a plugin error)
      // is a cause by itself; otherwise a pod is only news once it has waited too long.
      const scheduling = scheduledCondition(pod)?.reason;
      const unschedulable = scheduling === 'Unschedulable' || scheduling === 'SchedulerError';
      if (unschedulable || (age !== undefined && age >= thresholds.pendingTimeout)) {
        add(pod, {
          kind: 'pending',
          severity: 'MEDIUM',
          reason: `Pending${age === undefined ? '' : ` for ${formatAge(age)}`} (${pendingCause(pod)})`,
        });
      }
    }
  }

  const findings: WorkloadFinding[] = [];
  for (const group of groups.values()) {
    const { restarts, reasons, ...finding } = group;
    const where = finding.container
      ? `${finding.initContainer ? 'init container' : 'container'} ${finding.container}: `
      : '';
    const podCount = finding.pods!.length;
    const restartText = restarts > 0 && finding.kind !== 'restarts' ? `; ${restarts} restarts` : '';
    finding.detail = `${where}${[...reasons].join('; ')} in ${podCount} pod${podCount === 1 ? '' : 's'}${restartText}`;
    findings.push(finding);
  }
  findings.push(...detectRolloutProblems(inventory, owners));
  return findings;
}

const DEFAULT_NOT_READY_TIMEOUT = 300;

/** Seconds past its deletion deadline a pod is still taken for one shutting down (the kubelet's kill and cleanup). */
const SHUTDOWN_MARGIN = 60;

/**
 * A pod deleted and still within its grace period: its containers stop on the SIGTERM of the deletion (many programs
 * exit 143 on it), it fails readiness as it drains, and the kubelet gives it a terminal phase, Failed if a container
 * exited non-zero, whatever its restart policy (kubelet_pods.go getPhase). None of that is news; a pod still there
 * well past its deadline is stuck and is checked as usual, and so is one its node controller marked NodeLost.
 */
function shuttingDown(pod: V1Pod, now: Date): boolean {
  const deadline = toTime(pod.metadata?.deletionTimestamp);
  if (deadline === undefined || pod.status?.reason === 'NodeLost') return false;
  return now.getTime() <= deadline + SHUTDOWN_MARGIN * 1000;
}

/** Failed and Unknown pods, with the pod's own reason (Evicted, DeadlineExceeded...) and each container's exit. */
function failedPodReason(pod: V1Pod): ContainerFailure | undefined {
  const phase = pod.status?.phase;
  if (phase !== 'Failed' && phase !== 'Unknown' && pod.status?.reason !== 'NodeLost') return undefined;
  const podReason = pod.status?.reason;
  // The node lifecycle controller's mark on the pods of a node that stopped reporting, before it deletes them: the
  // phase stays Running and the containers as last reported, ready.
  if (podReason === 'NodeLost') {
    return {
      kind: 'pod-failed',
      severity: 'HIGH',
      reason: `pod status Unknown (its node stopped reporting): NodeLost${message(pod.status?.message)}`,
    };
  }
  if (phase === 'Failed' && podReason === 'Evicted') {
    return { kind: 'evicted', severity: 'MEDIUM', reason: `Evicted${message(pod.status?.message)}` };
  }
  if (phase === 'Failed' && endedByNodeShutdown(pod)) {
    return {
      kind: 'evicted',
      severity: 'MEDIUM',
      reason: `node shutdown (${podReason})${message(pod.status?.message)}`,
    };
  }
  const exits: string[] = [];
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []).map((status) => ({ status, label: 'init container' })),
    ...(pod.status?.containerStatuses ?? []).map((status) => ({ status, label: 'container' })),
  ];
  for (const { status, label } of statuses) {
    const terminated = status.state?.terminated;
    if (terminated && (terminated.exitCode ?? 0) !== 0)
      exits.push(`${label} ${status.name} ${describeExit(terminated)}`);
  }
  const head =
    phase === 'Unknown'
      ? 'pod status Unknown (its node stopped reporting)'
      : `Failed${podReason ? ` (${podReason})` : ''}${message(pod.status?.message)}`;
  return { kind: 'pod-failed', severity: 'HIGH', reason: [head, ...exits].join('; ') };
}

/**
 * A pod the kubelet ended because its node was shutting down (nodeshutdown_manager_linux.go): `Terminated` with the
 * DisruptionTarget condition it sets on an eviction too, or `NodeShutdown` for a pod it refused to start meanwhile.
 * A node going down for maintenance ends every pod on it this way; their programs did nothing wrong.
 */
function endedByNodeShutdown(pod: V1Pod): boolean {
  const reason = pod.status?.reason;
  if (reason === 'NodeShutdown') return true;
  if (reason !== 'Terminated') return false;
  const disruption = pod.status?.conditions?.find((condition) => condition.type === 'DisruptionTarget');
  return (
    (disruption?.status === 'True' && disruption.reason === 'TerminationByKubelet') ||
    /node shutdown/i.test(pod.status?.message ?? '')
  );
}

/**
 * A running pod that is not Ready while every container says it is: a readiness gate nobody opened
 * (ReadinessGatesNotReady, status/generate.go), or Ready=False with no reason, which the node lifecycle controller
 * writes when the pod's node stops reporting (MarkPodsNotReady) and the kubelet that would update the containers is
 * gone with it. Reported after the not-ready timeout, counted from the condition's transition.
 */
function podUnreadyReason(pod: V1Pod, timeout: number, now: Date): string | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  if (pod.status?.phase !== 'Running' || statuses.length === 0 || !statuses.every((status) => status.ready)) {
    return undefined;
  }
  const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready');
  if (!ready || ready.status === 'True') return undefined;
  const since = toTime(ready.lastTransitionTime);
  const seconds = since === undefined ? undefined : (now.getTime() - since) / 1000;
  if (seconds !== undefined && seconds < timeout) return undefined;
  const why = ready.reason
    ? `${ready.reason}${message(ready.message)}`
    : 'Ready=False with no reason, as the node controller marks the pods of a node that stopped reporting';
  return `pod not ready${seconds === undefined ? '' : ` for ${formatAge(seconds)}`} while its containers report ready (${why})`;
}

/** Why a pod is still Pending: the scheduler's refusal, or what its containers wait for. */
function scheduledCondition(pod: V1Pod) {
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
  return scheduled && scheduled.status !== 'True' ? scheduled : undefined;
}

function pendingCause(pod: V1Pod): string {
  const scheduled = scheduledCondition(pod);
  if (scheduled?.reason) return `${scheduled.reason ?? 'Unschedulable'}${message(scheduled.message)}`;
  const waiting = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]
    .map((status) => (status.state?.waiting?.reason ? `${status.name} ${status.state.waiting.reason}` : ''))
    .filter(Boolean);
  return waiting.length > 0 ? `waiting: ${waiting.join(', ')}` : 'not started';
}

function controllerOf(references: V1OwnerReference[] | undefined): V1OwnerReference | undefined {
  return references?.find((reference) => reference.controller) ?? references?.[0];
}

function key(metadata: { namespace?: string; name?: string } | undefined): string {
  return `${metadata?.namespace ?? 'default'}/${metadata?.name ?? ''}`;
}
