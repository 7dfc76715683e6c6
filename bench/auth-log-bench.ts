// The host monitor's auth-line path: syslog parse + sshd/PAM parse (each user field read twice) + per-connection
// dedupe, on the fixture corpus repeated, and on the slowest lines we could build (long user names full of addresses).
// Usage: node bench/auth-log-bench.ts [--lines 200000]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAuthEvent } from '../src/host-monitor/collectors/auth-event-parser.ts';
import { parseSyslogLine } from '../src/host-monitor/collectors/syslog-line-parser.ts';
import { dedupeAttempts } from '../src/host-monitor/login-attempts.ts';
import type { AuthEvent } from '../src/host-monitor/observations.ts';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '200000' } } });
const total = Number(values.lines);
const corpus = JSON.parse(
  readFileSync(new URL('../src/host-monitor/__fixtures__/sshd-messages.json', import.meta.url), 'utf8'),
) as { lines: Array<{ line: string }> };
const now = Date.parse('2025-10-20T12:00:00Z');

function measure(name: string, lines: string[]) {
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const events: AuthEvent[] = [];
  for (const line of lines) {
    const record = parseSyslogLine(line, now);
    const event = record && parseAuthEvent(record);
    if (event) events.push(event);
  }
  const kept = dedupeAttempts(events);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const bytes = lines.reduce((sum, line) => sum + line.length, 0);
  console.log(
    `${name}: ${lines.length} lines (${(bytes / lines.length).toFixed(0)} chars/line), ${events.length} events, ` +
      `${kept.length} kept; CPU ${cpuSeconds.toFixed(2)} s = ${Math.round(lines.length / cpuSeconds)} lines/CPU-s; ` +
      `wall ${wallSeconds.toFixed(2)} s`,
  );
}

const realistic = Array.from({ length: total }, (_, index) => corpus.lines[index % corpus.lines.length].line);
measure('corpus repeated', realistic);
const hostile = [
  `Failed password for ${' from 1.1.1.1 port 1 ssh2'.repeat(300)} from 192.0.2.1 port 2 ssh2`,
  `Received disconnect from user ${'1.1.1.1 port 1:1: '.repeat(400)}`,
  `Invalid user ${' from 2001:db8::1 port 1'.repeat(350)} from 192.0.2.1 port 2`,
].map((message) => `Sep 14 22:00:00 web sshd[1]: ${message}`);
measure(
  'hostile 7-8 KB lines',
  Array.from({ length: Math.max(1000, total / 100) }, (_, index) => hostile[index % 3]),
);
