import type { SyslogRecord } from '../observations.ts';
import type { PositionKeeper } from './log-file-reader.ts';
import { runCommand } from './run-command.ts';

interface JournalEntry {
  __CURSOR?: string;
  __REALTIME_TIMESTAMP?: string;
  _HOSTNAME?: string;
  SYSLOG_IDENTIFIER?: string;
  _COMM?: string;
  _PID?: string;
  _UID?: string;
  _TRANSPORT?: string;
  MESSAGE?: string | number[] | null;
  PRIORITY?: string;
}

/** journalctl prints MESSAGE as an array of bytes when it is not valid UTF-8. */
function messageText(message: JournalEntry['MESSAGE']): string {
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return Buffer.from(message).toString('utf8');
  return '';
}

/** Programs whose lines become login events or kernel findings: only root (or the kernel) may speak for them. */
const PRIVILEGED_IDENTIFIERS =
  /^(sshd|sshd-session|sshd-auth|dropbear|login|sudo|su|systemd-logind|gdm-password|lightdm|polkitd|kernel)$/;

/**
 * SYSLOG_IDENTIFIER is whatever the sender wrote (`logger -t sshd "Failed password for root from 9.9.9.9 ..."` works
 * for any local user or container sharing /dev/log); `_UID` and `_TRANSPORT` are set by journald from the sender's
 * credentials. A privileged name from anyone else keeps its name but with the sender, so it is never read as sshd.
 */
function trustedProgram(entry: JournalEntry): string {
  const identifier = entry.SYSLOG_IDENTIFIER ?? entry._COMM ?? 'unknown';
  if (!PRIVILEGED_IDENTIFIERS.test(identifier)) return identifier;
  if (identifier === 'kernel')
    return entry._TRANSPORT === undefined || entry._TRANSPORT === 'kernel'
      ? identifier
      : `kernel(from uid ${entry._UID})`;
  return entry._UID === undefined || entry._UID === '0' ? identifier : `${identifier}(from uid ${entry._UID})`;
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
    if (entry.__CURSOR) cursor = entry.__CURSOR;
    const micros = Number(entry.__REALTIME_TIMESTAMP);
    records.push({
      time: Number.isFinite(micros) ? new Date(micros / 1000).toISOString() : undefined,
      host: entry._HOSTNAME,
      program: trustedProgram(entry),
      pid: entry._PID ? Number(entry._PID) : undefined,
      message: messageText(entry.MESSAGE),
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
