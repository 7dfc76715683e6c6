import type { Config } from '../../config/schema.ts';
import { UsageError } from '../../core/errors.ts';
import { KubernetesApiError } from '../../kubernetes/kubernetes-api-error.ts';
import { createLlmClient } from '../../llm/create-llm-client.ts';
import type { Store } from '../../store/store.ts';
import { openConfiguredStore } from '../../store/store.ts';
import { ImagePatchRefused } from '../../workload-guard/image-patch.ts';
import { PATCHABLE_KINDS, type PatchableKind } from '../../workload-guard/pod-template-workloads.ts';
import {
  approveRemediation,
  isRemediationStatus,
  listRemediations,
  REMEDIATION_STATUSES,
  type RemediationDecision,
  type RemediationStatus,
  rejectRemediation,
} from '../../workload-guard/remediation-approvals.ts';
import { rollbackWorkload } from '../../workload-guard/rollback.ts';
import { describeDecision } from '../../workload-guard/slack-interaction.ts';
import { type CheckedFinding, runWorkloadChecks } from '../../workload-guard/workload-checks.ts';
import { workloadLabel } from '../../workload-guard/workload-finding.ts';
import type { CliIo, Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { printTable, safeCell, safeLines } from '../output.ts';
import { USAGE } from './workloads-usage.ts';

const OPTIONS = {
  namespace: { type: 'string', short: 'n', multiple: true },
  format: { type: 'string' },
  preview: { type: 'boolean' },
  status: { type: 'string' },
  reason: { type: 'string' },
  container: { type: 'string' },
  force: { type: 'boolean' },
  kind: { type: 'string' },
} as const;

export const workloadsCommand: Command = {
  name: 'workloads',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError(`--format: expected table or json\n\n${USAGE}`);
    const [verb, target, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}\n\n${USAGE}`);
    const needsTarget = ['show', 'approve', 'reject', 'rollback'].includes(verb ?? '');
    if (!['scan', 'list', 'show', 'approve', 'reject', 'rollback'].includes(verb ?? '')) throw new UsageError(USAGE);
    if (needsTarget && !target) throw new UsageError(`${verb}: missing argument\n\n${USAGE}`);
    const config = loadCliConfig(values, io);
    const store = openConfiguredStore(config);
    try {
      const runtime = { config, store };
      switch (verb) {
        case 'scan':
          return await scan(config, store, io, format, values.namespace, values.preview === true);
        case 'list': {
          const remediations = listRemediations(store, { status: parseStatus(values.status) });
          if (format === 'json') io.stdout.write(`${JSON.stringify({ remediations }, null, 2)}\n`);
          else
            printTable(
              io.stdout,
              ['ID', 'STATUS', 'WORKLOAD', 'CONTAINER', 'FROM', 'TO', 'CREATED'],
              remediations.map((entry) => [
                String(entry.id),
                entry.status,
                `${entry.kind} ${entry.namespace}/${entry.deployment}`,
                entry.container,
                entry.currentImage,
                entry.targetImage,
                entry.createdAt,
              ]),
            );
          return 0;
        }
        case 'show': {
          const remediation = listRemediations(store, { limit: 10_000 }).find((entry) => entry.id === parseId(target!));
          if (!remediation) {
            io.stderr.write(`error: no remediation #${target}\n`);
            return 1;
          }
          if (format === 'json') io.stdout.write(`${JSON.stringify(remediation, null, 2)}\n`);
          else {
            io.stdout.write(
              safeLines(
                `#${remediation.id} ${remediation.status}: ${remediation.kind} ${remediation.namespace}/${remediation.deployment} container ${remediation.container}\n${remediation.currentImage} -> ${remediation.targetImage} (${remediation.source})\n`,
              ),
            );
            if (remediation.rolloutNote) io.stdout.write(`rollout: ${remediation.rolloutNote}\n`);
            if (remediation.explanation) io.stdout.write(`why: ${safeCell(remediation.explanation, 600)}\n`);
            io.stdout.write(
              safeLines(
                `CVEs: ${remediation.finding.cves.map((cve) => cve.id).join(', ') || '-'}\n${remediation.diff}`,
              ),
            );
          }
          return 0;
        }
        case 'approve':
        case 'reject': {
          const id = parseId(target!);
          const approver = `cli (${io.env.USER ?? io.env.LOGNAME ?? 'unknown'})`;
          const decision: RemediationDecision =
            verb === 'approve'
              ? await approveRemediation(runtime, id, approver)
              : rejectRemediation(runtime, id, approver, values.reason);
          const ok = ['applied', 'already_applied', 'rejected'].includes(decision.status);
          if (format === 'json') io.stdout.write(`${JSON.stringify(decision, null, 2)}\n`);
          else (ok ? io.stdout : io.stderr).write(`${describeDecision(id, decision, approver)}\n`);
          return ok ? 0 : 1;
        }
        default: {
          const match = /^([a-z0-9][a-z0-9-]{0,62})\/([a-z0-9][a-z0-9.-]{0,252})$/.exec(target!);
          if (!match) throw new UsageError(`rollback: expected <namespace>/<name>, got "${target}"\n\n${USAGE}`);
          const kind = parseKind(values.kind);
          const result = await rollbackWorkload(
            runtime,
            { kind, namespace: match[1], name: match[2] },
            {
              requestedBy: `cli (${io.env.USER ?? io.env.LOGNAME ?? 'unknown'})`,
              container: values.container,
              force: values.force === true,
            },
          );
          if (format === 'json') io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          else if (result.status === 'rolled_back' || result.status === 'already_rolled_back') {
            io.stdout.write(
              `${result.status === 'rolled_back' ? 'rolled back' : 'already rolled back'}: ${result.kind} ${result.namespace}/${result.deployment} container ${result.container}: ${result.from} -> ${result.to}\n${result.diff}`,
            );
          } else if ('error' in result) io.stderr.write(`error: ${result.error}\n`);
          return result.status === 'rolled_back' || result.status === 'already_rolled_back' ? 0 : 1;
        }
      }
    } catch (error) {
      if (error instanceof KubernetesApiError || error instanceof ImagePatchRefused) {
        io.stderr.write(`error: ${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      store.close();
    }
  },
};

async function scan(
  config: Config,
  store: Store,
  io: CliIo,
  format: 'table' | 'json',
  namespaces: string[] | undefined,
  preview: boolean,
): Promise<number> {
  const llm = config.workloads?.llm_advice === false ? undefined : createLlmClient(config, store);
  const result = await runWorkloadChecks({ config, store }, { namespaces, record: !preview, llm });
  if (format === 'json') {
    const findings = result.findings.map((finding) => ({
      kind: finding.kind,
      namespace: finding.workload.namespace,
      workload: finding.workload.name,
      workloadKind: finding.workload.kind,
      severity: finding.severity,
      detail: finding.detail,
      ...(finding.container ? { container: finding.container, image: finding.image } : {}),
      ...(finding.pods ? { pods: finding.pods } : {}),
      ...(finding.vulnerabilities ? { vulnerabilities: finding.vulnerabilities } : {}),
      plan: finding.plan,
      ...(finding.planError ? { planError: finding.planError } : {}),
      ...(finding.advice ? { advice: finding.advice } : {}),
      ...(finding.hint ? { hint: finding.hint } : {}),
      ...(finding.logExcerpt !== undefined ? { logExcerpt: finding.logExcerpt } : {}),
      ...(finding.logError ? { logError: finding.logError } : {}),
    }));
    io.stdout.write(
      `${JSON.stringify(
        {
          findings,
          skipped: result.skipped,
          notes: result.notes,
          approvalMessages: result.approvalMessages,
          autoPatched: result.autoPatched,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  printTable(
    io.stdout,
    ['KIND', 'WORKLOAD', 'SEVERITY', 'DETAIL', 'PLAN'],
    result.findings.map((finding) => [
      finding.kind,
      `${finding.workload.kind} ${workloadLabel(finding.workload)}`,
      finding.severity,
      safeCell(finding.detail, 120),
      planCell(finding),
    ]),
  );
  for (const finding of result.findings) {
    if (finding.hint)
      io.stdout.write(`\nhint for ${workloadLabel(finding.workload)}: ${safeCell(finding.hint, 300)}\n`);
    if (finding.advice?.length) {
      io.stdout.write(`\nto fix ${workloadLabel(finding.workload)} (${safeCell(finding.image ?? '', 200)}):\n`);
      for (const line of finding.advice.slice(0, 20)) io.stdout.write(`  ${safeCell(line, 300)}\n`);
    }
    if (!finding.plan) continue;
    io.stdout.write(
      safeLines(
        `\n${finding.plan.remediationId ? `remediation #${finding.plan.remediationId} (${finding.plan.status})` : 'plan (preview)'} for ${workloadLabel(finding.workload)}: ${finding.plan.currentImage} -> ${finding.plan.targetImage} [${finding.plan.source}]\n`,
      ),
    );
    io.stdout.write(`fixes: ${finding.plan.fixes.join(', ') || 'none'}\n`);
    if (finding.plan.unfixed.length > 0) io.stdout.write(`does not fix: ${finding.plan.unfixed.join(', ')}\n`);
    if (finding.plan.explanation) io.stdout.write(`why: ${safeCell(finding.plan.explanation, 600)}\n`);
    io.stdout.write(safeLines(finding.plan.diff));
    if (finding.plan.remediationId && finding.plan.status === 'pending') {
      io.stdout.write(`approve with: devops-agent workloads approve ${finding.plan.remediationId}\n`);
    }
  }
  for (const skipped of result.skipped) io.stderr.write(`skipped ${skipped.source}: ${skipped.reason}\n`);
  for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
  for (const message of result.approvalMessages) {
    if (message.status !== 'sent')
      io.stderr.write(`warning: approval message to ${message.channel}: ${message.error}\n`);
  }
  return 0;
}

function planCell(finding: CheckedFinding): string {
  if (finding.plan)
    return `${finding.plan.targetImage}${finding.plan.remediationId ? ` (#${finding.plan.remediationId})` : ''}`;
  return finding.planError ? safeCell(`none: ${finding.planError}`, 80) : '-';
}

function parseId(text: string): number {
  if (!/^\d{1,12}$/.test(text)) throw new UsageError(`expected a remediation id (a number), got "${text}"`);
  return Number(text);
}

/** `--kind`: Deployment when absent; any case (`statefulset`, `StatefulSet`). */
function parseKind(text: string | undefined): PatchableKind {
  if (text === undefined) return 'Deployment';
  const kind = PATCHABLE_KINDS.find((entry) => entry.toLowerCase() === text.toLowerCase());
  if (!kind) throw new UsageError(`--kind: expected one of ${PATCHABLE_KINDS.join(', ')}`);
  return kind;
}

function parseStatus(text: string | undefined): RemediationStatus | undefined {
  if (text === undefined) return undefined;
  if (!isRemediationStatus(text)) throw new UsageError(`--status: expected one of ${REMEDIATION_STATUSES.join(', ')}`);
  return text;
}
