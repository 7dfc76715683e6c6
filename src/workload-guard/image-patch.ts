import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { lineDiff } from '../core/unified-diff.ts';
import {
  kindOf,
  type PatchableKind,
  type PodTemplateWorkload,
  podSpecOf,
  podSpecPatch,
  podSpecPointer,
  rolloutNote,
} from './pod-template-workloads.ts';
import type { PatchType, WorkloadCluster } from './workload-cluster.ts';

/** On the workload: what each container ran before the agent's last image change (JSON `{container: image}`). */
export const PREVIOUS_IMAGES_ANNOTATION = 'devops-agent.io/previous-images';

/** One container's image change. */
export interface ContainerChange {
  /** A container or an initContainer of the pod template (names are unique across both). */
  container: string;
  /** The image the plan expects to replace; a JSON patch refuses to apply if the deployment changed since. */
  currentImage: string;
  targetImage: string;
}

export interface ImagePatchRequest extends ContainerChange {
  /** The workload's kind; absent (plans stored before other kinds were patched): a Deployment. */
  kind?: PatchableKind;
  namespace: string;
  /** The workload's name (of any kind: the field predates the other kinds). */
  deployment: string;
  patchType: PatchType;
  /**
   * Every container the patch changes, the one above first. One plan per workload: the same image in an
   * initContainer and a container (Argo CD's copyutil), or two vulnerable images, is one approval and one rollout.
   */
  changes?: ContainerChange[];
}

export interface ImagePatchPlan extends ImagePatchRequest {
  patch: unknown;
  /** Line diff of the workload before and after, as the API server answered the dry run. */
  diff: string;
  /** How the change reaches pods when not as a Deployment's rollout (OnDelete, a CronJob's next Job). */
  rolloutNote?: string;
  /** sha256 of the patch body; approvals are bound to it. */
  planHash: string;
}

export class ImagePatchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImagePatchRefused';
  }
}

/** Builds the patch, has the API server validate it with `dryRun=All`, and diffs the answer against the live object. */
export async function planImagePatch(cluster: WorkloadCluster, request: ImagePatchRequest): Promise<ImagePatchPlan> {
  const kind = request.kind ?? 'Deployment';
  const live = await cluster.workload(kind, request.namespace, request.deployment);
  const patch = buildImagePatch(live, request);
  const after = await cluster.patchWorkload(
    kind,
    request.namespace,
    request.deployment,
    patch,
    request.patchType,
    true,
  );
  for (const change of changesOf(request)) {
    const afterImage = containerImage(after, change.container);
    if (afterImage !== change.targetImage) {
      throw new ImagePatchRefused(
        `dry run did not set ${change.container} to ${change.targetImage} (got ${afterImage})`,
      );
    }
  }
  const note = rolloutNote(live);
  return {
    ...request,
    patch,
    diff: lineDiff(view(live), view(after), `${kind.toLowerCase()} ${request.namespace}/${request.deployment}`),
    planHash: hashPatch(patch),
    ...(note ? { rolloutNote: note } : {}),
  };
}

/** Applies a plan; idempotent: a workload already running the target images is left alone. */
export async function applyImagePatch(
  cluster: WorkloadCluster,
  plan: ImagePatchPlan,
): Promise<{ status: 'applied' | 'already_applied'; workload: PodTemplateWorkload }> {
  const kind = plan.kind ?? 'Deployment';
  const live = await cluster.workload(kind, plan.namespace, plan.deployment);
  const changes = changesOf(plan);
  if (changes.every((change) => containerImage(live, change.container) === change.targetImage)) {
    return { status: 'already_applied', workload: live };
  }
  for (const change of changes) {
    const running = containerImage(live, change.container);
    if (running !== change.currentImage) {
      throw new ImagePatchRefused(
        `${kind} ${plan.namespace}/${plan.deployment} changed since the plan: container ${change.container} runs ${running ?? '(gone)'}, the plan expected ${change.currentImage}; scan again`,
      );
    }
  }
  // The stored patch is what was approved; a strategic-merge patch has no precondition, hence the check above.
  const workload = await cluster.patchWorkload(
    kind,
    plan.namespace,
    plan.deployment,
    plan.patch,
    plan.patchType,
    false,
  );
  return { status: 'applied', workload };
}

/** The image changes plus the previous-images annotation, as a JSON patch (with `test` preconditions) or strategic merge. */
export function buildImagePatch(live: PodTemplateWorkload, request: ImagePatchRequest): unknown {
  const kind = request.kind ?? 'Deployment';
  if (kindOf(live) !== kind) {
    throw new ImagePatchRefused(`${request.namespace}/${request.deployment} is a ${kindOf(live)}, not a ${kind}`);
  }
  const podSpec = podSpecOf(live);
  const located = changesOf(request).map((change) => {
    for (const list of ['initContainers', 'containers'] as const) {
      const index = (podSpec?.[list] ?? []).findIndex((container) => container.name === change.container);
      if (index >= 0) return { ...change, list, index, image: podSpec![list]![index].image };
    }
    throw new ImagePatchRefused(
      `${kind} ${request.namespace}/${request.deployment} has no container ${change.container}`,
    );
  });
  for (const change of located) {
    if (change.image !== change.currentImage) {
      throw new ImagePatchRefused(
        `container ${change.container} runs ${change.image}, not ${change.currentImage}: the finding is stale`,
      );
    }
  }
  const annotations = live.metadata?.annotations ?? {};
  const previous = {
    ...readPreviousImages(annotations),
    ...Object.fromEntries(located.map((change) => [change.container, change.currentImage])),
  };
  const previousText = JSON.stringify(Object.fromEntries(Object.entries(previous).sort()));
  if (request.patchType === 'strategic') {
    const entries = (list: 'initContainers' | 'containers') =>
      located
        .filter((change) => change.list === list)
        .map((change) => ({ name: change.container, image: change.targetImage }));
    const spec = Object.fromEntries(
      (['initContainers', 'containers'] as const).flatMap((list) =>
        entries(list).length > 0 ? [[list, entries(list)]] : [],
      ),
    );
    return {
      metadata: { annotations: { [PREVIOUS_IMAGES_ANNOTATION]: previousText } },
      ...(podSpecPatch(kind, spec) as object),
    };
  }
  return [
    ...located.flatMap((change) => {
      const path = `${podSpecPointer(kind)}/${change.list}/${change.index}`;
      return [
        { op: 'test', path: `${path}/name`, value: change.container },
        { op: 'test', path: `${path}/image`, value: change.currentImage },
        { op: 'replace', path: `${path}/image`, value: change.targetImage },
      ];
    }),
    live.metadata?.annotations
      ? { op: 'add', path: `/metadata/annotations/${escapePointer(PREVIOUS_IMAGES_ANNOTATION)}`, value: previousText }
      : { op: 'add', path: '/metadata/annotations', value: { [PREVIOUS_IMAGES_ANNOTATION]: previousText } },
  ];
}

/** The changes of a plan or request: its `changes`, or the one container it names. */
export function changesOf(request: ImagePatchRequest): ContainerChange[] {
  if (request.changes && request.changes.length > 0) return request.changes;
  return [{ container: request.container, currentImage: request.currentImage, targetImage: request.targetImage }];
}

export function readPreviousImages(annotations: Record<string, string> | undefined): Record<string, string> {
  try {
    const parsed = JSON.parse(annotations?.[PREVIOUS_IMAGES_ANNOTATION] ?? '{}') as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  } catch {
    return {};
  }
}

/**
 * The image a workload's pod template (a CronJob's job template) runs in `container`, a container or an
 * initContainer (undefined without the workload or the container). An object without `kind` is a Deployment.
 */
export function containerImage(workload: PodTemplateWorkload | undefined, container: string): string | undefined {
  const spec = workload ? podSpecOf(workload) : undefined;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].find((entry) => entry.name === container)
    ?.image;
}

export function hashPatch(patch: unknown): string {
  return createHash('sha256').update(JSON.stringify(patch)).digest('hex');
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** What a person reviews: the object without server bookkeeping (managed fields, status, versions). */
function view(workload: PodTemplateWorkload): string {
  const metadata = { ...workload.metadata };
  for (const key of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation'] as const) {
    delete metadata[key];
  }
  return stringify({ metadata, spec: workload.spec }, { sortMapEntries: true });
}
