import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type MonitorSettings, monitorSection } from '../config/sections/monitor.ts';
import { openDatabase } from '../store/database.ts';
import { parseAuthEvent } from './collectors/auth-event-parser.ts';
import { parseSyslogLine } from './collectors/syslog-line-parser.ts';
import { dedupeAttempts, recordAttempts } from './login-attempts.ts';
import { MonitorStore } from './monitor-store.ts';
import { type AuthEvent, emptyObservations, FAILURE_EVENT_TYPES } from './observations.ts';
import { evaluateRules } from './rules.ts';

const directory = mkdtempSync(join(tmpdir(), 'login-attempts-'));
after(() => rmSync(directory, { recursive: true, force: true }));
const NOW = Date.parse('2025-09-14T22:05:00Z');
const FINGERPRINT = 'SHA256:7lG3dY2kB8qH0pX1nV4mZ6cJ9sT5wR2eA8uI1oP3yQk';

/** sshd's lines (the messages it writes, in the order it writes them) as the events the monitor keeps. */
function attempts(messages: string[], program = 'sshd'): AuthEvent[] {
  return dedupeAttempts(
    messages.flatMap((message) => {
      const record = parseSyslogLine(`2025-09-14T22:04:00Z web ${program}[1]: ${message}`, NOW);
      const event = record && parseAuthEvent(record);
      return event ? [event] : [];
    }),
  );
}
const counted = (events: AuthEvent[]) => events.filter((event) => FAILURE_EVENT_TYPES.has(event.type));

/** The findings the rules draw from these events, stored as the monitor stores them. */
function findingsFor(events: AuthEvent[], name: string) {
  const store = new MonitorStore(openDatabase(join(directory, `${name}.db`)));
  for (const event of events) store.addAuthEvent(NOW - 60_000, event);
  const observations = emptyObservations(NOW);
  observations.collectors.push({ name: 'auth', status: 'ok' });
  observations.authEvents = events;
  const findings = evaluateRules(observations, monitorSection.parse({}) as MonitorSettings, store);
  store.db.close();
  return findings.map((item) => item.key);
}

test('an agent offering five keys before the right one is a login, not an attack', () => {
  const events = attempts([
    ...[1, 2, 3, 4, 5].map(
      (key) => `Failed publickey for alice from 192.0.2.70 port 40700 ssh2: RSA ${FINGERPRINT}${key}`,
    ),
    `Accepted publickey for alice from 192.0.2.70 port 40700 ssh2: ED25519 ${FINGERPRINT}`,
  ]);
  assert.deepEqual(
    events.map((event) => event.type),
    ['accepted'],
  );
  assert.deepEqual(findingsFor(events, 'agent'), []);
});

test('a PAM stack where pam_unix fails before pam_ldap succeeds (fail2ban gh-2070) is a login, not an attack', () => {
  const pam = (rhost: string, user: string) =>
    `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${rhost}  user=${user}`;
  const logins = [1, 2, 3, 4, 5, 6].flatMap((port) => [
    pam('192.0.2.73', 'rda'),
    `Accepted password for rda from 192.0.2.73 port ${40730 + port} ssh2`,
  ]);
  assert.deepEqual(counted(attempts(logins)), []);
  assert.deepEqual(findingsFor(attempts(logins), 'pam-stack'), []);
  // Failures of other users before a login (fail2ban's "forget by success" attempt) still count...
  const others = attempts([
    ...['root', 'admin', 'oracle', 'test', 'guest'].map((user) => pam('192.0.2.74', user)),
    'Accepted password for known from 192.0.2.74 port 40740 ssh2',
  ]);
  assert.equal(counted(others).length, 5);
  // ...and so does a brute force that succeeds: sshd's Failed lines are counted, the PAM lines beside them are not.
  const guessed = attempts([
    ...[1, 2, 3, 4, 5].flatMap((port) => [
      pam('192.0.2.75', 'rda'),
      `Failed password for rda from 192.0.2.75 port ${40750 + port} ssh2`,
    ]),
    pam('192.0.2.75', 'rda'),
    'Accepted password for rda from 192.0.2.75 port 40756 ssh2',
  ]);
  assert.deepEqual(
    counted(guessed).map((event) => event.type),
    Array(5).fill('failed_password'),
  );
  assert.ok(findingsFor(guessed, 'pam-guessed').includes('login-after-failures:192.0.2.75:rda'));
});

test('publickey failures that end without a success still count, and so do those of another connection', () => {
  const events = attempts([
    ...[1, 2, 3, 4, 5].map(
      (key) => `Failed publickey for root from 203.0.113.80 port 40800 ssh2: RSA ${FINGERPRINT}${key}`,
    ),
    `Failed publickey for alice from 192.0.2.71 port 40801 ssh2: RSA ${FINGERPRINT}`,
    `Accepted publickey for alice from 192.0.2.71 port 40802 ssh2: ED25519 ${FINGERPRINT}`,
  ]);
  assert.equal(counted(events).length, 6);
  assert.deepEqual(findingsFor(events, 'keys'), ['login-burst:203.0.113.80']);
});

test('one connection hitting MaxAuthTries counts its attempts once: no extra for the limit and its disconnect', () => {
  const events = attempts([
    'Invalid user admin from 203.0.113.5 port 52122',
    ...Array.from({ length: 6 }, () => [
      'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5',
      'Failed password for invalid user admin from 203.0.113.5 port 52122 ssh2',
    ]).flat(),
    'error: maximum authentication attempts exceeded for invalid user admin from 203.0.113.5 port 52122 ssh2 [preauth]',
    'Disconnecting invalid user admin 203.0.113.5 port 52122: Too many authentication failures [preauth]',
    'PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5',
  ]);
  assert.equal(counted(events).length, 6);
});

test('dropbear: each bad password counts once, its exit at the limit adds none, a login elsewhere is no attack', () => {
  const events = attempts(
    [
      ...Array.from({ length: 10 }, () => "Bad password attempt for 'root' from 203.0.113.90:40900"),
      "Exit before auth from <203.0.113.90:40900>: (user 'root', 10 fails): Max auth tries reached - user 'root'",
      "Password auth succeeded for 'alice' from 192.168.1.30:50030",
    ],
    'dropbear',
  );
  assert.equal(counted(events).length, 10);
  assert.deepEqual(findingsFor(events, 'dropbear'), ['login-burst:203.0.113.90']);
});

test("login over telnet: each attempt counts once, pam_unix's line and login's own for it are one attempt", () => {
  const pam = (user: string) =>
    `pam_unix(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=/dev/pts/3 ruser= rhost=203.0.113.95  user=${user}`;
  // shadow's login (Debian): two failures, then the limit; an unknown name logged as UNKNOWN
  const shadow = attempts(
    [
      pam('root'),
      "FAILED LOGIN (1) on '/dev/pts/3' from '203.0.113.95' FOR 'root', Authentication failure",
      pam('root'),
      "FAILED LOGIN (2) on '/dev/pts/3' from '203.0.113.95' FOR 'UNKNOWN', Authentication failure",
      pam('admin'),
      "TOO MANY LOGIN TRIES (3) on '/dev/pts/3' from '203.0.113.95' FOR 'admin'",
    ],
    'login',
  );
  assert.deepEqual(
    counted(shadow).map((event) => [event.type, event.sourceIp]),
    Array.from({ length: 3 }, () => ['failed_login', '203.0.113.95']),
  );
  // util-linux's login (Fedora): the last attempt is the session line
  const utilLinux = attempts(
    [
      pam('root'),
      'FAILED LOGIN 1 FROM 203.0.113.95 FOR root, Authentication failure',
      pam('root'),
      'FAILED LOGIN 2 FROM 203.0.113.95 FOR root, Authentication failure',
      pam('root'),
      'FAILED LOGIN SESSION FROM 203.0.113.95 FOR root, Authentication failure',
    ],
    'login',
  );
  assert.equal(counted(utilLinux).length, 3);
  // A login module other than pam_unix writes no pam_unix line; a pam_unix line alone still counts.
  assert.equal(counted(attempts([pam('root')], 'login')).length, 1);
});

test('a link-local client is one address in every line: its PAM failure is not counted beside its Failed line', () => {
  const events = attempts([
    'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=fe80::5%eth0  user=root',
    'Failed password for root from fe80::5%eth0 port 40950 ssh2',
  ]);
  assert.deepEqual(
    counted(events).map((event) => [event.type, event.sourceIp]),
    [['failed_password', 'fe80::5']],
  );
  const login = attempts(
    [
      'pam_unix(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=/dev/pts/3 ruser= rhost=fe80::5%eth0  user=root',
      "FAILED LOGIN (1) on '/dev/pts/3' from 'fe80::5%eth0' FOR 'root', Authentication failure",
      'FAILED LOGIN 1 FROM fe80::5%eth0 FOR root, Authentication failure',
    ],
    'login',
  );
  assert.deepEqual(
    counted(login).map((event) => event.sourceIp),
    ['fe80::5', 'fe80::5'],
  );
});

test('a limit whose failures were logged below the level read counts once, not twice', () => {
  const events = attempts([
    'error: maximum authentication attempts exceeded for root from 203.0.113.6 port 52130 ssh2 [preauth]',
    'Disconnecting authenticating user root 203.0.113.6 port 52130: Too many authentication failures [preauth]',
  ]);
  assert.deepEqual(
    counted(events).map((event) => [event.type, event.sourceIp]),
    [['max_auth_attempts', '203.0.113.6']],
  );
});

test('a refusal announces the failures of its connection; alone it counts once; disconnects never count', () => {
  const refusedThenFailed = attempts([
    'User root from 203.0.113.10 not allowed because listed in DenyUsers',
    'Failed password for invalid user root from 203.0.113.10 port 40900 ssh2',
    'Failed password for invalid user root from 203.0.113.10 port 40900 ssh2',
    'ROOT LOGIN REFUSED FROM 203.0.113.11 port 40901',
    'Failed password for root from 203.0.113.11 port 40901 ssh2',
    'Connection closed by invalid user root 203.0.113.10 port 40900 [preauth]',
    'Received disconnect from 203.0.113.11 port 40901:11: Bye Bye [preauth]',
    'Unable to negotiate with 203.0.113.12 port 40902: no matching host key type found. Their offer: ssh-dss [preauth]',
  ]);
  assert.deepEqual(
    counted(refusedThenFailed).map((event) => [event.type, event.sourceIp]),
    [
      ['failed_password', '203.0.113.10'],
      ['failed_password', '203.0.113.10'],
      ['failed_password', '203.0.113.11'],
    ],
  );
  const refusedAlone = attempts(['User bob from 203.0.113.13 not allowed because not listed in AllowUsers']);
  assert.equal(counted(refusedAlone).length, 1);
});

test('the issue-15 line blames the TCP peer sshd printed last, never the address typed as a user name', () => {
  const events = attempts([
    'Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2',
  ]);
  assert.deepEqual(
    events.map((event) => [event.sourceIp, event.user]),
    [['127.0.0.1', 'test from 10.10.1.2 port 55555 ssh2']],
  );
});

test('lines of one connection read in two cycles count as if read in one', () => {
  const store = new MonitorStore(openDatabase(join(directory, 'cycles.db')));
  const cycle = (messages: string[]) => recordAttempts(store, attempts(messages), NOW, 600);
  const failuresFrom = (ip: string) =>
    store.authFailuresByIp(NOW - 600_000, [...FAILURE_EVENT_TYPES]).find((row) => row.ip === ip)?.failures ?? 0;
  // An agent's key search, cut before its success.
  cycle(
    [1, 2, 3, 4, 5].map(
      (key) => `Failed publickey for alice from 192.0.2.70 port 40700 ssh2: RSA ${FINGERPRINT}${key}`,
    ),
  );
  assert.equal(failuresFrom('192.0.2.70'), 5);
  cycle([`Accepted publickey for alice from 192.0.2.70 port 40700 ssh2: ED25519 ${FINGERPRINT}`]);
  assert.equal(failuresFrom('192.0.2.70'), 0);
  // Failures, then the limit and its disconnect in the next cycle.
  cycle(Array.from({ length: 6 }, () => 'Failed password for root from 203.0.113.5 port 52122 ssh2'));
  cycle([
    'error: maximum authentication attempts exceeded for root from 203.0.113.5 port 52122 ssh2 [preauth]',
    'Disconnecting authenticating user root 203.0.113.5 port 52122: Too many authentication failures [preauth]',
  ]);
  assert.equal(failuresFrom('203.0.113.5'), 6);
  // Announcements, then the failures they announced.
  cycle([
    'Invalid user admin from 203.0.113.7 port 52200',
    'User root from 203.0.113.7 not allowed because listed in DenyUsers',
  ]);
  assert.equal(failuresFrom('203.0.113.7'), 2);
  cycle([
    'Failed password for invalid user admin from 203.0.113.7 port 52200 ssh2',
    'Failed password for invalid user root from 203.0.113.7 port 52201 ssh2',
    'Failed password for invalid user root from 203.0.113.7 port 52201 ssh2',
  ]);
  assert.equal(failuresFrom('203.0.113.7'), 3);
  store.db.close();
});
