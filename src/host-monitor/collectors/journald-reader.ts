import type { SyslogRecord } from '../observations.ts';
import type { PositionKeeper } from './log-file-reader.ts';
import { runCommand } from './run-command.ts';

/**
 * A field as `journalctl -o json` prints it (systemd's logs-show.c, output_json): a string when the value is printable
 * UTF-8, an array of its bytes otherwise (a message holding a carriage return or invalid UTF-8), an array of values
 * when the entry has the field more than once, null when it is over 4096 bytes.
 */
type JournalValue = string | number[] | Array<string | number[]> | null;
type JournalEntry = Partial<Record<string, JournalValue>>;

/** The field's one value as text; undefined when absent, too large, or given more than once (which one would it be?). */
function fieldText(value: JournalValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'number'))
    return Buffer.from(value).toString('utf8');
  return undefined;
}

/** Programs whose lines become login events or kernel findings: only root (or the kernel) may speak for them. */
const PRIVILEGED_IDENTIFIERS =
  /^(sshd|sshd-session|sshd-auth|dropbear|login|sudo|su|systemd-logind|gdm-password|lightdm|polkitd|kernel)$/;

/**
 * sudo and su are setuid root: journald's `_UID` is the real uid, their caller's (Beats' sudo entry: `_UID=1000`,
 * `_CAP_EFFECTIVE=1ffffffffff`, `_EXE=/usr/bin/sudo`). Their own binary with capabilities is what makes such an entry
 * theirs; a ptraced setuid program runs without them. Any user can still run a binary of that path with capabilities
 * in a user namespace of their own, so these entries are read as the program's but never give an address.
 */
const SETUID_PROGRAMS: Record<string, readonly string[]> = {
  sudo: ['/usr/bin/sudo', '/bin/sudo'],
  su: ['/usr/bin/su', '/bin/su'],
};

function runsPrivileged(entry: JournalEntry, identifier: string): boolean {
  const executable = fieldText(entry._EXE);
  const capabilities = fieldText(entry._CAP_EFFECTIVE);
  return (
    executable !== undefined &&
    (SETUID_PROGRAMS[identifier]?.includes(executable) ?? false) &&
    capabilities !== undefined &&
    /^[0-9a-f]+$/.test(capabilities) &&
    /[1-9a-f]/.test(capabilities)
  );
}

/**
 * SYSLOG_IDENTIFIER is whatever the sender wrote (`logger -t sshd "Failed password for root from 9.9.9.9 ..."` works
 * for any local user or container sharing /dev/log); `_UID`, `_TRANSPORT`, `_EXE` and `_CAP_EFFECTIVE` are set by
 * journald from the sender's credentials. A privileged name from anyone else keeps its name but with the sender, so
 * it is never read as sshd.
 */
function trustedProgram(entry: JournalEntry): { program: string; callerUid?: string } {
  const identifier = fieldText(entry.SYSLOG_IDENTIFIER) ?? fieldText(entry._COMM) ?? 'unknown';
  const uid = fieldText(entry._UID);
  const transport = fieldText(entry._TRANSPORT);
  if (!PRIVILEGED_IDENTIFIERS.test(identifier)) return { program: identifier };
  if (identifier === 'kernel')
    return { program: transport === undefined || transport === 'kernel' ? identifier : `kernel(from uid ${uid})` };
  if (uid === undefined || uid === '0') return { program: identifier };
  if (runsPrivileged(entry, identifier)) return { program: identifier, callerUid: uid };
  return { program: `${identifier}(from uid ${uid})` };
}

/** journald's receive time (what --since and cursors follow), else the sender's time journald recorded. */
function entryTime(entry: JournalEntry): string | undefined {
  for (const field of [entry.__REALTIME_TIMESTAMP, entry._SOURCE_REALTIME_TIMESTAMP]) {
    const micros = Number(fieldText(field) ?? Number.NaN);
    if (Number.isFinite(micros)) return new Date(micros / 1000).toISOString();
  }
  return undefined;
}

/** Parses `journalctl -o json` output (one JSON object per line); unreadable lines are counted, not fatal. */
export function parseJournalJson(text: string): { records: SyslogRecord[]; cursor?: string; skipped: number } {
  const records: SyslogRecord[] = [];
  let cursor: string | undefined;
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch {
      skipped++;
      continue;
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      skipped++;
      continue;
    }
    cursor = fieldText(entry.__CURSOR) ?? cursor;
    const pid = Number(fieldText(entry._PID));
    const { program, callerUid } = trustedProgram(entry);
    records.push({
      time: entryTime(entry),
      host: fieldText(entry._HOSTNAME),
      program,
      pid: Number.isInteger(pid) && pid > 0 ? pid : undefined,
      message: fieldText(entry.MESSAGE) ?? '',
      ...(callerUid !== undefined && { addressless: true }),
    });
  }
  return { records, cursor, skipped };
}

/**
 * Reads journal entries after the saved cursor (`journalctl -o json --after-cursor`). A first start reads the entries
 * since `since` (the last login window, `--since=@<epoch seconds>`), like a log file's first start.
 */
export async function readJournal(positions: PositionKeeper, firstStart: { since: number }, maxEntries = 5000) {
  const key = 'monitor:journald';
  const cursor = positions.get<string>(key);
  const args = ['-o', 'json', '--no-pager', '-q'];
  if (cursor) args.push(`--after-cursor=${cursor}`, '-n', String(maxEntries));
  else args.push(`--since=@${Math.floor(firstStart.since / 1000)}`, '-n', String(maxEntries));
  const command = await runCommand('journalctl', args, { timeoutMs: 30_000 });
  if (command.status === 'missing')
    return { status: 'missing' as const, records: [], skipped: 0, detail: command.error };
  if (command.status === 'failed' && !command.stdout.trim()) {
    let detail = `${command.error} ${command.stderr.trim()}`.trim();
    // A cursor the journal no longer knows (vacuumed, another machine's): start again from the newest entry.
    if (cursor && /cursor/i.test(command.stderr)) {
      positions.set(key, '');
      detail += '; the saved cursor was reset';
    }
    return { status: 'failed' as const, records: [], skipped: 0, detail };
  }
  const parsed = parseJournalJson(command.stdout);
  if (parsed.cursor) positions.set(key, parsed.cursor);
  return { status: 'ok' as const, records: parsed.records, skipped: parsed.skipped, firstStart: !cursor };
}
