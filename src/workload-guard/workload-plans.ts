import { workloadsSettings } from '../config/sections/workloads.ts';
import { errorMessage } from '../core/errors.ts';
import { sendApprovalRequest } from './approval-messages.ts';
import { type ContainerChange, changesOf, planImagePatch } from './image-patch.ts';
import type { ImagePolicy } from './image-policy.ts';
import { isPatchableKind } from './pod-template-workloads.ts';
import { createRegistryClient } from './registry-client.ts';
import { chooseUpgradeWithRegistry } from './registry-evidence.ts';
import { approveRemediation, clusterOf, recordRemediation, type WorkloadRuntime } from './remediation-approvals.ts';
import type { ImageScan } from './trivy-reports.ts';
import { adviseOnUpgrade } from './upgrade-advice.ts';
import type { CheckedFinding, PlanView, WorkloadCheckOptions, WorkloadCheckResult } from './workload-checks.ts';
import type { ScannedImage, Vulnerability } from './workload-finding.ts';

/** A vulnerable container of a workload the agent may patch (a Deployment, StatefulSet, DaemonSet or CronJob). */
export interface PlannableContainer {
  finding: CheckedFinding;
  fixable: Vulnerability[];
  scanned: ScannedImage;
}

type Chosen = PlannableContainer & {
  target: string;
  source: string;
  explanation?: string;
  fixes: string[];
  unfixed: string[];
};

/**
 * One plan for every vulnerable container of one workload: a tag per image (the policy's choice, the LLM's pick
 * among allowed tags), then one patch changing all of them, validated by one server dry run and approved once. A
 * container whose image has no allowed tag keeps its reason and stays out of the patch.
 */
export async function planWorkload(
  runtime: WorkloadRuntime,
  containers: readonly PlannableContainer[],
  policy: ImagePolicy,
  scans: readonly ImageScan[],
  options: WorkloadCheckOptions,
  result: WorkloadCheckResult,
  now: Date,
): Promise<void> {
  const settings = workloadsSettings(runtime.config.workloads);
  if (settings.policy.registry_lookup) runtime.registry ??= createRegistryClient();
  const registry = settings.policy.registry_lookup ? runtime.registry : undefined;
  const chosen: Chosen[] = [];
  for (const entry of containers) {
    const { finding, fixable } = entry;
    try {
      const evidence = { scanned: entry.scanned, scans };
      const choice = await chooseUpgradeWithRegistry(finding.image!, fixable, policy, evidence, registry, result.notes);
      if ('refusal' in choice) {
        const refused = choice.refused.map((item) => `${item.tag}: ${item.reason}`).join('; ');
        finding.planError = `${choice.refusal}${refused ? ` (${refused})` : ''}`;
        continue;
      }
      const advice = settings.llm_advice ? await adviseOnUpgrade(options.llm, choice, fixable, policy) : { choice };
      if (advice.note) result.notes.push(`${finding.workload.namespace}/${finding.workload.name}: ${advice.note}`);
      chosen.push({
        ...entry,
        target: advice.choice.target,
        source: advice.choice.source,
        explanation: advice.explanation,
        fixes: advice.choice.fixes,
        unfixed: advice.choice.unfixed,
      });
    } catch (error) {
      finding.planError = errorMessage(error);
    }
  }
  if (chosen.length === 0) return;
  const changes: ContainerChange[] = chosen.map((entry) => ({
    container: entry.finding.container!,
    currentImage: entry.finding.image!,
    targetImage: entry.target,
  }));
  const { workload } = chosen[0].finding;
  let plan: Awaited<ReturnType<typeof planImagePatch>>;
  try {
    if (!isPatchableKind(workload.kind)) throw new Error(`a ${workload.kind} is not patched`);
    plan = await planImagePatch(clusterOf(runtime), {
      kind: workload.kind,
      namespace: workload.namespace,
      deployment: workload.name,
      ...changes[0],
      ...(changes.length > 1 ? { changes } : {}),
      patchType: settings.patch_type,
    });
  } catch (error) {
    for (const entry of chosen) entry.finding.planError = errorMessage(error);
    return;
  }
  const views = chosen.map((entry): PlanView => {
    const view: PlanView = {
      remediationId: null,
      status: 'planned',
      container: entry.finding.container!,
      currentImage: entry.finding.image!,
      targetImage: entry.target,
      source: entry.source,
      explanation: entry.explanation,
      fixes: entry.fixes,
      unfixed: entry.unfixed,
      ...(changes.length > 1 ? { changes: changesOf(plan) } : {}),
      patchType: plan.patchType,
      patch: plan.patch,
      diff: plan.diff,
      dryRun: 'passed',
      planHash: plan.planHash,
      ...(plan.rolloutNote ? { rolloutNote: plan.rolloutNote } : {}),
    };
    entry.finding.plan = view;
    return view;
  });
  if (options.record === false || runtime.config.mode === 'disabled') return;
  const unique = (lists: string[][]) => [...new Set(lists.flat())];
  const { remediation, created } = recordRemediation(
    runtime.store,
    plan,
    {
      source: unique(chosen.map((entry) => [entry.source])).join(', '),
      explanation:
        chosen
          .flatMap((entry) => (entry.explanation ? [entry.explanation] : []))
          .join(' ')
          .trim() || undefined,
      finding: {
        kinds: ['vulnerabilities'],
        cves: chosen
          .flatMap((entry) => entry.fixable)
          .slice(0, 100)
          .map((entry) => ({
            id: entry.id,
            severity: entry.severity,
            package: entry.package,
            fixedVersion: entry.fixedVersion,
          })),
        fixes: unique(chosen.map((entry) => entry.fixes)).slice(0, 100),
        unfixed: unique(chosen.map((entry) => entry.unfixed)).slice(0, 100),
      },
      expirySeconds: settings.approval.expiry,
    },
    now,
  );
  for (const view of views) {
    view.remediationId = remediation.id;
    view.status = remediation.status;
  }
  if (!created) return;
  if (settings.auto_patch) {
    const decision = await approveRemediation(runtime, remediation.id, 'policy (workloads.auto_patch)');
    for (const view of views) view.status = 'error' in decision ? decision.status : decision.remediation.status;
    result.autoPatched.push({
      remediationId: remediation.id,
      decision: decision.status,
      ...('error' in decision ? { error: decision.error } : {}),
    });
    return;
  }
  for (const message of await sendApprovalRequest(runtime.config, remediation)) {
    result.approvalMessages.push({ remediationId: remediation.id, ...message });
  }
}
