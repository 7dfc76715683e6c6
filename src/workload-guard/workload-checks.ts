import { workloadsSettings } from '../config/sections/workloads.ts';
import { errorMessage } from '../core/errors.ts';
import type { LlmClient } from '../llm/llm-client.ts';
import type { ApprovalMessageResult } from './approval-messages.ts';
import { attachCrashLogs } from './crash-logs.ts';
import { alertFindings } from './finding-alerts.ts';
import { fixAdvice } from './fix-advice.ts';
import { type ContainerChange, containerImage } from './image-patch.ts';
import { applicationPackageOf, type ImagePolicy } from './image-policy.ts';
import { mergeContainers } from './merge-containers.ts';
import { withPodEvents } from './pod-events.ts';
import { detectHealthProblems, OwnerResolver } from './pod-health.ts';
import { kindOf, unpatchedKindReason } from './pod-template-workloads.ts';
import { clusterOf, type RemediationDecision, type WorkloadRuntime } from './remediation-approvals.ts';
import { rollbackCommand } from './rollback.ts';
import { runningDigestsOf } from './running-images.ts';
import {
  type ImageScan,
  readTrivyImageReports,
  readVulnerabilityReports,
  type VulnerableContainer,
} from './trivy-reports.ts';
import { WORKLOAD_RBAC_FILE } from './workload-cluster.ts';
import { severityRank, type WorkloadFinding, type WorkloadReference } from './workload-finding.ts';
import { externalManager } from './workload-managers.ts';
import { type PlannableContainer, planWorkload } from './workload-plans.ts';
import { ensureWorkloadTables } from './workload-store.ts';

/** A remediation plan as the scan reports it. */
export interface PlanView {
  remediationId: number | null;
  status: string;
  container: string;
  currentImage: string;
  targetImage: string;
  /** Every container the plan changes, when it changes more than this finding's (one plan per workload). */
  changes?: ContainerChange[];
  source: string;
  explanation?: string;
  /** CVEs the new image is proven to fix (its application version reaches the fix, or a scan of it shows it). */
  fixes: string[];
  /** Fixable CVEs this plan does not fix (see the finding's advice: a rebuild or an application upgrade). */
  unfixed: string[];
  patchType: string;
  patch: unknown;
  diff: string;
  dryRun: 'passed';
  planHash: string;
  /** How the change reaches pods when not as a Deployment's rollout (an OnDelete StatefulSet, a CronJob). */
  rolloutNote?: string;
}

export interface CheckedFinding extends WorkloadFinding {
  plan: PlanView | null;
  /** Why there is no plan, when one was attempted. */
  planError?: string;
  /** For vulnerabilities: what to change per package (application dependency upgrades, OS package rebuilds). */
  advice?: string[];
  /** The last lines of the crashed run (redacted, capped; untrusted text). */
  logExcerpt?: string;
  /** Why the log could not be read (no node assigned, RBAC without pods/log...). */
  logError?: string;
  /** A suggestion for a person (e.g. the rollback command when the agent's own patch preceded the failure). */
  hint?: string;
}

export interface WorkloadCheckOptions {
  /** Overrides `workloads.namespaces` (the CLI's --namespace). */
  namespaces?: string[];
  /** Store pending remediations, send approval requests, auto-patch where policy allows (default true). */
  record?: boolean;
  /** Announce findings without a plan to notifications.channels, once per cooldown (default: same as record). */
  alert?: boolean;
  llm?: LlmClient;
  now?: Date;
}

export interface WorkloadCheckResult {
  findings: CheckedFinding[];
  /** Reports that could not be used (counted and skipped). */
  skipped: Array<{ source: string; reason: string }>;
  notes: string[];
  approvalMessages: Array<{ remediationId: number } & ApprovalMessageResult>;
  autoPatched: Array<{ remediationId: number; decision: RemediationDecision['status']; error?: string }>;
  alerts: { sent: number; suppressed: number; failed: number };
}

/**
 * One pass of the workload guard (the CLI's `workloads scan` and the daemon's interval): health and vulnerability
 * findings, a policy-checked image upgrade per vulnerable container of a Deployment, StatefulSet, DaemonSet or CronJob, validated by a server-side dry run,
 * stored as a pending remediation and sent for approval (or applied when `workloads.auto_patch` is on).
 */
export async function runWorkloadChecks(
  runtime: WorkloadRuntime,
  options: WorkloadCheckOptions = {},
): Promise<WorkloadCheckResult> {
  const settings = workloadsSettings(runtime.config.workloads);
  const now = options.now ?? runtime.now?.() ?? new Date();
  const cluster = clusterOf(runtime);
  const namespaces =
    options.namespaces ??
    (settings.namespaces.length > 0 ? settings.namespaces : (runtime.config.kubernetes?.namespaces ?? []));
  const result: WorkloadCheckResult = {
    findings: [],
    skipped: [],
    notes: [],
    approvalMessages: [],
    autoPatched: [],
    alerts: { sent: 0, suppressed: 0, failed: 0 },
  };

  const inventory = await cluster.inventory(namespaces);
  let health = detectHealthProblems(
    inventory,
    {
      restartThreshold: settings.restart_threshold,
      pendingTimeout: settings.pending_timeout,
      notReadyTimeout: settings.not_ready_timeout,
    },
    now,
  );
  const owners = new OwnerResolver(inventory);
  if (settings.events) health = await withPodEvents(cluster, namespaces, health, inventory.pods, owners, result.notes);
  for (const finding of health) {
    const checked: CheckedFinding = { ...finding, plan: null };
    // A deployment failing right after the agent's own patch (it still runs the patched image): say how to undo it.
    const deployment =
      finding.workload.kind === 'Deployment'
        ? owners.deployment(finding.workload.namespace, finding.workload.name)
        : undefined;
    const running = finding.container && deployment ? containerImage(deployment, finding.container) : undefined;
    const patched = running
      ? appliedPatchTo(runtime, finding.workload.namespace, finding.workload.name, running)
      : undefined;
    if (finding.kind !== 'pending' && patched) {
      checked.hint = `the agent changed ${finding.container} from ${patched} (remediation applied); undo with: ${rollbackCommand('Deployment', finding.workload.namespace, finding.workload.name)}`;
    }
    result.findings.push(checked);
  }
  await attachCrashLogs(runtime, result.findings, settings.crash_log_lines);

  const workloads = [...inventory.deployments, ...(inventory.otherWorkloads ?? [])];
  const metadataOf = (workload: WorkloadReference) =>
    workloads.find(
      (object) =>
        kindOf(object) === workload.kind &&
        object.metadata?.namespace === workload.namespace &&
        object.metadata?.name === workload.name,
    )?.metadata;
  if (inventory.unlisted?.length) {
    result.notes.push(
      `not allowed to list ${inventory.unlisted.join(', ')}: their images are not checked; bind the current ${WORKLOAD_RBAC_FILE}`,
    );
  }
  const vulnerable: VulnerableContainer[] = [];
  const scans: ImageScan[] = [];
  const running = runningDigestsOf(inventory, owners);
  if (settings.vulnerabilities.operator) {
    const { installed } = await cluster.vulnerabilityReports(namespaces, (reports) => {
      const read = readVulnerabilityReports(reports, owners, running);
      vulnerable.push(...read.containers);
      scans.push(...read.scans);
      result.skipped.push(...read.skipped);
    });
    if (!installed)
      result.notes.push('Trivy Operator VulnerabilityReports are not served by this cluster (CRD absent)');
  }
  if (settings.vulnerabilities.report_files.length > 0) {
    const read = readTrivyImageReports(settings.vulnerabilities.report_files, workloads, running);
    vulnerable.push(...read.containers);
    scans.push(...read.scans);
    result.skipped.push(...read.skipped);
  }

  const policy: ImagePolicy = {
    allowedBump: settings.policy.allowed_bump,
    allowedRegistries: settings.policy.allowed_registries,
    knownTags: settings.policy.known_tags,
    requireKnownTag: settings.policy.require_known_tag,
    applicationPackages: settings.policy.application_packages,
  };
  const minimum = severityRank(settings.vulnerabilities.min_severity);
  const plannable = new Map<string, PlannableContainer[]>();
  for (const entry of mergeContainers(vulnerable)) {
    const vulnerabilities = entry.vulnerabilities
      .filter((vulnerability) => severityRank(vulnerability.severity) >= minimum)
      .sort(
        (left, right) => severityRank(right.severity) - severityRank(left.severity) || left.id.localeCompare(right.id),
      );
    if (vulnerabilities.length === 0) continue;
    const fixable = vulnerabilities.filter((vulnerability) => vulnerability.fixedVersion);
    const finding: CheckedFinding = {
      kind: 'vulnerabilities',
      workload: entry.workload,
      severity: vulnerabilities[0].severity,
      detail: `container ${entry.container} (${entry.image}): ${vulnerabilities.length} vulnerabilities at or above ${settings.vulnerabilities.min_severity}, ${fixable.length} fixable; ${vulnerabilities
        .slice(0, 3)
        .map((vulnerability) => vulnerability.id)
        .join(', ')}${vulnerabilities.length > 3 ? ', ...' : ''}`,
      container: entry.container,
      image: entry.image,
      vulnerabilities,
      advice: fixAdvice(vulnerabilities, entry.scanned, applicationPackageOf(entry.image, policy)),
      plan: null,
    };
    result.findings.push(finding);
    const manager = externalManager(metadataOf(entry.workload));
    if (manager) {
      finding.planError = `not patched: ${manager}`;
      continue;
    }
    const unpatched = unpatchedKindReason(entry.workload.kind);
    if (unpatched) {
      finding.planError = unpatched;
      continue;
    }
    if (settings.vulnerabilities.only_fixable && fixable.length === 0) {
      finding.planError = 'no fixed version is available yet';
      continue;
    }
    const key = `${entry.workload.kind} ${entry.workload.namespace}/${entry.workload.name}`;
    plannable.set(key, [...(plannable.get(key) ?? []), { finding, fixable, scanned: entry.scanned }]);
  }
  // One plan per workload: every vulnerable container of it (an initContainer and a container of one image too).
  for (const containers of plannable.values()) {
    try {
      await planWorkload(runtime, containers, policy, scans, options, result, now);
    } catch (error) {
      for (const { finding } of containers) finding.planError ??= errorMessage(error);
    }
  }

  if ((options.alert ?? options.record) !== false && runtime.config.mode !== 'disabled') {
    result.alerts = await alertFindings(
      runtime.config,
      runtime.store.db,
      result.findings,
      settings.alert_cooldown,
      now,
    );
  }
  runtime.store.audit.append('workloads.scan', {
    namespaces: namespaces.length > 0 ? namespaces : ['(all)'],
    findings: result.findings.length,
    plans: result.findings.filter((finding) => finding.plan).length,
    skippedReports: result.skipped.length,
    alertsSent: result.alerts.sent,
  });
  return result;
}

/** The image the agent replaced, when its last applied remediation of this deployment set the image it runs now. */
function appliedPatchTo(
  runtime: WorkloadRuntime,
  namespace: string,
  deployment: string,
  image: string,
): string | undefined {
  ensureWorkloadTables(runtime.store.db);
  const row = runtime.store.db
    .prepare(
      `SELECT current_image FROM workload_remediations WHERE namespace = ? AND deployment = ? AND status = 'applied'
       AND target_image = ? ORDER BY id DESC LIMIT 1`,
    )
    .get(namespace, deployment, image) as { current_image: string } | undefined;
  return row?.current_image;
}
