import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';

/** A workload with a pod template: a Deployment, StatefulSet, DaemonSet or Job, or a CronJob's job template. */
export interface PodTemplateWorkload {
  /** Absent on list items (the API server leaves it out); a Deployment then. */
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: {
    template?: { spec?: V1PodSpec };
    /** StatefulSets and DaemonSets: `OnDelete` replaces a pod only when someone deletes it. */
    updateStrategy?: { type?: string };
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

/** The kinds the agent patches: their pod template can change, and the controller rolls it out (or a CronJob's next Job runs it). */
export const PATCHABLE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'] as const;
export type PatchableKind = (typeof PATCHABLE_KINDS)[number];

export function isPatchableKind(kind: string): kind is PatchableKind {
  return (PATCHABLE_KINDS as readonly string[]).includes(kind);
}

/** The JSON pointer of the pod spec in a workload of this kind. */
export function podSpecPointer(kind: PatchableKind): string {
  return kind === 'CronJob' ? '/spec/jobTemplate/spec/template/spec' : '/spec/template/spec';
}

/** `spec` nested as a strategic-merge patch of this kind's pod template reaches it. */
export function podSpecPatch(kind: PatchableKind, spec: unknown): unknown {
  return kind === 'CronJob'
    ? { spec: { jobTemplate: { spec: { template: { spec } } } } }
    : { spec: { template: { spec } } };
}

/**
 * When a patch of the pod template does not roll out as a Deployment's does, what a person must know before
 * approving: an `OnDelete` StatefulSet or DaemonSet restarts no pod, a CronJob changes only its next Jobs.
 */
export function rolloutNote(workload: PodTemplateWorkload): string | undefined {
  const kind = kindOf(workload);
  if ((kind === 'StatefulSet' || kind === 'DaemonSet') && workload.spec?.updateStrategy?.type === 'OnDelete') {
    return `updateStrategy OnDelete: no pod is restarted; each pod keeps the old image until it is deleted (delete them one at a time to roll out the new image)`;
  }
  if (kind === 'CronJob') {
    return 'a CronJob: the next Job it creates runs the new image; a Job already running keeps the old one';
  }
  return undefined;
}

/**
 * Why the agent does not patch this kind. A Job's pod template cannot change once created: the API server refuses
 * the patch.
 */
export function unpatchedKindReason(kind: string): string | undefined {
  if (isPatchableKind(kind)) return undefined;
  if (kind === 'Job') {
    return 'a Job: its pod template cannot be changed once created (the API server refuses the patch); run it again with the fixed image from its chart or manifest';
  }
  return `owned by ${kind}: only ${PATCHABLE_KINDS.join(', ')} are patched; change the image in its chart or manifest`;
}
