import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dedupeAttempts } from '../login-attempts.ts';
import { FAILURE_EVENT_TYPES } from '../observations.ts';
import { parseAuthEvent, parseAuthEvents } from './auth-event-parser.ts';
import { parseSyslogLine } from './syslog-line-parser.ts';

/**
 * Excerpts of auth logs that internet-facing hosts really wrote (sources in __fixtures__/README.md), read the way a
 * monitor cycle reads a file: syslog line, sshd/PAM event (once per message the line stands for), one event per
 * attempt. The expected counts were checked by hand against what sshd says on the same lines (`PAM 5 more
 * authentication failures` after 6 failed passwords).
 */
const NOW = Date.parse('2026-12-31T12:00:00Z');

function fixture(name: string) {
  return readFileSync(new URL(`../__fixtures__/real-auth/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);
}

function failuresByIp(lines: string[]) {
  const events = lines.flatMap((line) => {
    const record = parseSyslogLine(line, NOW);
    return record ? parseAuthEvents(record) : [];
  });
  const counts: Record<string, number> = {};
  for (const event of dedupeAttempts(events))
    if (FAILURE_EVENT_TYPES.has(event.type) && event.sourceIp)
      counts[event.sourceIp] = (counts[event.sourceIp] ?? 0) + 1;
  return counts;
}

test("rsyslog's `message repeated N times` line is N failed passwords (loghub's LabSZ host)", () => {
  // 1 `Failed password`, then `message repeated 5 times: [ Failed password ...]`; sshd: `PAM 5 more authentication
  // failures`. The PAM line names the client by its host name (UseDNS): no address there.
  assert.deepEqual(failuresByIp(fixture('loghub-labsz-openssh.log')), { '5.36.59.76': 6 });
});

test('a honeypot on Ubuntu 16.04: folded repeats, PAM-only and portless `Invalid user` connections', () => {
  assert.deepEqual(failuresByIp(fixture('plzhack-ubuntu1604.log')), {
    // 1 + `message repeated 2 times`
    '116.31.116.8': 3,
    // `message repeated 2 times` (its first line is before the excerpt) + 1
    '221.194.47.229': 3,
    // 23643 and 23742 failed once each; 23684 (PAM only) and 23750 (`Invalid user test` without port, no `Failed`)
    // are not told apart from the connections with a `Failed` line
    '115.28.202.99': 2,
  });
});

test("OpenSSH 6.x's `Disconnecting: Too many authentication failures for U from IP port N ssh2` (Debian 8)", () => {
  const lines = fixture('wanparty-debian8.log');
  const limit = lines.find((line) => line.includes('Disconnecting: Too many'));
  assert.ok(limit);
  const record = parseSyslogLine(limit, NOW);
  assert.ok(record);
  assert.deepEqual(
    { ...parseAuthEvent(record), time: undefined },
    {
      time: undefined,
      host: 'R-34',
      program: 'sshd',
      type: 'max_auth_attempts',
      invalidUser: true,
      user: 'admin',
      sourceIp: '193.201.225.25',
      port: 45958,
      method: 'disconnect',
    },
  );
  // Its 6 `Failed password` lines count; the limit closing them adds nothing, nor does `Invalid user`.
  assert.deepEqual(failuresByIp(lines), { '193.201.225.25': 6 });
});

test('a repeated line reads as its message; a cut, empty or outsized one as no more than it shows', () => {
  const line = (message: string) => parseSyslogLine(`Nov  7 17:25:25 plzhack sshd[17693]: ${message}`, NOW);
  const failed = 'Failed password for root from 116.31.116.8 port 39385 ssh2';
  assert.deepEqual(line(`message repeated 2 times: [ ${failed}]`), {
    ...line(failed),
    occurrences: 2,
  });
  assert.equal(line(`message repeated 3 times: [${failed}]`)?.occurrences, 3);
  // Debian 12+ rsyslog (RFC 3339 timestamps) and OpenSSH 9.8's sshd-session fold the same way.
  const iso = parseSyslogLine(
    `2024-03-01T10:00:00.123456+00:00 host sshd-session[4811]: message repeated 4 times: [ ${failed}]`,
    NOW,
  );
  assert.ok(iso);
  assert.deepEqual(
    parseAuthEvents(iso).map((event) => [event.type, event.sourceIp, event.port]),
    Array.from({ length: 4 }, () => ['failed_password', '116.31.116.8', 39385]),
  );
  // rsyslog cuts the message at 800 characters: such a line may be another message's start, and stays unread.
  const long = `Failed password for invalid user ${'a'.repeat(760)} from 116.31.116.8 port 39385 ssh2`;
  const cut = line(`message repeated 2 times: [ ${long.slice(0, 800)}]`);
  assert.ok(cut);
  assert.equal(cut.occurrences, undefined);
  assert.equal(parseAuthEvent(cut), undefined);
  // Anyone can write such a line with `logger -t sshd`: one line never stands for more than 1000 messages.
  const claimed = line(`message repeated 99999999 times: [ ${failed}]`);
  assert.equal(claimed && parseAuthEvents(claimed).length, 1000);
  assert.equal(line(`message repeated 0 times: [ ${failed}]`)?.occurrences, undefined);
});

test('the repeated form blames the address its message blames, whatever the user name holds', () => {
  const forged = [
    'Failed password for invalid user x from 9.9.9.9 port 22 ssh2 from 192.0.2.200 port 40200 ssh2',
    'Failed password for invalid user x] from 9.9.9.9 port 22 ssh2 from 192.0.2.200 port 40200 ssh2',
    'Invalid user x from 9.9.9.9 port 22] from 192.0.2.200 port 40200',
    'Failed password for invalid user x from 9.9.9.9 port 22 ssh2]x from 192.0.2.200 port 40200 ssh2',
  ];
  for (const message of forged) {
    const alone = parseSyslogLine(`Nov  7 17:25:25 host sshd[1]: ${message}`, NOW);
    const folded = parseSyslogLine(`Nov  7 17:25:25 host sshd[1]: message repeated 4 times: [ ${message}]`, NOW);
    assert.ok(alone && folded);
    const ip = parseAuthEvent(alone)?.sourceIp;
    assert.notEqual(ip, '9.9.9.9', message);
    assert.equal(parseAuthEvent(folded)?.sourceIp, ip, message);
  }
});
