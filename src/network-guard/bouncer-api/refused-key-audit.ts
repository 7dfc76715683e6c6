import { ipv6Slash64, normalizeIp } from '../../core/ip-address.ts';
import type { AuditLog } from '../../store/audit-log.ts';

const WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 10_000;
/** Entries of their own per minute across all addresses; beyond it refusals are only counted (a flood from many). */
const MAX_ENTRIES_PER_WINDOW = 60;
/** Addresses named in a summary entry, the busiest first. */
const SUMMARY_ADDRESSES = 20;

export interface RefusedKeyAttempt {
  address: string;
  userAgent: string;
  path: string;
  keyPresented: boolean;
}

/**
 * Audits refused bouncer keys without letting a flood of them fill the disk: the web server has no rate limit, and
 * each audit entry is a synced, hash-chained write. Per address (an IPv6 client per /64, as it can rotate inside one),
 * the first refusal of a minute is written at once; later ones within that minute are counted and the count
 * (`earlierRefusals`) goes into that address's next entry. Counts no later entry will carry (the address did not come
 * back, more than MAX_ENTRIES_PER_WINDOW addresses in a minute, more than MAX_TRACKED_ADDRESSES) are written as one
 * `bouncer_auth_failed_summary` at most once a minute, so every refusal is in the audit, if only as a number.
 */
export class RefusedKeyAudit {
  readonly #audit: AuditLog;
  readonly #byAddress = new Map<string, { windowStart: number; uncounted: number }>();
  #windowStart = Number.NEGATIVE_INFINITY;
  #entriesInWindow = 0;
  /** Refusals no per-address entry will carry, by address: for the next summary. */
  readonly #unreported = new Map<string, number>();

  constructor(audit: AuditLog) {
    this.#audit = audit;
  }

  record(attempt: RefusedKeyAttempt, now: number): void {
    if (now - this.#windowStart >= WINDOW_MS) this.#startWindow(now);
    const key = addressKey(attempt.address);
    const seen = this.#byAddress.get(key);
    if (seen && now - seen.windowStart < WINDOW_MS) {
      seen.uncounted++;
      return;
    }
    if ((!seen && this.#byAddress.size >= MAX_TRACKED_ADDRESSES) || this.#entriesInWindow >= MAX_ENTRIES_PER_WINDOW) {
      this.#countUnreported(key, 1);
      return;
    }
    this.#entriesInWindow++;
    this.#audit.append('bouncer_auth_failed', { ...attempt, earlierRefusals: seen?.uncounted ?? 0 });
    this.#byAddress.set(key, { windowStart: now, uncounted: 0 });
  }

  #countUnreported(key: string, count: number): void {
    const bucket = this.#unreported.has(key) || this.#unreported.size < MAX_TRACKED_ADDRESSES ? key : 'other addresses';
    this.#unreported.set(bucket, (this.#unreported.get(bucket) ?? 0) + count);
  }

  /** A new minute: counts that addresses gone quiet for a whole window would never report go into one summary. */
  #startWindow(now: number): void {
    for (const [key, seen] of this.#byAddress) {
      if (now - seen.windowStart < 2 * WINDOW_MS) continue;
      if (seen.uncounted > 0) this.#countUnreported(key, seen.uncounted);
      this.#byAddress.delete(key);
    }
    if (this.#unreported.size > 0) {
      const counts = [...this.#unreported].sort((left, right) => right[1] - left[1]);
      this.#audit.append('bouncer_auth_failed_summary', {
        refusals: counts.reduce((sum, [, count]) => sum + count, 0),
        addresses: counts.length,
        busiest: counts.slice(0, SUMMARY_ADDRESSES).map(([address, count]) => ({ address, count })),
      });
      this.#unreported.clear();
    }
    this.#windowStart = now;
    this.#entriesInWindow = 0;
  }
}

function addressKey(address: string): string {
  const ip = normalizeIp(address);
  return ip ? ipv6Slash64(ip) : address.slice(0, 64);
}
