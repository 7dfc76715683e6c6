import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AuthEvent } from '../observations.ts';
import { parseAuthEvent } from './auth-event-parser.ts';
import { parseJournalJson } from './journald-reader.ts';
import { parseSyslogLine } from './syslog-line-parser.ts';

interface Expected {
  type: string;
  user: string | null;
  ip: string | null;
  port?: number;
  method?: string;
  host?: string | null;
  time?: string;
}
interface Case {
  class: string;
  source: string;
  expect: Expected | null;
}
/** Written from the format strings of OpenSSH 7-10 (auth.c, auth2*.c, auth-pam.c, packet.c, sshd.c) and pam_unix. */
const corpus = JSON.parse(readFileSync(new URL('../__fixtures__/sshd-messages.json', import.meta.url), 'utf8')) as {
  lines: Array<Case & { line: string }>;
  journal: Array<Case & { entry: Record<string, unknown> }>;
};
const NOW = Date.parse('2025-10-20T12:00:00Z');

/** The event reduced to what the case names, so each case states exactly what it checks. */
function observed(event: AuthEvent | undefined, expected: Expected | null) {
  if (!event || !expected) return event ? { type: event.type, ip: event.sourceIp ?? null } : null;
  const fields: Record<string, unknown> = { type: event.type, user: event.user ?? null, ip: event.sourceIp ?? null };
  if ('port' in expected) fields.port = event.port;
  if ('method' in expected) fields.method = event.method;
  if ('host' in expected) fields.host = event.host ?? null;
  if ('time' in expected) fields.time = event.time;
  return fields;
}

test('every line of the sshd/PAM corpus gives its attempt, address and user, or nothing', () => {
  const failures: string[] = [];
  for (const entry of corpus.lines) {
    const record = parseSyslogLine(entry.line, NOW);
    const event = record && parseAuthEvent(record);
    const actual = observed(event, entry.expect);
    try {
      assert.deepEqual(actual, entry.expect);
    } catch {
      failures.push(`${entry.class} (${entry.source}):\n  ${entry.line}\n  got ${JSON.stringify(actual)}`);
    }
  }
  assert.deepEqual(failures, []);
  const classes = new Set(corpus.lines.map((entry) => entry.class));
  for (const name of [
    'failure',
    'framing',
    'refusal',
    'limit',
    'disconnect',
    'negotiation',
    'pam',
    'shape',
    'dropbear',
  ])
    assert.ok(classes.has(name), `the corpus covers ${name}`);
});

test('journald JSON entries of the corpus, a forged identifier included', () => {
  const text = corpus.journal.map((entry) => JSON.stringify(entry.entry)).join('\n');
  const { records, skipped } = parseJournalJson(text);
  assert.equal(skipped, 0);
  assert.equal(records.length, corpus.journal.length);
  records.forEach((record, index) => {
    const expected = corpus.journal[index].expect;
    assert.deepEqual(observed(parseAuthEvent(record), expected), expected, corpus.journal[index].source);
  });
});

test('no line of the corpus blames an address that appears only in text the client chose', () => {
  const forged = ['9.9.9.9', '10.10.1.2'];
  for (const entry of corpus.lines) {
    const record = parseSyslogLine(entry.line, NOW);
    const event = record && parseAuthEvent(record);
    assert.ok(!forged.includes(event?.sourceIp ?? ''), `${entry.line} -> ${event?.sourceIp}`);
  }
});
