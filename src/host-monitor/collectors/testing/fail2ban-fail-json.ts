import { readFileSync } from 'node:fs';
import type { SyslogRecord } from '../../observations.ts';
import type { CorpusLine } from './upstream-sshd-corpus.ts';

/**
 * Test support: fail2ban's test logs (`fail2ban/tests/files/logs/`, copied unchanged into __fixtures__/fail2ban/),
 * where each line follows a `# failJSON:` comment saying whether fail2ban's filter counts it as a failure, and of
 * which host. Used by the fail2ban corpus tests only.
 */

/** The year traditional timestamps lack: any time after the corpus lines. */
export const CORPUS_NOW = Date.parse('2025-12-31T12:00:00Z');

export const fail2banFixture = (name: string) =>
  readFileSync(new URL(`../../__fixtures__/fail2ban/${name}`, import.meta.url), 'utf8').split('\n');

interface FailJson {
  match: boolean;
  host?: string;
  ip4?: string;
  ip6?: string;
}

/** An address fail2ban ties to the line from an earlier line of the same connection (the line has none). */
export const FROM_CONNECTION = '(the connection)';

/** The lines after a `# failJSON:` comment, each read by `read` (a syslog line, or a journal entry). */
export function failJsonCorpus(
  name: string,
  read: (text: string, index: number) => SyslogRecord | undefined,
): CorpusLine[] {
  const lines: CorpusLine[] = [];
  let expected: FailJson | undefined;
  fail2banFixture(name).forEach((text, index) => {
    const json = /^# failJSON: (.*)$/.exec(text);
    if (json) {
      expected = JSON.parse(json[1]) as FailJson;
      return;
    }
    if (!expected || text.startsWith('#') || !text.trim()) return;
    const record = read(text, index);
    lines.push({
      label: `${name}:${index + 1}: ${text}`,
      record,
      failureOf: expected.match ? (expected.host ?? expected.ip4 ?? expected.ip6 ?? FROM_CONNECTION) : undefined,
      connection: record?.pid !== undefined ? `${name}|${record.program}[${record.pid}]` : `${name}:${index + 1}`,
    });
    expected = undefined;
  });
  return lines;
}
