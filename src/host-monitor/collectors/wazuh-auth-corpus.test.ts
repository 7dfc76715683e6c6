import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { test } from 'node:test';
import { dedupeAttempts } from '../login-attempts.ts';
import { type AuthEvent, FAILURE_EVENT_TYPES } from '../observations.ts';
import { parseAuthEvent } from './auth-event-parser.ts';
import { parseSyslogLine } from './syslog-line-parser.ts';
import { type WazuhCase, wazuhIniCases } from './testing/wazuh-ini-cases.ts';

/**
 * Wazuh's rule tests (wazuh/wazuh `ruleset/testing/tests/` at v4.14.7) for sshd, PAM, su, sudo, dropbear and syslog,
 * with its macOS sshd tests of 2021 (`macos-sshd.ini`), and OSSEC-HIDS's (ossec/ossec-hids `contrib/ossec-testing/
 * tests/`) for sshd, PAM and su, in __fixtures__/wazuh/ (README.md there).
 * Each `pass` line is one wazuh-logtest must give the section's rule: what that rule means (its description in
 * Wazuh's ruleset/rules/) is mapped below to what the host monitor should make of the line. Upstream's tests give no
 * address: the address we must report is the one address the line's message holds; a line with none or several
 * (or `183.106.179.x`) must blame nobody.
 */
const NOW = Date.parse('2026-12-31T12:00:00Z');
const FILES = [
  'sshd.ini',
  'pam.ini',
  'su.ini',
  'sudo.ini',
  'dropbear.ini',
  'syslog.ini',
  'macos-sshd.ini',
  'ossec-hids/sshd.ini',
  'ossec-hids/pam.ini',
  'ossec-hids/su.ini',
];

/** What a line is to us: a counted kind of failed attempt, a login, a probe or end of a connection, or nothing. */
type Kind = 'failure' | 'accepted' | 'probe' | 'none';

/** Wazuh's rules of these tests by what they mean (the rule's description in Wazuh's ruleset/rules/). */
const RULE_KIND: Record<string, Kind> = {
  // sshd: non-existent user (and its brute force), authentication failed, denied user, max attempts exceeded
  ...Object.fromEntries(['5710', '5712', '5716', '5718', '5719', '5758', '5760', '5763'].map((id) => [id, 'failure'])),
  // OSSEC: connection blocked by TCP wrappers; PAM: user login failed, invalid user, missed the password more than
  // once; su: missed the password to change UID (to root); sudo: failed attempt, three failed, user not in sudoers
  ...Object.fromEntries(
    ['2503', '5503', '5504', '2502', '5301', '5302', '5401', '5404', '5405'].map((id) => [id, 'failure']),
  ),
  // dropbear: bad password attempt, for a non-existent user; logged in with a public key
  '51003': 'failure',
  '51093': 'failure',
  '51010': 'accepted',
  // sshd: version gathering, scan (no identification string), no matching key exchange or cipher, connection closed
  // (twice) and reset
  ...Object.fromEntries(['5701', '5706', '5752', '5753', '5722', '5761', '5762'].map((id) => [id, 'probe'])),
  // macos-sshd.ini (Wazuh's macOS sshd rules of 2020-2021, since folded into sshd's): non-existent user,
  // authentication error, maximum attempts, denied user; success; disconnect, insecure connection, failed write,
  // reset, possible attack; reverse lookup error
  ...Object.fromEntries(['64251', '64253', '64254', '64260'].map((id) => [id, 'failure'])),
  '64256': 'accepted',
  ...Object.fromEntries(['64255', '64257', '64258', '64259', '64264'].map((id) => [id, 'probe'])),
  '64262': 'none',
  // sshd's configuration and channel errors, read errors, bad DH value / MAC / packet length, session errors,
  // authorized_keys modes, subsystem, bad DNS mapping, reverse lookup error; PAM's session opened and closed; su and
  // sudo run; syslog's kernel, NetworkManager, rsyslog and useradd lines
  ...Object.fromEntries(
    [
      ...['5739', '5740', '5741', '5742', '5743', '5744', '5745', '5746', '5747', '5748', '5749'],
      ...['5754', '5755', '5756', '5757', '5702', '5501', '5502', '5305', '5403', '2941', '2944', '2945', '5905'],
    ].map((id) => [id, 'none']),
  ),
};

/** The addresses a message names, alone or with a `:port` (dropbear), in brackets or parentheses. */
function addressesIn(message: string): Set<string> {
  const found = new Set<string>();
  for (const token of message.split(/[\s()[\]<>,']+/)) {
    const trimmed = token.replace(/[.:;!]+$/, '');
    for (const candidate of [token, trimmed, trimmed.replace(/:\d+$/, '')])
      if (isIP(candidate)) {
        found.add(candidate);
        break;
      }
  }
  return found;
}

interface Reading {
  wazuh: WazuhCase;
  event: AuthEvent | undefined;
  /** The address the line must be blamed on, if any: the one its message names. */
  address: string | undefined;
  ours: Kind;
  verdict: string;
}

const message = (line: string) => line.slice(line.indexOf(': ') + 2);

function kindOf(event: AuthEvent | undefined): Kind {
  if (!event) return 'none';
  if (FAILURE_EVENT_TYPES.has(event.type)) return 'failure';
  return event.type === 'accepted' ? 'accepted' : 'probe';
}

function read(wazuh: WazuhCase): Reading {
  const record = parseSyslogLine(wazuh.line, NOW);
  const event = record && parseAuthEvent(record);
  const addresses = addressesIn(message(wazuh.line));
  const address = addresses.size === 1 ? [...addresses][0] : undefined;
  const ours = kindOf(event);
  const upstream = wazuh.pass ? RULE_KIND[wazuh.rule] : undefined;
  let verdict: string;
  if (event?.sourceIp !== undefined && event.sourceIp !== address) verdict = 'wrong address';
  else if (upstream === undefined) verdict = `not rule ${wazuh.rule}: ours ${ours}`;
  else if (ours === upstream) verdict = 'same';
  else verdict = `${upstream} read as ${ours}`;
  return { wazuh, event, address, ours, verdict };
}

const readings = FILES.flatMap(wazuhIniCases).map(read);
const describe = ({ wazuh, event, verdict }: Reading) =>
  `${wazuh.at} [${wazuh.section}] ${verdict}: ${wazuh.line}\n    -> ${event ? `${event.type} ${event.sourceIp}` : 'nothing'}`;

/**
 * Where we read a `pass` line otherwise than Wazuh's rule means, and why, by the line.
 */
const CONNECTION_END =
  "a connection's end: its `Invalid user` / `Failed` lines count its attempts, counting its end too would count them twice";
const LOCAL =
  'a local failure with no source address: su and sudo write pam_unix(<service>:auth) lines too, and those are what we read';
const UNREAD_SERVICE = 'a service we do not read (dovecot, vsftpd: mail and FTP)';
const KNOWN: Record<string, { verdict: string; why: string }> = {
  '2020-03-23 06:08:41.939744-0700  localhost sshd[287]: fatal: ssh_packet_send_debug: Broken pipe': {
    verdict: 'probe read as none',
    why: 'a write error of a connection that names no address: nothing to attribute',
  },
  'Apr 18 21:27:08 web2 sshd[23484]: fatal: Unable to negotiate a key exchange method [preauth]': {
    verdict: 'probe read as none',
    why: 'no address in the line (older OpenSSH): nothing to attribute',
  },
  '2013-10-30T14:51:21.901728+01:00 srv sshd[12664]: Postponed keyboard-interactive for invalid user warez from 192.241.237.101 port 54197 ssh2 [preauth]':
    {
      verdict: 'failure read as none',
      why: "not a failure (the method needs another round): the connection's `Invalid user` and `Failed` lines count it",
    },
  'Aug 18 07:30:25 192.168.1.5 sshd[20247]: [ID 800047 auth.notice] Failed none for root from 192.168.1.1 port 36942 ssh2':
    {
      verdict: 'failure read as probe',
      why: '`Failed none` is a client asking which methods exist: sshd does not count it, a probe of the address here',
    },
  'Dec 27 03:23:51 r1 sshd[21183]: error: maximum authentication attempts exceeded for root from 183.106.179.x port 34100 ssh2 [preauth]':
    { verdict: 'failure read as none', why: '`183.106.179.x` (Wazuh cut the address) is no address: nobody is blamed' },
  'Nov 11 22:46:29 localhost vsftpd(pam_unix)[25073]: check pass; user unknown': {
    verdict: 'failure read as none',
    why: UNREAD_SERVICE,
  },
  'Nov 11 22:46:29 localhost sshd(pam_unix)[15794]: 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.3.1  user=root':
    {
      verdict: 'failure read as none',
      why: "pam_unix's closing count of the attempts after its first: sshd writes a `Failed` line for each of them, which we count",
    },
  'Apr 27 15:22:23 niban su[2921936]: failed: ttyq4 changing from ldap to root': {
    verdict: 'failure read as none',
    why: LOCAL,
  },
  'Apr 27 15:22:23 niban su[234]: BAD SU ger to fwmaster on /dev/ttyp0': {
    verdict: 'failure read as none',
    why: LOCAL,
  },
  'Jun 20 17:19:59 dactyl su: FAILED SU (to root) mmoorcro on pts/0': { verdict: 'failure read as none', why: LOCAL },
  'Jun 25 15:51:13 precise32 sudo:     mike : 1 incorrect password attempt ; TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/ls':
    { verdict: 'failure read as none', why: LOCAL },
  'Jun 25 16:15:45 precise32 sudo:     mike : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/ls':
    { verdict: 'failure read as none', why: LOCAL },
  'Apr 13 08:36:31 ix sudo:     ddp2 : user NOT in sudoers ; TTY=ttypZ ; PWD=/home/ddp2 ; USER=root ; COMMAND=/bin/ls':
    {
      verdict: 'failure read as none',
      why: 'a logged-in user refused by sudoers: local, no source address, not a login attempt',
    },
  'Jun 28 23:01:27 xxxx auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=lipjigaglgihgoeadcdaa.p.salmon@xxx.xxx.xxx.xxx rhost=91.195.103.44':
    { verdict: 'failure read as none', why: UNREAD_SERVICE },
  '2020-03-24 08:38:47.230409-0700  localhost sshd[2531]: Disconnected from invalid user root 172.18.1.100 port 43042':
    {
      verdict: 'failure read as probe',
      why: CONNECTION_END,
    },
  '2020-03-24 08:38:47.230409-0700  localhost sshd[2531]: Disconnecting invalid user root 172.18.1.100 port 43042': {
    verdict: 'failure read as none',
    why: 'not what sshd writes: packet.c logs `Disconnecting %s: %.100s`, always with the reason, which we read; the attempt counts on its `Invalid user` line',
  },
};

test("Wazuh's and OSSEC's sshd, PAM, su, sudo, dropbear and syslog rule tests: every rule is mapped", () => {
  assert.ok(readings.length > 100, `${readings.length} lines`);
  const unmapped = [
    ...new Set(readings.filter((r) => r.wazuh.pass && !RULE_KIND[r.wazuh.rule]).map((r) => r.wazuh.rule)),
  ];
  assert.deepEqual(unmapped, []);
});

test("Wazuh's rule tests: no line blames an address other than the one it names", () => {
  assert.deepEqual(readings.filter((reading) => reading.verdict === 'wrong address').map(describe), []);
});

test("Wazuh's rule tests: each pass line reads as its rule means, or a known difference", (t) => {
  const passing = readings.filter((reading) => reading.wazuh.pass);
  const same = passing.filter((reading) => reading.verdict === 'same');
  t.diagnostic(`${passing.length} pass lines: ${same.length} read as Wazuh's rule means`);
  // 70 before the parser fixes that came with this test (macOS timestamps, old PAM tags, old dropbear and OpenSSH).
  assert.deepEqual([passing.length, same.length], [147, 123]);
  for (const reading of passing) if (reading.verdict !== 'same') t.diagnostic(describe(reading));
  const found = Object.fromEntries(
    passing.filter((reading) => reading.verdict !== 'same').map((reading) => [reading.wazuh.line, reading.verdict]),
  );
  const known = Object.fromEntries(Object.entries(KNOWN).map(([line, { verdict }]) => [line, verdict]));
  assert.deepEqual(found, known);
});

/**
 * A `fail` line says only that the section's rule must not fire (another decoder or rule takes it): what we read there.
 * sshd's PAM line and the limit line are failures of their address (the connection's `Failed` lines deduplicate
 * them); `input_userauth_request: invalid user` names no address; the su(pam_unix) lines are pam's (Wazuh's pam
 * decoder, not su's), a local failure here; syslog.ini's kernel, NetworkManager, rsyslog and useradd lines are no login.
 */
const FAIL_LINES: Record<Kind, number> = { failure: 7, accepted: 0, probe: 0, none: 8 };

test("Wazuh's rule tests: the fail lines (the rule must not fire) as we read them", (t) => {
  const failing = readings.filter((reading) => !reading.wazuh.pass);
  for (const reading of failing) t.diagnostic(describe(reading));
  const kinds: Record<Kind, number> = { failure: 0, accepted: 0, probe: 0, none: 0 };
  for (const reading of failing) kinds[reading.ours]++;
  assert.deepEqual(kinds, FAIL_LINES);
  for (const reading of failing.filter((r) => r.ours === 'failure' && !r.event?.sourceIp))
    assert.match(reading.wazuh.line, /su\(pam_unix\)/, 'only su fails locally');
});

/**
 * Wazuh's frequency rules fire on the 8th line of a kind within 120 s: 5763 (authentication failed) and 5712
 * (non-existent user) from one source, 5719 (denied user) from any. Ours counts the failures of each address after
 * the monitor's deduplication of one attempt's lines.
 */
test("Wazuh's brute-force sections: each attempt counts once for its address", () => {
  const counted = (rule: string) => {
    const events = readings
      .filter((reading) => reading.wazuh.rule === rule && reading.wazuh.at.startsWith('sshd.ini'))
      .flatMap((reading) => (reading.event ? [reading.event] : []));
    const byAddress: Record<string, number> = {};
    for (const event of dedupeAttempts(events))
      if (FAILURE_EVENT_TYPES.has(event.type) && event.sourceIp)
        byAddress[event.sourceIp] = (byAddress[event.sourceIp] ?? 0) + 1;
    return byAddress;
  };
  assert.deepEqual(counted('5763'), { '172.18.1.100': 8 });
  assert.deepEqual(counted('5712'), { '212.64.151.233': 8 });
  // Wazuh's 5719 counts denied users of any source; we count per address, 4 of each here.
  assert.deepEqual(counted('5719'), { '192.168.33.1': 4, '172.18.1.100': 4 });
});

/**
 * Each line we read with a user and an address, its user name replaced by one a client chose to frame another
 * address: we report the address sshd, dropbear or PAM wrote, or nobody, never 9.9.9.9.
 */
const FRAMING_NAMES = [
  'x from 9.9.9.9 port 22 ssh2',
  'x from 9.9.9.9 port 22',
  'x from 9.9.9.9',
  "x' from 9.9.9.9:22",
  'x 9.9.9.9 port 22',
  'x rhost=9.9.9.9',
  'x from 9.9.9.9 port 22 ssh2: RSA SHA256:x',
];

test("Wazuh's rule tests: a user name holding another address never frames it", () => {
  let tried = 0;
  for (const reading of readings) {
    const user = reading.event?.user;
    if (!user || !reading.event?.sourceIp) continue;
    const text = message(reading.wazuh.line);
    if (text.split(user).length !== 2) continue;
    for (const name of FRAMING_NAMES) {
      const line = reading.wazuh.line.replace(text, text.replace(user, name));
      const record = parseSyslogLine(line, NOW);
      const event = record && parseAuthEvent(record);
      tried++;
      assert.ok(event?.sourceIp === undefined || event.sourceIp === reading.address, `${line}\n -> ${event?.sourceIp}`);
    }
  }
  assert.ok(tried >= 50, `${tried} framed lines`);
});

test("Wazuh's macOS sshd lines: the time with its zone, the host after two spaces", () => {
  const line = readings.find((reading) => reading.wazuh.line.startsWith('2020-03-23 06:47:42.801612-0700  localhost'));
  assert.ok(line);
  const record = parseSyslogLine(line.wazuh.line, NOW);
  assert.deepEqual(
    { time: record?.time, host: record?.host, program: record?.program, pid: record?.pid },
    { time: '2020-03-23T13:47:42.801Z', host: 'localhost', program: 'sshd', pid: 3186 },
  );
  assert.deepEqual(
    { type: line.event?.type, user: line.event?.user, sourceIp: line.event?.sourceIp },
    { type: 'pam_auth_failure', user: 'badguy', sourceIp: '192.168.33.1' },
  );
});
