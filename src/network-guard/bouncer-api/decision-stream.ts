import { transaction } from '../../store/database.ts';
import type { Store } from '../../store/store.ts';
import type { BouncerRecord, BouncerStore } from './bouncer-store.ts';
import type { DecisionPredicate } from './decision-filter.ts';
import { currentDecisions, type LapiDecision, withDuration } from './lapi-decision.ts';

export interface DecisionStream {
  new: LapiDecision[];
  deleted: LapiDecision[];
}

export interface PullRequest {
  startup: boolean;
  predicate: DecisionPredicate;
  /** The bouncer's `User-Agent`: the firewall bouncer gets no deletions at startup (it starts from an empty set). */
  userAgent: string;
}

/**
 * One `GET /v1/decisions/stream` for one bouncer. CrowdSec compares timestamps with the bouncer's last pull; we keep
 * what each key was last sent instead, so nothing is lost to clock steps or to a block removed between two pulls:
 * `new` is what is active now and was not sent (or was sent with another id), `deleted` is what was sent and is no
 * longer active. `startup=true` resends everything active, as a bouncer that restarted has forgotten its state.
 * The comparison and the update of what was seen happen in one transaction.
 */
export function pullDecisionStream(
  store: Store,
  bouncers: BouncerStore,
  bouncer: BouncerRecord,
  request: PullRequest,
  now: Date,
): DecisionStream {
  return transaction(store.db, () => {
    const seen = bouncers.seen(bouncer.id);
    const current = [...currentDecisions(store.db, now).values()].filter((active) =>
      request.predicate(active.decision),
    );
    const stream: DecisionStream = { new: [], deleted: [] };
    const nextSeen = new Map<string, string>();
    for (const active of current) {
      const decision = withDuration(active, now);
      const sent = seen.get(decision.value);
      if (request.startup || sent === undefined || (JSON.parse(sent) as LapiDecision).id !== decision.id) {
        stream.new.push(decision);
      }
      nextSeen.set(decision.value, JSON.stringify(active.decision));
    }
    const skipDeletions = request.startup && request.userAgent.startsWith('crowdsec-firewall-bouncer');
    for (const [value, sent] of seen) {
      if (nextSeen.has(value) || skipDeletions) continue;
      stream.deleted.push({ ...(JSON.parse(sent) as Omit<LapiDecision, 'duration'>), duration: '0s' });
    }
    bouncers.updateSeen(bouncer.id, seen, nextSeen);
    return stream;
  });
}

/** `GET /v1/decisions`: the current decisions matching the filter, without touching what the bouncer has seen. */
export function queryDecisions(store: Store, predicate: DecisionPredicate, now: Date): LapiDecision[] {
  return [...currentDecisions(store.db, now).values()]
    .filter((active) => predicate(active.decision))
    .map((active) => withDuration(active, now));
}
