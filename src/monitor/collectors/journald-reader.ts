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
  MESSAGE?: string | number[] | null;
  PRIORITY?: string;
}

/** journalctl prints MESSAGE as an array of bytes when it is not valid UTF-8. */
function messageText(message: JournalEntry['MESSAGE']): string {
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return Buffer.from(message).toString('utf8');
  return '';
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
      program: entry.SYSLOG_IDENTIFIER ?? entry._COMM ?? 'unknown',
      pid: entry._PID ? Number(entry._PID) : undefined,
      message: messageText(entry.MESSAGE),
    });
  }
  return { records, cursor, skipped };
}

/**
 * Reads journal entries after the saved cursor (`journalctl -o json --after-cursor`). A first start only records the
 * newest cursor, like starting a log file at its end.
 */
export async function readJournal(positions: PositionKeeper, maxEntries = 5000) {
  const key = 'monitor:journald';
  const cursor = positions.get<string>(key);
  const args = ['-o', 'json', '--no-pager', '-q'];
  if (cursor) args.push(`--after-cursor=${cursor}`, '-n', String(maxEntries));
  else args.push('-n', '1');
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
  return { status: 'ok' as const, records: cursor ? parsed.records : [], skipped: parsed.skipped, firstStart: !cursor };
}
