import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dedupeAttempts } from '../../login-attempts.ts';
import { type AuthEvent, FAILURE_EVENT_TYPES } from '../../observations.ts';
import { parseAuthEvents } from '../auth-event-parser.ts';
import { DropbearConnections } from '../dropbear-connections.ts';
import { parseSyslogLine } from '../syslog-line-parser.ts';
import type { AttackRecord } from './real-sshd-attacks.ts';

export type LogFormat = keyof AttackRecord['lines'];

export interface Reading {
  lines: number;
  events: number;
  /** Events whose address is not the TCP peer of the connection that wrote the line: `attack: line -> address`. */
  wrongAddress: string[];
  /** Failed attempts the clients made, and how many the monitor counts for their own address. */
  attempts: number;
  counted: number;
  /** Attacks whose counted failures differ from their attempts: `attack: counted/attempts`. */
  miscounted: string[];
  /** Probes (disconnects, failed negotiations) read with the right address. */
  probes: number;
}

/**
 * Each attack's lines as a monitor cycle reads auth.log (syslog line, sshd/dropbear/PAM events, one event per attempt),
 * each event checked against the address the attacker really connected from.
 */
export function readAttackLines(records: AttackRecord[], format: LogFormat, now: number): Reading {
  const reading: Reading = {
    lines: 0,
    events: 0,
    wrongAddress: [],
    attempts: 0,
    counted: 0,
    miscounted: [],
    probes: 0,
  };
  const dropbear = new DropbearConnections();
  for (const record of records) {
    const events: AuthEvent[] = [];
    for (const line of record.lines[format]) {
      reading.lines++;
      const parsed = parseSyslogLine(line, now);
      for (const event of parsed ? parseAuthEvents(parsed, dropbear) : []) {
        events.push(event);
        if (event.sourceIp !== undefined && event.sourceIp !== record.address)
          reading.wrongAddress.push(`${record.name}: ${line} -> ${event.sourceIp}`);
      }
    }
    reading.events += events.length;
    const kept = dedupeAttempts(events).filter((event) => event.sourceIp === record.address);
    const counted = kept.filter((event) => FAILURE_EVENT_TYPES.has(event.type)).length;
    reading.probes += kept.filter(
      (event) => event.type === 'disconnected' || event.type === 'negotiation_failed',
    ).length;
    reading.attempts += record.attempts;
    reading.counted += Math.min(counted, record.attempts);
    if (counted !== record.attempts) reading.miscounted.push(`${record.name}: ${counted}/${record.attempts}`);
  }
  return reading;
}

/** The attacks a live lab test saved in `__fixtures__/<folder>/<name>.json` (real-sshd, real-dropbear). */
export function savedRecords(folder: string, name: string): AttackRecord[] {
  const url = new URL(`../../__fixtures__/${folder}/${name}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { records: AttackRecord[] }).records;
}

/** In both auth.log formats: no event carries another address than its connection's, every attempt counts once. */
export function assertEveryAttemptRight(records: AttackRecord[], now: number): void {
  for (const format of ['rfc3339', 'traditional'] as const) {
    const reading = readAttackLines(records, format, now);
    assert.deepEqual(reading.wrongAddress, [], format);
    assert.deepEqual(reading.miscounted, [], format);
    assert.equal(reading.counted, reading.attempts);
  }
}
