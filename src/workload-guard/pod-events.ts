import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { errorMessage } from '../core/errors.ts';
import { message, toTime } from './container-failures.ts';
import type { OwnerResolver } from './pod-health.ts';
import type { WorkloadCluster } from './workload-cluster.ts';
import type { WorkloadFinding } from './workload-finding.ts';

/**
 * Event reasons that explain a pod the status alone leaves vague ("ContainerCreating", "not ready"): volume and
 * sandbox failures and failing probes. A pod with one of these is reported even before the pending timeout.
 */
const CAUSE_REASONS: Record<string, 'pending' | 'not-ready'> = {
  FailedMount: 'pending',
  FailedAttachVolume: 'pending',
  FailedCreatePodSandBox: 'pending',
  FailedScheduling: 'pending',
  Unhealthy: 'not-ready',
};

const MAX_EVENTS_PER_FINDING = 2;

/**
 * Adds the latest Warning Events of a finding's pods to its detail, and reports pods the status checks left alone
 * that have a volume, sandbox or probe failure event. Event text is cluster-provided: capped, shown through safeCell.
 */
export function applyPodEvents(
  findings: WorkloadFinding[],
  pods: readonly V1Pod[],
  events: readonly CoreV1Event[],
  owners: OwnerResolver,
): WorkloadFinding[] {
  const byPod = new Map<string, CoreV1Event[]>();
  for (const event of events) {
    if (event.type !== 'Warning' || event.involvedObject?.kind !== 'Pod') continue;
    const key = podKey(event);
    const list = byPod.get(key);
    if (list) list.push(event);
    else byPod.set(key, [event]);
  }
  // A pod recreated under the same name (a StatefulSet's) is a new object: its predecessor's events, named by uid, are
  // not about it. An event or a pod without a uid is matched by name.
  const uids = new Map(
    pods.map((pod) => [`${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name}`, pod.metadata?.uid]),
  );
  const latest = (namespace: string, pod: string) => {
    const uid = uids.get(`${namespace}/${pod}`);
    return (byPod.get(`${namespace}/${pod}`) ?? [])
      .filter((event) => !uid || !event.involvedObject?.uid || event.involvedObject.uid === uid)
      .sort((left, right) => (eventTime(right) ?? 0) - (eventTime(left) ?? 0));
  };
  const describe = (event: CoreV1Event) =>
    `event ${event.reason ?? 'Warning'}${message(event.message)}${(event.count ?? 1) > 1 ? ` (x${event.count})` : ''}`;

  const reported = new Set<string>();
  for (const finding of findings) {
    const namespace = finding.workload.namespace;
    for (const pod of finding.pods ?? []) reported.add(`${namespace}/${pod}`);
    const pod = finding.pods?.[0];
    if (!pod) continue;
    const distinct = [...new Map(latest(namespace, pod).map((event) => [event.reason, event])).values()];
    const texts = distinct.slice(0, MAX_EVENTS_PER_FINDING).map(describe);
    if (texts.length > 0) finding.detail += `; ${texts.join('; ')}`;
  }

  const added = new Map<string, WorkloadFinding>();
  for (const pod of pods) {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '?';
    // A pod being deleted fails its probes as it drains: only its status, checked once its grace is over, is news.
    if (
      reported.has(`${namespace}/${name}`) ||
      pod.status?.phase === 'Succeeded' ||
      pod.status?.phase === 'Failed' ||
      pod.metadata?.deletionTimestamp
    ) {
      continue;
    }
    const cause = latest(namespace, name).find((event) => CAUSE_REASONS[event.reason ?? ''] && !outlived(pod, event));
    if (!cause) continue;
    const kind = CAUSE_REASONS[cause.reason!];
    const workload = owners.workloadOfPod(pod);
    const key = `${workload.namespace}/${workload.kind}/${workload.name}/${kind}`;
    const existing = added.get(key);
    if (existing) {
      existing.pods!.push(name);
      continue;
    }
    added.set(key, {
      kind,
      workload,
      severity: 'MEDIUM',
      detail: `${pod.status?.phase ?? 'Pending'} pod: ${describe(cause)}`,
      pods: [name],
    });
  }
  for (const finding of added.values()) {
    const count = finding.pods!.length;
    finding.detail += ` in ${count} pod${count === 1 ? '' : 's'}`;
  }
  return [...findings, ...added.values()];
}

/**
 * The condition whose later turn to True shows the pod got past what a cause event reports: the scheduler placed it
 * after a FailedScheduling; its sandbox was made and its volumes mounted (the kubelet mounts before it creates the
 * sandbox, and both come before any container) after a FailedMount or FailedCreatePodSandBox; its containers passed
 * readiness after a failed readiness or startup probe. A liveness failure has no such condition: it stays news.
 */
const RECOVERED_BY: Record<string, (event: CoreV1Event) => string[]> = {
  FailedScheduling: () => ['PodScheduled'],
  FailedMount: () => ['PodReadyToStartContainers', 'ContainersReady'],
  FailedAttachVolume: () => ['PodReadyToStartContainers', 'ContainersReady'],
  FailedCreatePodSandBox: () => ['PodReadyToStartContainers', 'ContainersReady'],
  Unhealthy: (event) => (/^(Readiness|Startup) probe/.test(event.message ?? '') ? ['ContainersReady'] : []),
};

/** The pod's status says it got past the event: a condition it names turned True at or after the event's last time. */
function outlived(pod: V1Pod, event: CoreV1Event): boolean {
  const happened = eventTime(event);
  if (happened === undefined) return false;
  const types = RECOVERED_BY[event.reason ?? '']?.(event) ?? [];
  return (pod.status?.conditions ?? []).some((condition) => {
    const since = toTime(condition.lastTransitionTime);
    return types.includes(condition.type) && condition.status === 'True' && since !== undefined && since >= happened;
  });
}

/** `namespace/name` of the pod an event is about. */
function podKey(event: CoreV1Event): string {
  return `${event.involvedObject?.namespace ?? event.metadata?.namespace}/${event.involvedObject?.name}`;
}

function eventTime(event: CoreV1Event): number | undefined {
  return toTime(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp);
}

/** Adds pods' Warning Events to the findings; a refusal or an outage costs only the events (noted, never fatal). */
export async function withPodEvents(
  cluster: WorkloadCluster,
  namespaces: string[],
  findings: WorkloadFinding[],
  pods: V1Pod[],
  owners: OwnerResolver,
  notes: string[],
): Promise<WorkloadFinding[]> {
  try {
    const checked = new Set(pods.map((pod) => `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? '?'}`));
    const { events, pages, truncated } = await cluster.podWarningEvents(namespaces, (event) =>
      checked.has(podKey(event)),
    );
    if (truncated)
      notes.push(
        `workloads.events: read ${pages} pages of Warning Events and ${events.length} of the pods checked; the rest were not read`,
      );
    return applyPodEvents(findings, pods, events, owners);
  } catch (error) {
    notes.push(
      `workloads.events: cannot list events (${errorMessage(error).slice(0, 200)}); bind deploy/kubernetes/workload-guard-events-rbac.yaml or set workloads.events: false`,
    );
    return findings;
  }
}
