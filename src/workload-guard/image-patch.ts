import { createHash } from 'node:crypto';
import type { V1Deployment } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { lineDiff } from '../core/unified-diff.ts';
import type { PatchType, WorkloadCluster } from './workload-cluster.ts';

/** On the Deployment: what each container ran before the agent's last image change (JSON `{container: image}`). */
export const PREVIOUS_IMAGES_ANNOTATION = 'devops-agent.io/previous-images';

export interface ImagePatchRequest {
  namespace: string;
  deployment: string;
  container: string;
  /** The image the plan expects to replace; a JSON patch refuses to apply if the deployment changed since. */
  currentImage: string;
  targetImage: string;
  patchType: PatchType;
}

export interface ImagePatchPlan extends ImagePatchRequest {
  patch: unknown;
  /** Line diff of the deployment before and after, as the API server answered the dry run. */
  diff: string;
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
  const live = await cluster.deployment(request.namespace, request.deployment);
  const patch = buildImagePatch(live, request);
  const after = await cluster.patchDeployment(request.namespace, request.deployment, patch, request.patchType, true);
  const afterImage = containerImage(after, request.container);
  if (afterImage !== request.targetImage) {
    throw new ImagePatchRefused(
      `dry run did not set ${request.container} to ${request.targetImage} (got ${afterImage})`,
    );
  }
  return {
    ...request,
    patch,
    diff: lineDiff(view(live), view(after), `deployment ${request.namespace}/${request.deployment}`),
    planHash: hashPatch(patch),
  };
}

/** Applies a plan; idempotent: a deployment already running the target image is left alone. */
export async function applyImagePatch(
  cluster: WorkloadCluster,
  plan: ImagePatchPlan,
): Promise<{ status: 'applied' | 'already_applied'; deployment: V1Deployment }> {
  const live = await cluster.deployment(plan.namespace, plan.deployment);
  const running = containerImage(live, plan.container);
  if (running === plan.targetImage) return { status: 'already_applied', deployment: live };
  if (running !== plan.currentImage) {
    throw new ImagePatchRefused(
      `deployment ${plan.namespace}/${plan.deployment} changed since the plan: container ${plan.container} runs ${running ?? '(gone)'}, the plan expected ${plan.currentImage}; scan again`,
    );
  }
  // The stored patch is what was approved; a strategic-merge patch has no precondition, hence the check above.
  const deployment = await cluster.patchDeployment(plan.namespace, plan.deployment, plan.patch, plan.patchType, false);
  return { status: 'applied', deployment };
}

/** The image change plus the previous-images annotation, as a JSON patch (with `test` preconditions) or strategic merge. */
export function buildImagePatch(live: V1Deployment, request: ImagePatchRequest): unknown {
  const containers = live.spec?.template?.spec?.containers ?? [];
  const index = containers.findIndex((container) => container.name === request.container);
  if (index < 0) {
    throw new ImagePatchRefused(
      `deployment ${request.namespace}/${request.deployment} has no container ${request.container}`,
    );
  }
  if (containers[index].image !== request.currentImage) {
    throw new ImagePatchRefused(
      `container ${request.container} runs ${containers[index].image}, not ${request.currentImage}: the finding is stale`,
    );
  }
  const annotations = live.metadata?.annotations ?? {};
  const previous = { ...readPreviousImages(annotations), [request.container]: request.currentImage };
  const previousText = JSON.stringify(Object.fromEntries(Object.entries(previous).sort()));
  if (request.patchType === 'strategic') {
    return {
      metadata: { annotations: { [PREVIOUS_IMAGES_ANNOTATION]: previousText } },
      spec: { template: { spec: { containers: [{ name: request.container, image: request.targetImage }] } } },
    };
  }
  const path = `/spec/template/spec/containers/${index}`;
  return [
    { op: 'test', path: `${path}/name`, value: request.container },
    { op: 'test', path: `${path}/image`, value: request.currentImage },
    { op: 'replace', path: `${path}/image`, value: request.targetImage },
    live.metadata?.annotations
      ? { op: 'add', path: `/metadata/annotations/${escapePointer(PREVIOUS_IMAGES_ANNOTATION)}`, value: previousText }
      : { op: 'add', path: '/metadata/annotations', value: { [PREVIOUS_IMAGES_ANNOTATION]: previousText } },
  ];
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

/** The image a deployment's pod template runs in `container` (undefined without the deployment or the container). */
export function containerImage(deployment: V1Deployment | undefined, container: string): string | undefined {
  return deployment?.spec?.template?.spec?.containers?.find((entry) => entry.name === container)?.image;
}

export function hashPatch(patch: unknown): string {
  return createHash('sha256').update(JSON.stringify(patch)).digest('hex');
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** What a person reviews: the object without server bookkeeping (managed fields, status, versions). */
function view(deployment: V1Deployment): string {
  const metadata = { ...deployment.metadata };
  for (const key of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation'] as const) {
    delete metadata[key];
  }
  return stringify({ metadata, spec: deployment.spec }, { sortMapEntries: true });
}
