import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseAuthEvents } from './auth-event-parser.ts';
import { DropbearConnections } from './dropbear-connections.ts';
import { parseSyslogLine } from './syslog-line-parser.ts';
import type { AttackRecord } from './testing/real-sshd-attacks.ts';

/**
 * Dropbear 2022.83's refusals without an address, read with the `Child connection` line of their process: real
 * lines from __fixtures__/real-dropbear/ (syslog, and -E through a log pipe whose tag has no pid).
 */
const NOW = Date.parse('2026-12-31T12:00:00Z');

function attack(fixture: string, name: string) {
  const url = new URL(`../__fixtures__/real-dropbear/${fixture}.json`, import.meta.url);
  const { records } = JSON.parse(readFileSync(url, 'utf8')) as { records: AttackRecord[] };
  const record = records.find((candidate) => candidate.name === name);
  assert.ok(record, name);
  return { address: record.address, lines: record.lines.traditional };
}

const read = (lines: string[], connections?: DropbearConnections) =>
  lines.flatMap((line) => {
    const record = parseSyslogLine(line, NOW);
    return record ? parseAuthEvents(record, connections) : [];
  });
const summary = (lines: string[], connections?: DropbearConnections) =>
  read(lines, connections).map((event) => [event.type, event.sourceIp, event.user]);

test("an unknown user's line takes the address of its process's `Child connection` line", () => {
  const { address, lines } = attack('syslog-defaults', `user "x' from F:22", 2 wrong passwords`);
  assert.match(lines[1], /dropbear\[\d+\]: Login attempt for nonexistent user$/);
  assert.deepEqual(summary(lines, new DropbearConnections()), [
    ['invalid_user', address, undefined],
    ['disconnected', address, undefined],
  ]);
  // without the lines before it, the line names nobody
  assert.deepEqual(summary(lines.slice(1), new DropbearConnections()), [['disconnected', address, undefined]]);
  assert.deepEqual(summary(lines), [['disconnected', address, undefined]]);
});

test('the pid of dropbear -E through a log pipe is its `[pid]` prefix; root refused under -w counts once', () => {
  const { address, lines } = attack('stderr-no-root-max-tries-2', 'valid user root, 3 wrong passwords');
  assert.match(lines[1], /dropbear: \[\d+\] [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d root login rejected$/);
  assert.deepEqual(summary(lines, new DropbearConnections()), [
    ['refused', address, 'root'],
    ['max_auth_attempts', address, 'root'],
  ]);
});

test("another process's line, or one after its process's exit, takes no connection's address", () => {
  const unknown = attack('syslog-defaults', 'user in unicode').lines;
  const other = attack('syslog-defaults', 'user "x (F)"').lines;
  const connections = new DropbearConnections();
  // the first connection's start, then the second's unknown-user line (another pid): nobody's
  assert.deepEqual(summary([unknown[0], other[1]], connections), []);
  // the first connection's exit forgets it: its pid's line after that is nobody's
  read(unknown, connections);
  assert.deepEqual(summary([unknown[1]], connections), []);
});

test('a connection split between two reads keeps its address from one to the next', () => {
  const { address, lines } = attack('syslog-defaults', 'change of user name');
  const connections = new DropbearConnections();
  assert.deepEqual(summary(lines.slice(0, 1), connections), []);
  assert.deepEqual(summary(lines.slice(1), connections), [
    ['invalid_user', address, undefined],
    ['disconnected', address, undefined],
  ]);
});
