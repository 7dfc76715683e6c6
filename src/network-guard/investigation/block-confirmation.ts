import { metrics } from '../../core/metrics.ts';
import { type BlockContext, type BlockOutcome, executeBlock, planBlock } from '../blocking/block-executor.ts';
import type { ConfirmationOutcome, InvestigationStore } from './investigation-store.ts';

export type ConfirmationResult =
  | { settled: false }
  | { settled: true; outcome: ConfirmationOutcome; block?: BlockOutcome; pendingReview?: boolean };

/**
 * Ends an automatic block's wait for the model, once (compare-and-set on `waiting`). The model can only downgrade:
 * `not_scanning` leaves the incident pending for a human with the model's reasons and the planned change; every other
 * outcome (scanning, uncertain, timeout, model down, invalid answer, no room in the queue) blocks as the deterministic
 * path would have. The target is always the incident's own IP, never text from the model.
 */
export async function settleBlockConfirmation(
  incidentId: number,
  outcome: Exclude<ConfirmationOutcome, 'waiting' | 'human_decided'>,
  detail: string,
  context: BlockContext,
  investigations: InvestigationStore,
): Promise<ConfirmationResult> {
  const { store } = context;
  if (!investigations.settleConfirmation(incidentId, outcome, detail)) return { settled: false };
  metrics.increment('devops_agent_block_confirmations_total', { outcome });
  store.audit.append('block_confirmation', { incidentId, outcome, detail: detail.slice(0, 1000) });
  if (outcome === 'not_scanning') {
    const moved = store.incidents.transition(
      incidentId,
      ['pending'],
      'pending',
      'recommended',
      `the model says this is not secrets scanning; awaiting review: ${detail}`.slice(0, 1000),
    );
    if (!moved) return humanDecided(incidentId, outcome, investigations);
    const incident = store.incidents.get(incidentId)!;
    store.actions.record({
      incidentId,
      actionType: 'block_ip',
      mode: context.mode,
      target: incident.ip,
      blocker: context.blocker.kind,
      status: 'planned',
      plan: await planBlock(incident, context),
      result: null,
      approvedBy: null,
      appliedAt: null,
    });
    return { settled: true, outcome, pendingReview: true };
  }
  if (!store.incidents.transition(incidentId, ['pending'], 'blocking', undefined, `auto mode (${outcome})`)) {
    return humanDecided(incidentId, outcome, investigations);
  }
  const incident = store.incidents.get(incidentId)!;
  const block = await executeBlock(incident, `devops-agent (auto mode, confirmation: ${outcome})`, context);
  return { settled: true, outcome, block };
}

/** A reviewer approved or rejected the incident while it waited: their decision stands, and the record says so. */
function humanDecided(
  incidentId: number,
  outcome: ConfirmationOutcome,
  investigations: InvestigationStore,
): ConfirmationResult {
  investigations.overrideConfirmation(incidentId, 'human_decided', `a reviewer decided before the ${outcome} outcome`);
  return { settled: true, outcome: 'human_decided' };
}
