import type { Config } from '../config/schema.ts';
import { errorMessage } from '../core/errors.ts';
import { transaction } from '../store/database.ts';
import { camelFields, optionalCamelFields } from '../store/row-fields.ts';
import type { Store } from '../store/store.ts';
import { applyImagePatch, type ImagePatchPlan } from './image-patch.ts';
import type { PatchableKind } from './pod-template-workloads.ts';
import type { RegistryClient } from './registry-client.ts';
import { WorkloadCluster } from './workload-cluster.ts';
import { ensureWorkloadTables } from './workload-store.ts';

/** What approval, apply and rollback need; `cluster` is built from config on first use when not given. */
export interface WorkloadRuntime {
  config: Config;
  store: Pick<Store, 'db' | 'audit'>;
  cluster?: WorkloadCluster;
  now?: () => Date;
  /**
   * Which Slack `response_url` the interaction handler may post the outcome to. Production accepts https:// only
   * (Slack's hooks); tests inject their loopback chat server here instead of the code trusting http://127.0.0.1.
   */
  slackResponseUrlAllowed?: (url: string) => boolean;
  /** The registry client for `workloads.policy.registry_lookup` (built on first use; tests inject a loopback one). */
  registry?: RegistryClient;
}

export function clusterOf(runtime: WorkloadRuntime): WorkloadCluster {
  runtime.cluster ??= WorkloadCluster.fromConfig(runtime.config);
  return runtime.cluster;
}

export const REMEDIATION_STATUSES = [
  'pending',
  'approved',
  'applied',
  'rejected',
  'failed',
  'expired',
  'rolled_back',
] as const;
export type RemediationStatus = (typeof REMEDIATION_STATUSES)[number];

export function isRemediationStatus(text: string): text is RemediationStatus {
  return (REMEDIATION_STATUSES as readonly string[]).includes(text);
}

export interface Remediation extends ImagePatchPlan {
  id: number;
  /** Always set on a stored remediation (rows stored before other kinds were patched read as Deployment). */
  kind: PatchableKind;
  createdAt: string;
  expiresAt: string;
  source: string;
  explanation?: string;
  /** The findings behind it: kinds, CVE ids and severities (no cluster secrets). */
  finding: {
    kinds: string[];
    cves: Array<{ id: string; severity: string; package: string; fixedVersion: string }>;
    /** CVEs the new image is proven to fix, and those it does not (stored with the plan, shown to approvers). */
    fixes?: string[];
    unfixed?: string[];
  };
  status: RemediationStatus;
  decidedAt?: string;
  decidedBy?: string;
  decisionNote?: string;
  appliedAt?: string;
  error?: string;
}

export type RemediationDecision =
  | { status: 'applied' | 'already_applied' | 'rejected'; remediation: Remediation }
  | { status: 'not_found'; error: string }
  | { status: 'not_pending' | 'expired' | 'hash_mismatch'; error: string; remediation: Remediation }
  | { status: 'failed'; error: string; remediation: Remediation };

interface Row {
  id: number;
  created_at: string;
  expires_at: string;
  namespace: string;
  deployment: string;
  container: string;
  current_image: string;
  target_image: string;
  source: string;
  explanation: string | null;
  finding: string;
  patch_type: string;
  patch: string;
  plan_hash: string;
  diff: string;
  status: RemediationStatus;
  decided_at: string | null;
  decided_by: string | null;
  decision_note: string | null;
  applied_at: string | null;
  error: string | null;
  changes: string | null;
  kind: PatchableKind;
  rollout_note: string | null;
}

function fromRow(row: Row): Remediation {
  return {
    ...camelFields(row, ['id', 'created_at', 'expires_at', 'kind', 'namespace', 'deployment', 'container']),
    ...camelFields(row, ['current_image', 'target_image', 'source']),
    ...optionalCamelFields(row, ['explanation']),
    finding: JSON.parse(row.finding),
    patchType: row.patch_type as ImagePatchPlan['patchType'],
    patch: JSON.parse(row.patch),
    ...(row.changes ? { changes: JSON.parse(row.changes) } : {}),
    ...camelFields(row, ['plan_hash', 'diff', 'status']),
    ...optionalCamelFields(row, ['rollout_note']),
    ...optionalCamelFields(row, ['decided_at', 'decided_by', 'decision_note', 'applied_at', 'error']),
  };
}

export function getRemediation(store: WorkloadRuntime['store'], id: number): Remediation | undefined {
  ensureWorkloadTables(store.db);
  const row = store.db.prepare('SELECT * FROM workload_remediations WHERE id = ?').get(id) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

/** Remediations, newest first; pending ones past their expiry are marked expired first. */
export function listRemediations(
  store: WorkloadRuntime['store'],
  filter: { status?: RemediationStatus; namespace?: string; limit?: number } = {},
  now = new Date(),
): Remediation[] {
  expireRemediations(store, now);
  const rows = store.db
    .prepare(
      `SELECT * FROM workload_remediations WHERE (? IS NULL OR status = ?) AND (? IS NULL OR namespace = ?)
       ORDER BY id DESC LIMIT ?`,
    )
    .all(
      filter.status ?? null,
      filter.status ?? null,
      filter.namespace ?? null,
      filter.namespace ?? null,
      filter.limit ?? 200,
    ) as unknown as Row[];
  return rows.map(fromRow);
}

/** What the review page shows: remediations waiting for a person. */
export function listPendingRemediations(store: WorkloadRuntime['store'], now = new Date()): Remediation[] {
  return listRemediations(store, { status: 'pending' }, now);
}

export function expireRemediations(store: WorkloadRuntime['store'], now = new Date()): number {
  ensureWorkloadTables(store.db);
  const result = store.db
    .prepare(`UPDATE workload_remediations SET status = 'expired' WHERE status = 'pending' AND expires_at <= ?`)
    .run(now.toISOString());
  return Number(result.changes);
}

/**
 * Stores a plan waiting for approval. An identical pending plan (same deployment, containers and images) is
 * returned instead of a duplicate, so the daemon's repeated scans ask once.
 */
export function recordRemediation(
  store: WorkloadRuntime['store'],
  plan: ImagePatchPlan,
  details: { source: string; explanation?: string; finding: Remediation['finding']; expirySeconds: number },
  now = new Date(),
): { remediation: Remediation; created: boolean } {
  expireRemediations(store, now);
  const changesText = plan.changes && plan.changes.length > 1 ? JSON.stringify(plan.changes) : '';
  const kind = plan.kind ?? 'Deployment';
  return transaction(store.db, () => {
    const existing = store.db
      .prepare(
        `SELECT * FROM workload_remediations WHERE status = 'pending' AND namespace = ? AND kind = ? AND deployment = ?
         AND container = ? AND target_image = ? AND current_image = ? AND coalesce(changes, '') = ?
         ORDER BY id DESC LIMIT 1`,
      )
      .get(plan.namespace, kind, plan.deployment, plan.container, plan.targetImage, plan.currentImage, changesText) as
      | Row
      | undefined;
    if (existing) return { remediation: fromRow(existing), created: false };
    const result = store.db
      .prepare(
        `INSERT INTO workload_remediations (created_at, expires_at, namespace, deployment, container, current_image,
           target_image, source, explanation, finding, patch_type, patch, plan_hash, diff, changes, kind, rollout_note,
           status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
      )
      .run(
        now.toISOString(),
        new Date(now.getTime() + details.expirySeconds * 1000).toISOString(),
        plan.namespace,
        plan.deployment,
        plan.container,
        plan.currentImage,
        plan.targetImage,
        details.source,
        details.explanation ?? null,
        JSON.stringify(details.finding),
        plan.patchType,
        JSON.stringify(plan.patch),
        plan.planHash,
        plan.diff,
        changesText || null,
        kind,
        plan.rolloutNote ?? null,
      );
    const remediation = getRemediation(store, Number(result.lastInsertRowid))!;
    store.audit.append('workloads.remediation.planned', {
      id: remediation.id,
      kind,
      deployment: `${plan.namespace}/${plan.deployment}`,
      container: plan.container,
      from: plan.currentImage,
      to: plan.targetImage,
      ...(plan.changes && plan.changes.length > 1 ? { changes: plan.changes } : {}),
      source: details.source,
      planHash: plan.planHash,
      cves: details.finding.cves.map((cve) => cve.id),
    });
    return { remediation, created: true };
  });
}

/**
 * Approves a pending remediation and applies it. Only one caller can win the pending -> approved step (CLI, Slack,
 * Teams link, review page at once). `planHash`, when given, must match what the approver was shown.
 */
export async function approveRemediation(
  runtime: WorkloadRuntime,
  id: number,
  approver: string,
  planHash?: string,
): Promise<RemediationDecision> {
  const now = runtime.now?.() ?? new Date();
  const claimed = claim(runtime.store, id, 'approved', approver, now, planHash);
  if (claimed.status !== 'claimed') return claimed;
  try {
    const outcome = await applyImagePatch(clusterOf(runtime), claimed.remediation);
    runtime.store.db
      .prepare(`UPDATE workload_remediations SET status = 'applied', applied_at = ? WHERE id = ?`)
      .run(new Date().toISOString(), id);
    runtime.store.audit.append('workloads.remediation.applied', {
      id,
      approver,
      kind: claimed.remediation.kind,
      deployment: `${claimed.remediation.namespace}/${claimed.remediation.deployment}`,
      container: claimed.remediation.container,
      from: claimed.remediation.currentImage,
      to: claimed.remediation.targetImage,
      ...(claimed.remediation.changes ? { changes: claimed.remediation.changes } : {}),
      outcome: outcome.status,
    });
    return { status: outcome.status, remediation: getRemediation(runtime.store, id)! };
  } catch (error) {
    const message = errorMessage(error);
    runtime.store.db
      .prepare(`UPDATE workload_remediations SET status = 'failed', error = ? WHERE id = ?`)
      .run(message.slice(0, 2000), id);
    runtime.store.audit.append('workloads.remediation.failed', { id, approver, error: message });
    return { status: 'failed', error: message, remediation: getRemediation(runtime.store, id)! };
  }
}

export function rejectRemediation(
  runtime: Pick<WorkloadRuntime, 'store' | 'now'>,
  id: number,
  approver: string,
  note?: string,
  planHash?: string,
): RemediationDecision {
  const claimed = claim(runtime.store, id, 'rejected', approver, runtime.now?.() ?? new Date(), planHash, note);
  if (claimed.status !== 'claimed') return claimed;
  return { status: 'rejected', remediation: claimed.remediation };
}

function claim(
  store: WorkloadRuntime['store'],
  id: number,
  next: 'approved' | 'rejected',
  approver: string,
  now: Date,
  planHash?: string,
  note?: string,
):
  | Exclude<RemediationDecision, { status: 'applied' | 'already_applied' | 'rejected' | 'failed' }>
  | {
      status: 'claimed';
      remediation: Remediation;
    } {
  expireRemediations(store, now);
  const current = getRemediation(store, id);
  if (!current) return { status: 'not_found', error: `no remediation #${id}` };
  // A prefix of at least 12 hex digits (what a chat button carries) is enough to bind the decision to the plan.
  if (planHash !== undefined && (planHash.length < 12 || !current.planHash.startsWith(planHash.toLowerCase()))) {
    return {
      status: 'hash_mismatch',
      error: `remediation #${id} is not the plan that was shown`,
      remediation: current,
    };
  }
  if (current.status === 'expired') {
    return { status: 'expired', error: `remediation #${id} expired at ${current.expiresAt}`, remediation: current };
  }
  const result = store.db
    .prepare(
      `UPDATE workload_remediations SET status = ?, decided_at = ?, decided_by = ?, decision_note = ?
       WHERE id = ? AND status = 'pending'`,
    )
    .run(next, now.toISOString(), approver.slice(0, 200), note?.slice(0, 1000) ?? null, id);
  if (Number(result.changes) !== 1) {
    return {
      status: 'not_pending',
      error: `remediation #${id} is ${current.status}, not pending`,
      remediation: current,
    };
  }
  store.audit.append(`workloads.remediation.${next}`, { id, approver, note: note ?? null, planHash: current.planHash });
  return { status: 'claimed', remediation: getRemediation(store, id)! };
}
