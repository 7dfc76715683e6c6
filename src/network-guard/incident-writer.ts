import type { Config } from '../config/schema.ts';
import type { Decision, Finding, Incident, IncidentStatus } from '../core/incident.ts';
import { metrics } from '../core/metrics.ts';
import type { Store } from '../store/store.ts';
import type { BlockPolicy } from './blocking/block-policy.ts';

/** A decision fixed before policy by a check of our own (a verified crawler is recorded, an unanswered one reviewed). */
export interface DecisionOverride {
  status: IncidentStatus;
  decision: Decision;
  reason: string;
}

export interface WrittenIncident {
  incident: Incident;
  created: boolean;
  /** Auto mode with llm.confirm_before_block: the block waits for the model's verdict (or its timeout). */
  awaitingConfirmation?: boolean;
}

/**
 * Writes a batch of findings as incidents in one transaction: updates of active incidents (evidence replaced) and new
 * incidents with their first status and decision, and their audit entries with one write and one fsync. An incident
 * storm (thousands of clients) then costs one commit instead of thousands.
 */
export function writeIncidents(
  store: Store,
  config: Config,
  policy: BlockPolicy,
  batch: ReadonlyArray<{ finding: Finding; override?: DecisionOverride }>,
  now: Date,
  confirmBlocks = false,
  settled: (finding: Finding) => boolean = () => false,
): WrittenIncident[] {
  return store.transaction(() => {
    const written: WrittenIncident[] = [];
    const audit: Array<{ type: string; data: Record<string, unknown> }> = [];
    for (const { finding, override } of batch) {
      const updated = store.incidents.updateActiveEvidence(finding, now);
      if (updated) {
        written.push({ incident: updated, created: false });
        continue;
      }
      if (settled(finding)) continue; // closed, and nothing new since
      const proposed = override ?? decide(finding, config, policy);
      const confirm = confirmBlocks && proposed.status === 'blocking';
      const { decision } = proposed;
      const status = confirm ? 'pending' : proposed.status;
      const reason = confirm
        ? `auto mode: awaiting the model's confirmation (up to ${config.llm.confirm_timeout}s, then blocked)`
        : proposed.reason;
      const incident = store.incidents.create(finding, status, decision, now, reason);
      audit.push({
        type: 'incident_created',
        data: {
          incidentId: incident.id,
          ip: finding.ip,
          threatType: finding.threatType,
          severity: finding.severity,
          decision,
          reason,
          ...(confirm ? { awaitingConfirmation: true } : {}),
        },
      });
      metrics.increment('devops_agent_incidents_total', { threat_type: finding.threatType, decision });
      written.push({ incident, created: true, awaitingConfirmation: confirm });
    }
    store.audit.appendMany(audit);
    return written;
  });
}

/** The deterministic policy for a new incident: allowlist and protected ranges first, then the mode. */
function decide(finding: Finding, config: Config, policy: BlockPolicy): DecisionOverride {
  const verdict = policy.evaluate(finding.ip);
  if (!verdict.allowed) {
    return verdict.rule === 'allowlisted'
      ? { status: 'allowed', decision: 'allowlisted', reason: verdict.reason }
      : { status: 'open', decision: 'recorded', reason: verdict.reason };
  }
  if (config.mode === 'disabled')
    return { status: 'open', decision: 'recorded', reason: 'mode is disabled: recorded only' };
  if (config.mode === 'review') return { status: 'pending', decision: 'recommended', reason: 'awaiting review' };
  return { status: 'blocking', decision: 'recommended', reason: 'auto mode' };
}
