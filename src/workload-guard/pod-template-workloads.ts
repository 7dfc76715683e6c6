import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';

/** A workload with a pod template: a Deployment, StatefulSet, DaemonSet or Job, or a CronJob's job template. */
export interface PodTemplateWorkload {
  /** Absent on list items (the API server leaves it out); a Deployment then. */
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: {
    template?: { spec?: V1PodSpec };
    jobTemplate?: { spec?: { template?: { spec?: V1PodSpec } } };
  };
}

export function kindOf(workload: PodTemplateWorkload): string {
  return workload.kind ?? 'Deployment';
}

export function podSpecOf(workload: PodTemplateWorkload): V1PodSpec | undefined {
  return kindOf(workload) === 'CronJob'
    ? workload.spec?.jobTemplate?.spec?.template?.spec
    : workload.spec?.template?.spec;
}

/**
 * Why the agent does not patch this kind: only Deployments are (their RBAC, rollout and rollback are what the guard
 * was built and tested for). A Job's pod template cannot change once created: the API server refuses the patch.
 */
export function unpatchedKindReason(kind: string): string | undefined {
  if (kind === 'Deployment') return undefined;
  if (kind === 'Job') {
    return 'a Job: its pod template cannot be changed once created (the API server refuses the patch); run it again with the fixed image from its chart or manifest';
  }
  return `owned by ${kind}: only Deployments are patched; change the image in its chart or manifest`;
}
