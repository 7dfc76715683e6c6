import { metrics } from '../core/metrics.ts';
import type { BlockContext, BlockOutcome } from './blocking/block-executor.ts';
import { executeBlock } from './blocking/block-executor.ts';

export type ReviewOutcome =
  | BlockOutcome
  | { status: 'not_found'; error: string }
  | { status: 'conflict'; error: string; currentStatus: string }
  | { status: 'rejected'; detail: string };

/**
 * Human approval of a pending (or failed) incident. The compare-and-set to `blocking` makes a second, concurrent or
 * repeated approval a clear conflict instead of a duplicate action.
 */
export async function approveIncident(id: number, approver: string, context: BlockContext): Promise<ReviewOutcome> {
  const incident = context.store.incidents.get(id);
  if (!incident) return { status: 'not_found', error: `incident ${id} does not exist` };
  if (context.mode === 'disabled') {
    return { status: 'conflict', error: 'mode is disabled: no action may be applied', currentStatus: incident.status };
  }
  if (
    !context.store.incidents.transition(id, ['pending', 'failed'], 'blocking', undefined, `approved by ${approver}`)
  ) {
    const current = context.store.incidents.get(id)!;
    const why =
      current.status === 'blocked'
        ? 'already blocked'
        : current.status === 'rejected'
          ? 'it was rejected'
          : `it is ${current.status}`;
    return { status: 'conflict', error: `incident ${id} cannot be approved: ${why}`, currentStatus: current.status };
  }
  context.store.audit.append('incident_approved', { incidentId: id, approver, target: incident.ip });
  return executeBlock({ ...incident, status: 'blocking' }, approver, context);
}

export function rejectIncident(id: number, reviewer: string, reason: string, context: BlockContext): ReviewOutcome {
  const incident = context.store.incidents.get(id);
  if (!incident) return { status: 'not_found', error: `incident ${id} does not exist` };
  const text = reason.trim().slice(0, 1000) || 'no reason given';
  return context.store.transaction(() => {
    if (!context.store.incidents.transition(id, ['pending', 'failed', 'open'], 'rejected', undefined, text)) {
      const current = context.store.incidents.get(id)!;
      return {
        status: 'conflict',
        error: `incident ${id} cannot be rejected: it is ${current.status}`,
        currentStatus: current.status,
      };
    }
    context.store.actions.record({
      incidentId: id,
      actionType: 'block_ip',
      mode: context.mode,
      target: incident.ip,
      blocker: context.blocker.kind,
      status: 'rejected',
      plan: null,
      result: { reason: text },
      approvedBy: reviewer,
      appliedAt: null,
    });
    context.store.audit.append('incident_rejected', { incidentId: id, reviewer, reason: text, target: incident.ip });
    metrics.increment('devops_agent_actions_total', { action: 'block_ip', status: 'rejected' });
    return { status: 'rejected', detail: `incident ${id} rejected: ${text}` };
  });
}

export type UnblockOutcome =
  | { status: 'unblocked'; detail: string }
  | { status: 'not_ours'; error: string }
  | { status: 'failed'; error: string };

/** Removes a block the agent made, and only that: a target the agent did not add is left alone and reported. */
export async function unblockTarget(
  target: string,
  by: string,
  reason: string,
  context: BlockContext,
): Promise<UnblockOutcome> {
  const blocks = context.store.blocks.findActive(target).filter((block) => block.blocker === context.blocker.kind);
  if (blocks.length === 0) {
    return {
      status: 'not_ours',
      error: `${target} is not blocked by devops-agent (entries added by hand are never removed)`,
    };
  }
  const result = await context.blocker.revert(target);
  if (result.status === 'failed') return { status: 'failed', error: result.error };
  context.store.transaction(() => {
    for (const block of blocks) {
      context.store.blocks.markRemoved(block.id, reason);
      if (block.incidentId !== null)
        context.store.incidents.transition(block.incidentId, ['blocked'], 'resolved', undefined, `${reason} by ${by}`);
    }
    context.store.audit.append('block_removed', {
      target,
      by,
      reason,
      blocker: context.blocker.kind,
      detail: result.detail,
    });
  });
  metrics.increment('devops_agent_actions_total', { action: 'unblock_ip', status: 'applied' });
  return { status: 'unblocked', detail: result.detail };
}

/** Removes every block whose expiry has passed. */
export async function expireBlocks(context: BlockContext): Promise<UnblockOutcome[]> {
  const now = context.now?.() ?? new Date();
  const outcomes: UnblockOutcome[] = [];
  for (const block of context.store.blocks.expired(now)) {
    if (block.blocker !== context.blocker.kind) continue;
    outcomes.push(await unblockTarget(block.target, 'devops-agent', 'expired', context));
  }
  return outcomes;
}

/** After a crash mid-apply, incidents left in `blocking` are applied again (blockers are idempotent). */
export async function resumeInterruptedBlocks(context: BlockContext): Promise<BlockOutcome[]> {
  const outcomes: BlockOutcome[] = [];
  for (const incident of context.store.incidents.list({ status: 'blocking', limit: 500 })) {
    outcomes.push(await executeBlock(incident, 'devops-agent (resumed)', context));
  }
  return outcomes;
}
