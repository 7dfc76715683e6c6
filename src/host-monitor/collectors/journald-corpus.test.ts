import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AuthEvent, SyslogRecord } from '../observations.ts';
import { parseAuthEvents } from './auth-event-parser.ts';
import { parseJournalJson } from './journald-reader.ts';
import { journalExportToJsonLines } from './testing/journal-export.ts';

/**
 * Other projects' real journal output (__fixtures__/journald/README.md) through our journalctl -o json reader and our
 * auth extraction: Elastic Beats' journald input test data (`-o export` from Arch, Debian 12 and Fedora-era hosts, a
 * setuid sudo, a coredump's multi-line message, a byte-array MESSAGE), Vector's journald source lines (byte arrays,
 * repeated fields, entries without __REALTIME_TIMESTAMP) and jl's sshd entries (sshd on the stdout transport).
 */
const fixture = (path: string) => readFileSync(new URL(`../__fixtures__/journald/${path}`, import.meta.url));

function fromExport(path: string) {
  const { lines, malformedLines } = journalExportToJsonLines(fixture(path));
  return { ...parseJournalJson(lines.join('\n')), entries: lines.length, malformedLines };
}
/** json-pretty objects (one, or an array of them) as journalctl -o json prints them: one per line. */
function fromPretty(path: string) {
  const parsed = JSON.parse(fixture(path).toString('utf8')) as unknown;
  const objects = Array.isArray(parsed) ? parsed : [parsed];
  return { ...parseJournalJson(objects.map((object) => JSON.stringify(object)).join('\n')), entries: objects.length };
}
function fromJsonLines(text: string) {
  return { ...parseJournalJson(text), entries: text.split('\n').filter((line) => line.trim()).length };
}
const eventsOf = (records: SyslogRecord[]): AuthEvent[] => records.flatMap((record) => parseAuthEvents(record));

interface Check {
  name: string;
  actual: unknown;
  expected: unknown;
}
const check = (name: string, actual: unknown, expected: unknown): Check => ({ name, actual, expected });
const failing = (checks: Check[]) =>
  checks.filter((c) => JSON.stringify(c.actual) !== JSON.stringify(c.expected)).map((c) => c.name);

/**
 * Checks that fail today, each with what the reader does instead; the list must match exactly, so a fix or a new
 * failure both show. Before the fixes (first measurement, 28 of 33): setuid sudo read as 'sudo(from uid 1000)', no
 * _SOURCE_REALTIME_TIMESTAMP fallback, a repeated SYSLOG_IDENTIFIER kept as an array, a repeated MESSAGE decoded as
 * NUL bytes, and so no event from a sudo failure in a real setuid envelope.
 */
const KNOWN_FAILURES: Record<string, string> = {};

function report(t: { diagnostic: (message: string) => void }, corpus: string, checks: Check[]) {
  const fails = failing(checks);
  t.diagnostic(`${corpus}: ${checks.length - fails.length} of ${checks.length} checks pass`);
  for (const c of checks)
    if (fails.includes(c.name))
      t.diagnostic(`fails: ${c.name}: ${JSON.stringify(c.actual)} (expected ${JSON.stringify(c.expected)})`);
  return fails;
}

const allFailures: string[] = [];

test('Beats: sudo, systemd --user and stdout entries of a real `-o export` (input-multiline-parser)', (t) => {
  const read = fromExport('beats/input-multiline-parser.export');
  const [sudo, systemd, ...cat] = read.records;
  const checks = [
    check('beats export: every entry read', [read.records.length, read.skipped, read.malformedLines], [8, 0, 0]),
    check('beats export: cursor is the last entry', read.cursor?.includes(';i=6a9e2;'), true),
    check('beats sudo: time from __REALTIME_TIMESTAMP (microseconds)', sudo?.time, '2021-11-22T17:10:04.051Z'),
    check('beats sudo (setuid, _UID 1000): read as sudo', sudo?.program, 'sudo'),
    check('beats sudo: pid and host', [sudo?.pid, sudo?.host], [2084586, 'x-wing']),
    check('beats sudo: session line is no login event', eventsOf(read.records).length, 0),
    check('beats systemd --user (uid 1000): its own name', systemd?.program, 'systemd'),
    check(
      'beats stdout lines: cat, in order',
      cat.map((record) => `${record.program}:${record.message}`),
      ['1st', '2nd', '3rd', '4th', '5th', '6th'].map((n) => `cat:${n} line`),
    ),
  ];
  allFailures.push(...report(t, 'input-multiline-parser.export', checks));
});

test('Beats: kernel entries of three Debian 12 boots, with two short-format lines pasted between entries', (t) => {
  const read = fromExport('beats/multiple-boots.export');
  const checks = [
    check('beats boots: entries read, pasted lines counted', [read.records.length, read.malformedLines], [6, 2]),
    check('beats boots: all kernel', [...new Set(read.records.map((record) => record.program))], ['kernel']),
    check(
      'beats boots: messages whole',
      read.records.map((record) => record.message.split(' ').slice(0, 2).join(' ')),
      ['Linux version', 'Command line:', 'Linux version', 'Command line:', 'Linux version', 'Command line:'],
    ),
    check('beats boots: no login event', eventsOf(read.records).length, 0),
  ];
  allFailures.push(...report(t, 'multiple-boots.export', checks));
});

test('Beats: a coredump (multi-line MESSAGE, binary field, null field) and a byte-array MESSAGE', (t) => {
  const read = fromPretty('beats/corner-cases.json');
  const [coredump, pulse] = read.records;
  const checks = [
    check('beats corner cases: entries read', [read.records.length, read.skipped], [2, 0]),
    check('beats coredump: identifier, not the truncated _COMM', coredump?.program, 'systemd-coredump'),
    check('beats coredump: multi-line message kept whole', coredump?.message.split('\n').length, 31),
    check(
      'beats coredump: first and last line',
      [coredump?.message.split('\n')[0], coredump?.message.trimEnd().split('\n').at(-1)],
      ['Process 3717 (kdeconnectd) of user 1000 dumped core.', 'ELF object binary architecture: AMD x86-64'],
    ),
    check(
      'beats pulseaudio: byte-array MESSAGE (a carriage return) decoded',
      pulse?.message,
      'Unable to parse indicator of AT+BIA command: AT+BIA=1,1,0,0,0\rAT+BCS=2',
    ),
    check('beats pulseaudio: program and pid', [pulse?.program, pulse?.pid], ['pulseaudio', 3728]),
    check('beats corner cases: no login event', eventsOf(read.records).length, 0),
  ];
  const single = fromPretty('beats/sample-journal-event.json').records[0];
  checks.push(
    check(
      'beats sample event: stdout entry',
      [single?.program, single?.pid, single?.message, single?.time],
      ['TestRestartsJournalctlOnError', 235728, 'Count: 0000000001', '2024-08-19T15:20:55.230Z'],
    ),
  );
  allFailures.push(...report(t, 'corner-cases.json, sample-journal-event.json', checks));
});

test("Vector's journald source lines: byte arrays, repeated fields, missing __REALTIME_TIMESTAMP", (t) => {
  const read = fromJsonLines(fixture('vector/journalctl-output.jsonl').toString('utf8'));
  const byCursor = (cursor: string) => read.records[Number(cursor) - 1];
  const checks = [
    check('vector: every line read', [read.records.length, read.skipped, read.cursor], [8, 0, '8']),
    check('vector: byte-array MESSAGE is UTF-8 text', byCursor('3')?.message, '¿Hello?'),
    check(
      'vector: an entry without __REALTIME_TIMESTAMP takes _SOURCE_REALTIME_TIMESTAMP',
      byCursor('1')?.time,
      '2020-01-09T00:30:39.140Z',
    ),
    // Vector prefers _SOURCE_REALTIME_TIMESTAMP; we keep journald's receive time, the one --since and cursors follow.
    check('vector: __REALTIME_TIMESTAMP first when both are there', byCursor('5')?.time, '2020-01-09T00:30:39.140Z'),
    check(
      'vector: repeated SYSLOG_FACILITY does not disturb the entry',
      byCursor('7')?.message.startsWith('<info>'),
      true,
    ),
    check('vector: no identifier and no _COMM', byCursor('2')?.program, 'unknown'),
    check('vector: kernel transport', byCursor('8')?.program, 'kernel'),
    check(
      'vector: every program and message is text',
      read.records.every((r) => typeof r.program === 'string'),
      true,
    ),
  ];
  allFailures.push(...report(t, 'vector journalctl', checks));
});

test("jl's sshd entries (stdout transport, _UID 0): events with sshd's address and the client's user name", (t) => {
  const text = fixture('jl/sshd-stdout.jsonl').toString('utf8');
  const read = fromJsonLines(text);
  const events = eventsOf(read.records).map((event) => [event.type, event.sourceIp, event.port, event.user]);
  const [first, second] = text.trim().split('\n');
  // A journalctl stopped by our timeout mid-line (derived: the second line cut in half).
  const cut = fromJsonLines(`${first}\n${second?.slice(0, second.length / 2)}`);
  const checks = [
    check('jl: entries read', [read.records.length, read.skipped], [2, 0]),
    check(
      'jl: program and pid',
      read.records.map((r) => [r.program, r.pid]),
      [
        ['sshd', 1977203],
        ['sshd', 1977203],
      ],
    ),
    check('jl: events', events, [
      ['invalid_user', '127.106.119.170', 54520, 'hacker'],
      ['disconnected', '127.106.119.170', 54520, 'hacker'],
    ]),
    check('jl: a line cut short is counted, the entry before it kept', [cut.records.length, cut.skipped], [1, 1]),
  ];
  allFailures.push(...report(t, 'jl sshd', checks));
});

/**
 * Derived cases, not upstream entries: Beats' real setuid sudo envelope (its trusted fields unchanged) with sudo's
 * pam_unix failure text, and Vector's repeated-field shape on the fields we read. They check what real envelopes do
 * to our trust and address rules.
 */
test('derived: setuid envelopes and repeated fields never give an address or a program they do not prove', (t) => {
  const sudoEntry = JSON.parse(
    journalExportToJsonLines(fixture('beats/input-multiline-parser.export')).lines[0] ?? '{}',
  );
  const withMessage = (message: string, extra: Record<string, unknown> = {}) =>
    parseJournalJson(JSON.stringify({ ...sudoEntry, MESSAGE: message, ...extra })).records;
  const failure =
    'pam_unix(sudo:auth): authentication failure; logname=pi uid=1000 euid=0 tty=/dev/pts/0 ruser=pi rhost=  user=pi';
  const framing = failure.replace('rhost= ', 'rhost=9.9.9.9');
  const localEvents = eventsOf(withMessage(failure)).map((event) => [event.type, event.user, event.sourceIp ?? null]);
  const framingEvents = eventsOf(withMessage(framing));
  const loggerForged = withMessage(failure, { _EXE: '/usr/bin/logger', _COMM: 'logger', _CAP_EFFECTIVE: '0' });
  const root = { _UID: '0', _TRANSPORT: 'syslog', __CURSOR: 'c1', __REALTIME_TIMESTAMP: '1700000000000000' };
  const [twoNames] = parseJournalJson(
    JSON.stringify({ ...root, SYSLOG_IDENTIFIER: ['sshd', 'sshd'], MESSAGE: 'Accepted password for a from 9.9.9.9' }),
  ).records;
  const [twoMessages] = parseJournalJson(
    JSON.stringify({ ...root, SYSLOG_IDENTIFIER: 'sshd', MESSAGE: ['Failed password', 'for root from 9.9.9.9'] }),
  ).records;
  const checks = [
    check('derived: sudo failure in the beats setuid envelope gives a local pam_auth_failure', localEvents, [
      ['pam_auth_failure', 'pi', null],
    ]),
    check(
      'derived: an rhost in a setuid caller-uid sudo line blames no address',
      framingEvents.filter((event) => event.sourceIp !== undefined).length,
      0,
    ),
    check('derived: `logger -t sudo` from uid 1000 is not sudo', eventsOf(loggerForged).length, 0),
    check('derived: repeated SYSLOG_IDENTIFIER is no program name', typeof twoNames?.program, 'string'),
    check('derived: repeated SYSLOG_IDENTIFIER gives no login', twoNames ? parseAuthEvents(twoNames).length : -1, 0),
    check('derived: repeated MESSAGE is not decoded as bytes', twoMessages?.message.includes('\u0000'), false),
  ];
  allFailures.push(...report(t, 'derived', checks));
});

test('the corpus fails exactly the known failures', () => {
  assert.deepEqual(allFailures.sort(), Object.keys(KNOWN_FAILURES).sort());
});
