import type { AuditLog } from '../../store/audit-log.ts';

const WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 10_000;

export interface RefusedKeyAttempt {
  address: string;
  userAgent: string;
  path: string;
  keyPresented: boolean;
}

/**
 * Audits refused bouncer keys without letting a flood of them fill the disk: the web server has no rate limit, and
 * each audit entry is a synced, hash-chained write. Per address, the first refusal of a minute is written at once;
 * later ones within that minute are counted and the count (`earlierRefusals`) goes into that address's next entry.
 */
export class RefusedKeyAudit {
  readonly #audit: AuditLog;
  readonly #byAddress = new Map<string, { windowStart: number; uncounted: number }>();

  constructor(audit: AuditLog) {
    this.#audit = audit;
  }

  record(attempt: RefusedKeyAttempt, now: number): void {
    const seen = this.#byAddress.get(attempt.address);
    if (seen && now - seen.windowStart < WINDOW_MS) {
      seen.uncounted++;
      return;
    }
    if (!seen && this.#byAddress.size >= MAX_TRACKED_ADDRESSES) this.#byAddress.clear();
    this.#audit.append('bouncer_auth_failed', { ...attempt, earlierRefusals: seen?.uncounted ?? 0 });
    this.#byAddress.set(attempt.address, { windowStart: now, uncounted: 0 });
  }
}
