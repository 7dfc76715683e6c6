import { cidrBounds, formatCidr, parseCidr } from '../../core/ip-address.ts';
import type { Database } from '../../store/database.ts';

/** A decision as the CrowdSec Local API sends it to bouncers (swagger `Decision`, pkg/models/decision.go). */
export interface LapiDecision {
  id: number;
  origin: string;
  type: 'ban';
  scope: 'Ip' | 'Range';
  value: string;
  /** Go `time.Duration` text, e.g. `3h59m58.5s`: what is left of the block. */
  duration: string;
  scenario: string;
}

/** A current decision plus its end, so the duration can be computed at the moment it is sent. */
export interface ActiveDecision {
  decision: Omit<LapiDecision, 'duration'>;
  /** null: the block has no expiry. */
  until: Date | null;
}

export const DECISION_ORIGIN = 'devops-agent';

/**
 * Blocks without an expiry are sent with this duration (ten years): bouncers need a finite one, and a firewall
 * bouncer turns it into a set-element timeout. The unblock still arrives as a deletion.
 */
const PERMANENT_MS = 87_600 * 3_600_000;

/** Incidents in these states no longer justify their block, whatever the blocks table still says. */
const WITHDRAWN_INCIDENT_STATUSES = ['rejected', 'resolved'];

interface ActiveBlockRow {
  id: number;
  target: string;
  expires_at: string | null;
  threat_type: string | null;
}

/**
 * Every active block, from any blocker and in any mode, as one decision per address or network. A block stops being a
 * decision when it is removed (unblock, expiry run), when its expiry has passed (even before the expiry run removes
 * it) or when its incident was rejected or resolved. Several blockers blocking one target give one decision: the
 * oldest block's id and scenario, the latest end.
 */
export function currentDecisions(db: Database, now: Date): Map<string, ActiveDecision> {
  const rows = db
    .prepare(
      `SELECT blocks.id, blocks.target, blocks.expires_at, incidents.threat_type
         FROM blocks LEFT JOIN incidents ON incidents.id = blocks.incident_id
        WHERE blocks.removed_at IS NULL
          AND (blocks.expires_at IS NULL OR blocks.expires_at > ?)
          AND (incidents.status IS NULL OR incidents.status NOT IN (${WITHDRAWN_INCIDENT_STATUSES.map(() => '?').join(', ')}))
        ORDER BY blocks.id`,
    )
    .all(now.toISOString(), ...WITHDRAWN_INCIDENT_STATUSES) as unknown as ActiveBlockRow[];
  const decisions = new Map<string, ActiveDecision>();
  for (const row of rows) {
    const target = decisionTarget(row.target);
    if (!target) continue;
    const until = row.expires_at === null ? null : new Date(row.expires_at);
    const existing = decisions.get(target.value);
    if (existing) {
      if (existing.until !== null && (until === null || until > existing.until)) existing.until = until;
      continue;
    }
    decisions.set(target.value, {
      decision: {
        id: row.id,
        origin: DECISION_ORIGIN,
        type: 'ban',
        scope: target.scope,
        value: target.value,
        scenario: row.threat_type ?? 'manual',
      },
      until,
    });
  }
  return decisions;
}

/**
 * A single address is scope Ip with the bare address; a network is scope Range with its canonical CIDR: the network
 * address, never host bits (`192.0.2.77/28` is sent as `192.0.2.64/28`), because lua-cs-bouncer keys its cache by the
 * value's address and looks a client up by its address masked, so host bits would never match.
 */
export function decisionTarget(target: string): { scope: 'Ip' | 'Range'; value: string } | undefined {
  const cidr = parseCidr(target);
  if (!cidr) return undefined;
  const full = cidr.prefix === (cidr.family === 'ipv4' ? 32 : 128);
  return { scope: full ? 'Ip' : 'Range', value: formatCidr({ ...cidr, address: cidrBounds(cidr)[0] }) };
}

/**
 * The time left in whole seconds, as the Local API writes it (FormatDecisions rounds to the second): lua-cs-bouncer
 * parses only whole units (`3h59m58.5s` does not match its pattern and becomes a cache entry that never expires).
 * Rounded up, not to nearest, so an active decision never says `0s`, which that cache also reads as "forever".
 */
export function withDuration(active: ActiveDecision, now: Date): LapiDecision {
  const remaining = active.until === null ? PERMANENT_MS : active.until.getTime() - now.getTime();
  return { ...active.decision, duration: goDuration(Math.max(1, Math.ceil(remaining / 1000)) * 1000) };
}

/** Milliseconds as Go's `time.Duration.String()` writes them (`1h0m0s`, `2m3.5s`, `250ms`), which bouncers parse. */
export function goDuration(milliseconds: number): string {
  const sign = milliseconds < 0 ? '-' : '';
  let rest = Math.round(Math.abs(milliseconds));
  if (rest === 0) return '0s';
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = (rest / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
