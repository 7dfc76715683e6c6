import { isIP } from 'node:net';
import { dedupeAttempts } from '../../login-attempts.ts';
import { type AuthEvent, FAILURE_EVENT_TYPES, type SyslogRecord } from '../../observations.ts';
import { parseAuthEvent } from '../auth-event-parser.ts';

/**
 * Test support: our reading of another project's sshd test corpus (fail2ban, CrowdSec) against what that project
 * expects of each line. Used by the corpus tests only.
 */

/** One upstream line: its record as our syslog or journald reader gave it, and what upstream makes of it. */
export interface CorpusLine {
  /** file:line and the text, for messages. */
  label: string;
  record: SyslogRecord | undefined;
  /** The address upstream counts this line as a failure (or pre-auth abuse) of; undefined: no failure. */
  failureOf: string | undefined;
  /** The line's connection as upstream ties lines (program and pid). */
  connection: string;
}

export type Verdict =
  /** Upstream's failure, ours too, same address. */
  | 'failure'
  /** Upstream's failure (in its aggressive or DDoS mode), ours a disconnect or probe of the same address. */
  | 'pre-auth'
  /** Upstream's failure, nothing with that address here. */
  | 'missed'
  /** Upstream: no failure yet; ours a failure of the address upstream counts on a later line of the connection. */
  | 'deferred'
  /** Upstream: no failure; ours neither. */
  | 'no failure'
  /** Another address than upstream's, or a failure where upstream counts none in the whole connection. */
  | 'wrong';

export interface Reading {
  line: CorpusLine;
  event: AuthEvent | undefined;
  verdict: Verdict;
}

const PRE_AUTH = new Set(['disconnected', 'negotiation_failed', 'failed_none']);

/**
 * Each line's verdict. A connection's events are deduplicated as a monitor cycle does (its `Invalid user` line is
 * not counted beside its `Failed` lines); the address is compared on every event, counted or not.
 */
export function compareCorpus(lines: readonly CorpusLine[]): Reading[] {
  const events = lines.map((line) => (line.record ? parseAuthEvent(line.record) : undefined));
  const connections = new Map<string, AuthEvent[]>();
  events.forEach((event, index) => {
    if (!event) return;
    const key = lines[index].connection;
    connections.set(key, [...(connections.get(key) ?? []), event]);
  });
  const counted = new Set([...connections.values()].flatMap((group) => dedupeAttempts(group)));
  const failed = (index: number) => {
    const event = events[index];
    return event !== undefined && counted.has(event) && FAILURE_EVENT_TYPES.has(event.type);
  };
  return lines.map((line, index) => {
    const event = events[index];
    const ip = event?.sourceIp;
    let verdict: Verdict;
    if (line.failureOf !== undefined) {
      if (ip === undefined) verdict = 'missed';
      else if (!isIP(line.failureOf) || ip !== line.failureOf) verdict = 'wrong';
      else if (event && FAILURE_EVENT_TYPES.has(event.type)) verdict = 'failure';
      else if (event && PRE_AUTH.has(event.type)) verdict = 'pre-auth';
      // An `Accepted` line fail2ban counts for the failures of other users before it: right when those count here.
      else
        verdict = lines.some((other, at) => at < index && other.connection === line.connection && failed(at))
          ? 'failure'
          : 'missed';
    } else if (!failed(index) || ip === undefined) verdict = 'no failure';
    else
      verdict = lines.some((other, at) => at > index && other.connection === line.connection && other.failureOf === ip)
        ? 'deferred'
        : 'wrong';
    return { line, event, verdict };
  });
}

/** How many lines got each verdict. */
export function tally(readings: readonly Reading[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = {
    failure: 0,
    'pre-auth': 0,
    missed: 0,
    deferred: 0,
    'no failure': 0,
    wrong: 0,
  };
  for (const { verdict } of readings) counts[verdict]++;
  return counts;
}
