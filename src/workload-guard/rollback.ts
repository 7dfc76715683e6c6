import {
  applyImagePatch,
  type ContainerChange,
  containerImage,
  PREVIOUS_IMAGES_ANNOTATION,
  planImagePatch,
  readPreviousImages,
} from './image-patch.ts';
import type { PatchableKind } from './pod-template-workloads.ts';
import { clusterOf, type WorkloadRuntime } from './remediation-approvals.ts';
import { ensureWorkloadTables } from './workload-store.ts';

export type RollbackResult =
  | {
      status: 'rolled_back' | 'already_rolled_back';
      kind: PatchableKind;
      namespace: string;
      deployment: string;
      container: string;
      from: string;
      to: string;
      remediationId?: number;
      diff: string;
    }
  | { status: 'nothing_to_roll_back' | 'changed_since'; error: string };

/** The CLI command that undoes the agent's last patch of a workload (`--kind` only for other kinds than Deployment). */
export function rollbackCommand(kind: PatchableKind | undefined, namespace: string, name: string): string {
  return `devops-agent workloads rollback ${kind && kind !== 'Deployment' ? `--kind ${kind} ` : ''}${namespace}/${name}`;
}

/** The workload a rollback is about. */
export interface WorkloadTarget {
  kind: PatchableKind;
  namespace: string;
  name: string;
}

/**
 * Puts back the image a workload ran before the agent's last applied patch. The previous image comes from SQLite
 * (the applied remediation) and, when the database does not know the workload, from the annotation the patch wrote.
 * Refuses when someone changed the image since the agent's patch (it would undo their change), unless `force`.
 * Rolled back the way it was patched: a dry run, then a JSON patch with `test` preconditions.
 */
export async function rollbackWorkload(
  runtime: WorkloadRuntime,
  { kind, namespace, name }: WorkloadTarget,
  options: { requestedBy: string; container?: string; force?: boolean },
): Promise<RollbackResult> {
  ensureWorkloadTables(runtime.store.db);
  const cluster = clusterOf(runtime);
  const live = await cluster.workload(kind, namespace, name);
  const applied = runtime.store.db
    .prepare(
      `SELECT id, container, current_image, target_image, changes FROM workload_remediations
       WHERE namespace = ? AND kind = ? AND deployment = ? AND status = 'applied' AND (? IS NULL OR container = ?)
       ORDER BY applied_at DESC, id DESC LIMIT 1`,
    )
    .get(namespace, kind, name, options.container ?? null, options.container ?? null) as
    | { id: number; container: string; current_image: string; target_image: string; changes: string | null }
    | undefined;
  // A plan that changed several containers is undone whole, as it was approved.
  const others = applied?.changes
    ? (JSON.parse(applied.changes) as ContainerChange[]).filter((change) => change.container !== applied.container)
    : [];
  for (const change of others) {
    const running = containerImage(live, change.container);
    if (running !== change.targetImage && running !== change.currentImage && !options.force) {
      return {
        status: 'changed_since',
        error: `container ${change.container} runs ${running ?? '(gone)'}, not ${change.targetImage} that the agent set: someone changed it since; use --force to roll back anyway`,
      };
    }
  }
  let container: string;
  let previous: string;
  let expected: string | undefined;
  if (applied) {
    container = applied.container;
    previous = applied.current_image;
    expected = applied.target_image;
  } else {
    const annotated = readPreviousImages(live.metadata?.annotations);
    const entries = Object.entries(annotated).filter(([name]) => !options.container || name === options.container);
    if (entries.length !== 1) {
      return {
        status: 'nothing_to_roll_back',
        error:
          entries.length === 0
            ? `no applied remediation for ${kind} ${namespace}/${name} in the database and no ${PREVIOUS_IMAGES_ANNOTATION} annotation`
            : `the annotation lists several containers (${entries.map(([key]) => key).join(', ')}): name one with --container`,
      };
    }
    [container, previous] = entries[0];
  }
  const running = containerImage(live, container);
  if (!running) return { status: 'nothing_to_roll_back', error: `${kind} has no container ${container}` };
  if (running === previous) {
    return {
      status: 'already_rolled_back',
      kind,
      namespace,
      deployment: name,
      container,
      from: running,
      to: previous,
      diff: '',
    };
  }
  if (expected && running !== expected && !options.force) {
    return {
      status: 'changed_since',
      error: `container ${container} runs ${running}, not ${expected} that the agent set: someone changed it since; use --force to roll back anyway`,
    };
  }
  const plan = await planImagePatch(cluster, {
    kind,
    namespace,
    deployment: name,
    container,
    currentImage: running,
    targetImage: previous,
    patchType: runtime.config.workloads?.patch_type ?? 'json',
    ...(others.length > 0
      ? {
          changes: [
            { container, currentImage: running, targetImage: previous },
            ...others.flatMap((change) => {
              const now = containerImage(live, change.container)!;
              return now === change.currentImage
                ? []
                : [{ container: change.container, currentImage: now, targetImage: change.currentImage }];
            }),
          ],
        }
      : {}),
  });
  await applyImagePatch(cluster, plan);
  const at = (runtime.now?.() ?? new Date()).toISOString();
  runtime.store.db
    .prepare(
      `INSERT INTO workload_rollbacks (at, kind, namespace, deployment, container, from_image, to_image, remediation_id,
         requested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(at, kind, namespace, name, container, running, previous, applied?.id ?? null, options.requestedBy);
  if (applied) {
    runtime.store.db
      .prepare(`UPDATE workload_remediations SET status = 'rolled_back', rolled_back_at = ? WHERE id = ?`)
      .run(at, applied.id);
  }
  runtime.store.audit.append('workloads.rollback', {
    kind,
    deployment: `${namespace}/${name}`,
    container,
    from: running,
    to: previous,
    remediationId: applied?.id ?? null,
    requestedBy: options.requestedBy,
  });
  return {
    status: 'rolled_back',
    kind,
    namespace,
    deployment: name,
    container,
    from: running,
    to: previous,
    remediationId: applied?.id,
    diff: plan.diff,
  };
}
