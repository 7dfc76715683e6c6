import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { test } from 'node:test';
import type { SyslogRecord } from '../observations.ts';
import { parseSyslogLine } from './syslog-line-parser.ts';
import { CORPUS_NOW, fail2banFixture, failJsonCorpus } from './testing/fail2ban-fail-json.ts';
import { type CorpusLine, compareCorpus, type Reading, tally, type Verdict } from './testing/upstream-sshd-corpus.ts';

/**
 * fail2ban's test logs (deffcbcd, copied unchanged into __fixtures__/fail2ban/) for the PAM and non-sshd lines of
 * programs the host monitor reads: `pam-generic` (config/filter.d/pam-generic.conf: pam_unix's failure line of any
 * program), `selinux-ssh` (selinux-ssh.conf: auditd's records of sshd) and FreeBSD syslogd's `bsd/syslog-plain.txt`,
 * `-v` and `-vv` layouts. fail2ban has no test log of login, su, sudo, gdm, lightdm, polkit, cockpit or
 * systemd-logind. Its sshd and dropbear logs are fail2ban-sshd-corpus.test.ts's.
 */
const asLogged = (text: string) => parseSyslogLine(text, CORPUS_NOW);
/** pam_unix's text is one for every service: the line as if `login`, a program we read, had written it. */
const asLogin = (text: string): SyslogRecord | undefined => {
  const record = asLogged(text);
  return record && { ...record, program: 'login' };
};

/**
 * The bsd logs carry no failJSON: what fail2ban-regex prints for them with config/filter.d/sshd.conf at deffcbcd
 * (`fail2ban-regex --print-all-matched <log> config/filter.d/sshd.conf`), the matched lines by number. It matches
 * syslog-plain's `PAM: authentication error ... from example.com` and not syslog-v's same lines (a host name: none
 * of them is read here).
 */
const BSD_MATCHED: Record<string, { lines: number[]; host: (text: string) => string }> = {
  'bsd/syslog-plain.txt': {
    lines: [1, 2, 3],
    host: (text) => (text.includes('example.com') ? 'example.com' : '192.0.2.100'),
  },
  'bsd/syslog-v.txt': { lines: [2, 4, 6, 8, 9], host: () => '192.0.2.100' },
  'bsd/syslog-vv.txt': { lines: [1, 2, 3, 4, 5], host: () => '183.60.159.20' },
};

function bsdCorpus(name: string): CorpusLine[] {
  const matched = BSD_MATCHED[name];
  return fail2banFixture(name)
    .map((text, index) => ({ text, index }))
    .filter(({ text }) => text.trim())
    .map(({ text, index }) => {
      const record = asLogged(text);
      return {
        label: `${name}:${index + 1}: ${text}`,
        record,
        failureOf: matched.lines.includes(index + 1) ? matched.host(text) : undefined,
        connection: record?.pid !== undefined ? `${name}|${record.program}[${record.pid}]` : `${name}:${index + 1}`,
      };
    });
}

/** Programs of fail2ban's PAM lines that the host monitor does not read (README: pam_unix of other services). */
const UNREAD_PROGRAMS: Record<string, string> = {
  'pure-ftpd': 'an FTP daemon: a program we do not read',
  proftpd: 'an FTP daemon: a program we do not read',
  vsftpd: 'an FTP daemon: a program we do not read',
  daemon: "fail2ban's made-up program name: not one we read",
};

/** Why a line fail2ban counts gives no address here; undefined when it should give one. */
function whyMissed({ line }: Reading): string | undefined {
  const text = line.label.slice(line.label.indexOf(': ') + 2);
  if (line.failureOf === undefined) return undefined;
  if (!line.record) return "an audit record (auditd's own log): not a log we read";
  if (line.record.program !== 'login' && UNREAD_PROGRAMS[line.record.program])
    return UNREAD_PROGRAMS[line.record.program];
  if (!isIP(line.failureOf)) return 'a host name, not an address';
  // Linux-PAM's pam_syslog names the module `pam_unix(<service>:<type>):` (`<unknown>` without a service); fail2ban's
  // two injection samples are written without the service and are read here with it (auth-framing.test.ts).
  if (/ pam_unix(?:\(auth\))?: /.test(text)) return 'no `(<service>:auth)` after pam_unix: not what Linux-PAM writes';
  return undefined;
}

const describe = (reading: Reading) =>
  `${reading.line.label}\n    -> ${reading.event ? `${reading.event.type} ${reading.event.sourceIp}` : 'nothing'}`;

/** Each corpus as read, with its tally pinned: a change in what we read shows here. */
const CORPORA: Array<{ name: string; lines: CorpusLine[]; expected: Record<Verdict, number> }> = [
  {
    name: 'pam-generic as logged',
    lines: failJsonCorpus('pam-generic', asLogged),
    expected: { failure: 0, 'pre-auth': 0, missed: 8, deferred: 0, 'no failure': 1, wrong: 0 },
  },
  {
    name: 'pam-generic as if login wrote it',
    lines: failJsonCorpus('pam-generic', asLogin),
    expected: { failure: 2, 'pre-auth': 0, missed: 6, deferred: 0, 'no failure': 1, wrong: 0 },
  },
  {
    name: 'selinux-ssh',
    lines: failJsonCorpus('selinux-ssh', asLogged),
    expected: { failure: 0, 'pre-auth': 0, missed: 5, deferred: 0, 'no failure': 6, wrong: 0 },
  },
  {
    name: 'bsd/syslog-plain.txt',
    lines: bsdCorpus('bsd/syslog-plain.txt'),
    expected: { failure: 2, 'pre-auth': 0, missed: 1, deferred: 0, 'no failure': 0, wrong: 0 },
  },
  {
    name: 'bsd/syslog-v.txt',
    lines: bsdCorpus('bsd/syslog-v.txt'),
    expected: { failure: 5, 'pre-auth': 0, missed: 0, deferred: 0, 'no failure': 5, wrong: 0 },
  },
  {
    name: 'bsd/syslog-vv.txt',
    lines: bsdCorpus('bsd/syslog-vv.txt'),
    expected: { failure: 5, 'pre-auth': 0, missed: 0, deferred: 0, 'no failure': 0, wrong: 0 },
  },
];

for (const { name, lines, expected } of CORPORA) {
  test(`fail2ban's ${name}: no line blames an address fail2ban does not`, (t) => {
    const readings = compareCorpus(lines);
    t.diagnostic(JSON.stringify(tally(readings)));
    for (const reading of readings)
      if (reading.verdict === 'missed' || reading.verdict === 'deferred')
        t.diagnostic(`${reading.verdict} (${whyMissed(reading) ?? 'NO REASON'}): ${describe(reading)}`);
    assert.deepEqual(readings.filter((reading) => reading.verdict === 'wrong').map(describe), []);
    assert.deepEqual(
      readings.filter((reading) => reading.verdict === 'missed' && !whyMissed(reading)).map(describe),
      [],
      'every line fail2ban counts with an address, from a program we read, gives that address',
    );
    assert.deepEqual(tally(readings), expected);
  });
}
