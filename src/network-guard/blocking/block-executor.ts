import type { Mode } from '../../config/schema.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Incident } from '../../core/incident.ts';
import { metrics } from '../../core/metrics.ts';
import { type RetryHooks, type RetryPolicy, withRetry } from '../../core/retry.ts';
import type { Store } from '../../store/store.ts';
import type { BlockPolicy } from './block-policy.ts';
import type { ActionResult, Blocker, BlockPlan, BlockRequest } from './blocker.ts';

export interface BlockContext {
  store: Store;
  blocker: Blocker;
  policy: BlockPolicy;
  mode: Mode;
  /** Seconds a block lasts (0: no expiry). */
  blockSeconds: number;
  now?: () => Date;
}

export type BlockOutcome =
  | { status: 'blocked' | 'already_blocked'; detail: string; actionId: number }
  | { status: 'refused'; rule: string; reason: string }
  | { status: 'failed'; error: string; actionId?: number };

const APPLY_RETRY_POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000, totalTimeMs: 30_000 };

/** The block request for an incident: the incident's own IP/CIDR, never text from a model or a log line. */
export function blockRequestFor(incident: Incident, context: BlockContext): BlockRequest {
  const now = context.now?.() ?? new Date();
  return {
    target: incident.ip,
    incidentId: incident.id,
    reason: `${incident.threatType} (${incident.severity})`,
    expiresAt: context.blockSeconds > 0 ? new Date(now.getTime() + context.blockSeconds * 1000).toISOString() : null,
  };
}

/** Asks the blocker for the exact change (diff) without applying it; a failure becomes a plan that says so. */
export async function planBlock(incident: Incident, context: BlockContext): Promise<BlockPlan> {
  try {
    return await context.blocker.plan(blockRequestFor(incident, context));
  } catch (error) {
    return {
      blocker: context.blocker.kind,
      object: '(plan failed)',
      diff: '',
      alreadyBlocked: false,
      patch: { error: errorMessage(error) },
    };
  }
}

/**
 * Applies the block for an incident already moved to `blocking`: policy check again (the allowlist may have changed
 * since detection), plan, apply with bounded retries, then record the action, the owner mark (blocks table) and the
 * incident status in one transaction. Idempotent: a crash before the final transaction is repaired by re-running it.
 */
export async function executeBlock(
  incident: Incident,
  approvedBy: string,
  context: BlockContext,
): Promise<BlockOutcome> {
  const { store, blocker } = context;
  const verdict = context.policy.evaluate(incident.ip);
  if (!verdict.allowed) {
    const status = verdict.rule === 'allowlisted' ? 'allowed' : 'open';
    store.incidents.transition(
      incident.id,
      ['blocking'],
      status,
      verdict.rule === 'allowlisted' ? 'allowlisted' : 'recorded',
      verdict.reason,
    );
    store.audit.append('block_refused', {
      incidentId: incident.id,
      target: incident.ip,
      rule: verdict.rule,
      reason: verdict.reason,
    });
    return { status: 'refused', rule: verdict.rule, reason: verdict.reason };
  }
  const request = blockRequestFor(incident, context);
  const started = performance.now();
  const plan = await planBlock(incident, context);
  const action = store.actions.record({
    incidentId: incident.id,
    actionType: 'block_ip',
    mode: context.mode,
    target: request.target,
    blocker: blocker.kind,
    status: 'applying',
    plan,
    result: null,
    approvedBy,
    appliedAt: null,
  });
  const result = await applyWithRetries(blocker, request);
  metrics.blockLatency.observe({ blocker: blocker.kind, status: result.status }, (performance.now() - started) / 1000);
  const appliedAt = (context.now?.() ?? new Date()).toISOString();
  return store.transaction(() => {
    if (result.status === 'failed') {
      store.actions.update(action.id, { status: 'failed', result });
      store.incidents.transition(incident.id, ['blocking'], 'failed', undefined, result.error);
      store.audit.append('block_failed', {
        incidentId: incident.id,
        target: request.target,
        blocker: blocker.kind,
        error: result.error,
      });
      metrics.increment('devops_agent_actions_total', { action: 'block_ip', status: 'failed' });
      return { status: 'failed', error: result.error, actionId: action.id };
    }
    store.actions.update(action.id, { status: result.status, result, appliedAt });
    // Ownership only for what the agent added (or re-found after a crash); a human's entry is never expired or removed.
    const preexisting = result.status === 'unchanged' && result.preexisting === true;
    if (!preexisting) store.blocks.add(request.target, blocker.kind, incident.id, request.expiresAt);
    store.incidents.transition(incident.id, ['blocking'], 'blocked', 'blocked', result.detail);
    store.audit.append('block_applied', {
      incidentId: incident.id,
      target: request.target,
      blocker: blocker.kind,
      mode: context.mode,
      approvedBy,
      expiresAt: preexisting ? null : request.expiresAt,
      ownedByAgent: !preexisting,
      detail: result.detail,
    });
    metrics.increment('devops_agent_actions_total', { action: 'block_ip', status: result.status });
    return {
      status: result.status === 'unchanged' ? 'already_blocked' : 'blocked',
      detail: result.detail,
      actionId: action.id,
    };
  });
}

/**
 * One apply, retried through src/core/retry.ts only when the blocker says a retry can help and no inner layer already
 * retried it (the Kubernetes blocker's requests are retried by the client and marked; the deny-list file is not).
 */
export async function applyWithRetries(
  blocker: Blocker,
  request: BlockRequest,
  hooks: Pick<RetryHooks<ActionResult>, 'sleep'> = {},
): Promise<ActionResult> {
  return withRetry(
    async () => {
      try {
        return await blocker.apply(request);
      } catch (error) {
        return { status: 'failed', error: errorMessage(error), isRetryable: false } satisfies ActionResult;
      }
    },
    APPLY_RETRY_POLICY,
    { ...hooks, retryableResult: (result) => (result.status === 'failed' && result.isRetryable ? {} : undefined) },
  );
}
