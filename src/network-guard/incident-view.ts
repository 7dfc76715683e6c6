import type { Incident, IncidentStatus } from '../core/incident.ts';
import { redactDeep } from '../core/redact.ts';
import type { ActionRecord } from '../store/action-store.ts';
import type { AgentRuntime } from './agent-runtime.ts';
import { planBlock } from './blocking/block-executor.ts';
import type { BlockPlan } from './blocking/blocker.ts';

/** Statuses from which a reviewer may still approve (the pipeline's compare-and-set accepts exactly these). */
export const APPROVABLE: readonly IncidentStatus[] = ['pending', 'failed'];
export const REJECTABLE: readonly IncidentStatus[] = ['pending', 'failed', 'open'];

/** One row of the review queue: enough to triage without opening the incident. */
export function incidentSummary(incident: Incident) {
  const evidence = incident.evidence;
  return {
    id: incident.id,
    ip: incident.ip,
    threatType: incident.threatType,
    severity: incident.severity,
    status: incident.status,
    decision: incident.decision,
    detectedAt: incident.detectedAt,
    updatedAt: incident.updatedAt,
    requests: evidence.requests,
    sensitiveHits: evidence.sensitiveHits,
    peakPerMinute: evidence.peakPerMinute,
    firstSeen: evidence.firstSeen,
    lastSeen: evidence.lastSeen,
    scannerAgents: redactDeep(evidence.scannerAgents.slice(0, 5)),
    topPath: evidence.topPaths[0] ? redactDeep(evidence.topPaths[0].path) : null,
  };
}

/** Everything the detail view shows. Log-derived strings are redacted here; the page renders them as text only. */
export function incidentDetail(incident: Incident, runtime: AgentRuntime) {
  const { store } = runtime;
  return {
    ...incidentSummary(incident),
    statusReason: store.incidents.statusReason(incident.id) ?? null,
    evidence: redactDeep(incident.evidence),
    llmOpinion: incident.llmOpinion === undefined ? null : redactDeep(incident.llmOpinion),
    allowlist: store.allowlist.match(incident.ip) ?? null,
    activeBlocks: store.blocks.findActive(incident.ip),
    actions: store.actions.forIncident(incident.id).map(actionView),
    canApprove: APPROVABLE.includes(incident.status) && runtime.config.mode !== 'disabled',
    canReject: REJECTABLE.includes(incident.status),
    mode: runtime.config.mode,
  };
}

export function actionView(action: ActionRecord) {
  return {
    id: action.id,
    actionType: action.actionType,
    mode: action.mode,
    target: action.target,
    blocker: action.blocker,
    status: action.status,
    plan: action.plan,
    result: action.result,
    approvedBy: action.approvedBy,
    appliedAt: action.appliedAt,
    createdAt: action.createdAt,
  };
}

/**
 * The recommendation: the action review mode planned, and the exact change approval would make now. For an incident
 * still awaiting a decision the plan is computed again (the deny list may have changed since detection), because
 * approval applies the current plan, not the stored one.
 */
export async function incidentRecommendation(incident: Incident, runtime: AgentRuntime) {
  const actions = runtime.store.actions.forIncident(incident.id);
  const planned = [...actions].reverse().find((action) => action.status === 'planned') ?? null;
  const actionable = APPROVABLE.includes(incident.status) && runtime.config.mode !== 'disabled';
  const currentPlan: BlockPlan | null = actionable ? await planBlock(incident, runtime.blockContext) : null;
  const verdict = runtime.blockContext.policy.evaluate(incident.ip);
  return {
    incidentId: incident.id,
    ip: incident.ip,
    status: incident.status,
    decision: incident.decision,
    mode: runtime.config.mode,
    action: {
      type: 'block_ip',
      target: incident.ip,
      blocker: runtime.blocker.kind,
      expiresInSeconds: runtime.blockContext.blockSeconds > 0 ? runtime.blockContext.blockSeconds : null,
    },
    policy: verdict.allowed ? { allowed: true } : { allowed: false, rule: verdict.rule, reason: verdict.reason },
    plannedAction: planned ? actionView(planned) : null,
    currentPlan,
    llmOpinion: incident.llmOpinion === undefined ? null : redactDeep(incident.llmOpinion),
    canApprove: actionable,
  };
}
