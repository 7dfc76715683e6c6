import type { SyslogRecord } from '../observations.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// `Sep 14 22:01:00 host sshd[1234]: message` (RFC 3164 as written by rsyslog's traditional format; a fraction of a
// second, as some templates add, is read and dropped). BusyBox syslogd (Alpine, OpenWrt) writes the facility and
// level after the host: `Sep 14 22:01:00 host authpriv.info sshd[1234]: message`. FreeBSD's syslogd -v writes them
// in angle brackets before the host, as numbers (`<10.5>`), with -vv as names (`<auth.notice>`).
const TRADITIONAL =
  /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (?:<[a-z0-9]+\.[a-z0-9]+> )?(\S+) (?:[a-z0-9]+\.(?:emerg|alert|crit|err|warning|warn|notice|info|debug) )?([^\s:[]+)(?:\[(\d+)\])?(?:: ?|(?<=\]) )(.*)$/;
// `2025-09-14T22:01:00.123456-05:00 host sshd[1234]: message` (rsyslog's high-precision default on Debian 12+,
// journalctl's short-iso); with a space for the `T` and no zone (local time), as syslog-ng's ISO templates write it.
// In both, a tag with its pid may lack the colon (`sshd[20974] error: ...`, an rsyslog 8 template: SSHGuard #128).
// macOS `log stream --style syslog` (what Wazuh's macOS agent reads) puts two spaces after a zone without its colon:
// `2020-03-23 06:47:42.801612-0700  localhost sshd[3186]: message`.
const RFC3339 =
  /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?) {1,2}(\S+) ([^\s:[]+)(?:\[(\d+)\])?(?:: ?|(?<=\]) )(.*)$/;
// `Sep 14 22:01:00 sshd[1234]: message`: rsyslog/syslog-ng templates and BSD local logs without the host name.
const TRADITIONAL_NO_HOST =
  /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? ([^\s:[]+)\[(\d+)\]: ?(.*)$/;
// socklog (runit's syslogd, Void Linux) through svlogd -ttt: a UTC time, the facility and level, then what the program
// sent, its own time kept or cut: `2015-05-27T04:31:28.10040 auth.info: May 27 04:31:28 sshd[30993]: message` or
// `2015-05-27T04:31:28.10040 auth.info: sshd[30993]:  message`.
const SOCKLOG = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?) [a-z0-9]+\.[a-z]+: (.*)$/;
const SOCKLOG_TAG = /^([^\s:[]+)\[(\d+)\]: *(.*)$/;
// `Mar  3 00:17:22 [sshd]: message` and `... [sshd] message`: old syslog daemons that wrote the program in brackets,
// with no host and no pid (fail2ban's sshd corpus keeps both).
const BRACKETED_PROGRAM = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) \[([^\s\]:[]+)\]:? (.*)$/;
// The priority of a line as it came over the network (`<38>Sep 14 ...`), kept by some collectors; RFC 5424's
// `<38>1 2025-...` has its own format below.
const PRIORITY = /^<\d{1,3}>(?=[A-Z]|\d{4}-)/;
// RFC 5424: `<34>1 2025-09-14T22:01:00.003Z host app 1234 ID47 [sd-id k="v"][other k="a \"quoted\" ]"] message`.
// Structured data is one or more elements whose quoted values may hold `]` and escaped quotes.
const SD_ELEMENT = '\\[[^\\]"\\s]+(?: [^=\\s\\]"]+="(?:[^"\\\\]|\\\\.)*")*\\]';
// sysklogd (troglobit's, on embedded systems) writes the same to files without the `<PRI>1 ` (its RFC5424 format):
// `2022-02-24T21:00:42.021457+00:00 host dropbear 6052 - - message`.
const RFC5424 = new RegExp(
  `^(?:<\\d{1,3}>1 (\\S+)|(\\d{4}-\\d{2}-\\d{2}T\\S+)) (\\S+) (\\S+) (\\S+) (\\S+) (?:-|(?:${SD_ELEMENT})+)(?: (.*))?$`,
);

/**
 * A traditional timestamp (`Sep 14 22:01:00`, no year) as ISO time in local time, as the host wrote it; null when the
 * month is not one. `now` supplies the year: a month later than the current one means the line is from last year.
 */
function traditionalTime(match: RegExpExecArray, now: number): string | undefined | null {
  const month = MONTHS.indexOf(match[1]);
  if (month < 0) return null;
  const current = new Date(now);
  let year = current.getFullYear();
  if (month > current.getMonth() + 1) year -= 1;
  const date = new Date(year, month, Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * rsyslog's repeated-message reduction: `message repeated %d times: [%.800s]`, the count of identical messages after
 * the one written before (the message keeps its leading space).
 * An inner text of 800 characters may have been cut, and a cut line may read as another one: it stays unread.
 */
const REPEATED = /^message repeated (\d+) times: \[ ?(.*)\]$/;
const REPEATED_TEXT_MAX = 800;
/** A line claims its count itself (`logger` can write one), so one line stands for at most this many messages. */
const MAX_REPEATS = 1000;

function unfoldRepeats(record: SyslogRecord): SyslogRecord {
  if (!record.message.startsWith('message repeated ')) return record;
  const match = REPEATED.exec(record.message);
  if (!match || match[2].length >= REPEATED_TEXT_MAX) return record;
  const occurrences = Math.min(Number(match[1]), MAX_REPEATS);
  return occurrences > 0 ? { ...record, message: match[2], occurrences } : record;
}

/**
 * Parses one syslog line in the traditional, RFC 3339 or RFC 5424 format. `now` supplies the year that traditional
 * timestamps lack (a December line read in January belongs to last year). Undefined for lines that are none of these.
 */
export function parseSyslogLine(line: string, now: number = Date.now()): SyslogRecord | undefined {
  const record = parseSyslogShape(line, now);
  return record && unfoldRepeats(record);
}

function parseSyslogShape(line: string, now: number): SyslogRecord | undefined {
  const text = line.replace(/\r$/, '').replace(PRIORITY, '');
  let match = SOCKLOG.exec(text);
  if (match) return socklogRecord(match[1], match[2]);
  match = RFC3339.exec(text);
  if (match) {
    const time = Date.parse(match[1]);
    return {
      time: Number.isNaN(time) ? undefined : new Date(time).toISOString(),
      host: match[2],
      program: match[3],
      pid: match[4] ? Number(match[4]) : undefined,
      message: match[5],
    };
  }
  // Before TRADITIONAL, which would read `sshd[1]:` as a host and `error` as the program.
  match = TRADITIONAL_NO_HOST.exec(text);
  if (match) {
    const time = traditionalTime(match, now);
    if (time === null) return undefined;
    return { time, program: match[6], pid: Number(match[7]), message: match[8] };
  }
  match = TRADITIONAL.exec(text);
  if (match) {
    const time = traditionalTime(match, now);
    if (time === null) return undefined;
    return {
      time,
      host: match[6],
      program: match[7],
      pid: match[8] ? Number(match[8]) : undefined,
      message: match[9],
    };
  }
  match = BRACKETED_PROGRAM.exec(text);
  if (match) {
    const time = traditionalTime(match, now);
    if (time === null) return undefined;
    return { time, program: match[6], message: match[7] };
  }
  match = RFC5424.exec(text);
  if (match) {
    const time = Date.parse(match[1] ?? match[2]);
    return {
      time: Number.isNaN(time) ? undefined : new Date(time).toISOString(),
      host: match[3] === '-' ? undefined : match[3],
      program: match[4],
      pid: /^\d+$/.test(match[5]) ? Number(match[5]) : undefined,
      message: (match[7] ?? '').replace(/^\uFEFF/, ''),
    };
  }
  return undefined;
}

/** socklog's line, its time (svlogd's, UTC) kept; undefined when the program's part has no tag with a pid. */
function socklogRecord(time: string, sent: string): SyslogRecord | undefined {
  const inner = TRADITIONAL_NO_HOST.exec(sent);
  const tag = inner ? [inner[6], inner[7], inner[8]] : SOCKLOG_TAG.exec(sent)?.slice(1);
  if (!tag) return undefined;
  const parsed = Date.parse(`${time}Z`);
  return {
    time: Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString(),
    program: tag[0],
    pid: Number(tag[1]),
    message: tag[2],
  };
}

const PROBLEM = /\b(error|failed|failure|critical|panic|segfault|oom-killer|out of memory|i\/o error|call trace)\b/i;
const BENIGN_PROGRAMS = new Set([
  'sshd',
  'sshd-session',
  'sshd-auth',
  'dropbear',
  'sudo',
  'login',
  'su',
  'CRON',
  'cron',
]);

/** Lines worth counting as system problems (auth programs are handled by the auth parser instead). */
export function isSyslogProblem(record: SyslogRecord): boolean {
  if (BENIGN_PROGRAMS.has(record.program)) return false;
  return PROBLEM.test(record.message);
}

/** The kernel's OOM killer message: `Out of memory: Killed process 1234 (java) total-vm:...`. */
export function oomKilledProcess(record: SyslogRecord): string | undefined {
  if (record.program !== 'kernel') return undefined;
  const match = /Out of memory: Kill(?:ed)? process \d+ \(([^)]+)\)/.exec(record.message);
  return match?.[1];
}
