import type { SyslogRecord } from '../observations.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// `Sep 14 22:01:00 host sshd[1234]: message` (RFC 3164 as written by rsyslog's traditional format).
const TRADITIONAL = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\S+) ([^\s:[]+)(?:\[(\d+)\])?: ?(.*)$/;
// `2025-09-14T22:01:00.123456-05:00 host sshd[1234]: message` (rsyslog's high-precision default on Debian 12+).
const RFC3339 =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) (\S+) ([^\s:[]+)(?:\[(\d+)\])?: ?(.*)$/;
// RFC 5424: `<34>1 2025-09-14T22:01:00.003Z host app 1234 ID47 - message`
const RFC5424 = /^<\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) (\S+) (?:-|\[.*?\]) ?(.*)$/;

/**
 * Parses one syslog line in the traditional, RFC 3339 or RFC 5424 format. `now` supplies the year that traditional
 * timestamps lack (a December line read in January belongs to last year). Undefined for lines that are none of these.
 */
export function parseSyslogLine(line: string, now: number = Date.now()): SyslogRecord | undefined {
  const text = line.replace(/\r$/, '');
  let match = RFC3339.exec(text);
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
  match = TRADITIONAL.exec(text);
  if (match) {
    const month = MONTHS.indexOf(match[1]);
    if (month < 0) return undefined;
    const current = new Date(now);
    let year = current.getFullYear();
    // Local time, as the host wrote it. A month later than the current one means the line is from last year.
    if (month > current.getMonth() + 1) year -= 1;
    const date = new Date(year, month, Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]));
    return {
      time: Number.isNaN(date.getTime()) ? undefined : date.toISOString(),
      host: match[6],
      program: match[7],
      pid: match[8] ? Number(match[8]) : undefined,
      message: match[9],
    };
  }
  match = RFC5424.exec(text);
  if (match) {
    const time = Date.parse(match[1]);
    return {
      time: Number.isNaN(time) ? undefined : new Date(time).toISOString(),
      host: match[2] === '-' ? undefined : match[2],
      program: match[3],
      pid: /^\d+$/.test(match[4]) ? Number(match[4]) : undefined,
      message: match[6].replace(/^\uFEFF/, ''),
    };
  }
  return undefined;
}

const PROBLEM = /\b(error|failed|failure|critical|panic|segfault|oom-killer|out of memory|i\/o error|call trace)\b/i;
const BENIGN_PROGRAMS = new Set(['sshd', 'sudo', 'login', 'su', 'CRON', 'cron']);

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
