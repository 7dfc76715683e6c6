/**
 * Parse throughput of the Traefik file source on a generated access log (default 1,000,000 JSON lines).
 * Each phase runs in its own child process so its peak RSS is its own.
 *
 *   node bench/traefik-parse-bench.ts [--lines N] [--format json|clf] [--keep FILE]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SensitivePathMatcher } from '../src/network-guard/detection/path-matcher.ts';
import { SCANNER_USER_AGENTS } from '../src/network-guard/detection/scanner-user-agents.ts';
import { writeTraefikLog } from '../src/network-guard/sample-traffic/generate-traefik-log.ts';
import { createPrefilter } from '../src/network-guard/traefik-log/prefilter.ts';
import { replayFile } from '../src/network-guard/traefik-log/replay-file.ts';
import { TraefikFileSource } from '../src/network-guard/traefik-log/traefik-file-source.ts';
import { CORE_MIGRATIONS } from '../src/store/core-migrations.ts';
import { migrate, openDatabase } from '../src/store/database.ts';
import { PositionStore } from '../src/store/position-store.ts';

const PHASES = ['json-parse-only', 'replay', 'replay+prefilter', 'source-read', 'source-read+prefilter'] as const;
type Phase = (typeof PHASES)[number];

interface PhaseResult {
  phase: Phase;
  seconds: number;
  /** User + system CPU time of the phase: the honest figure on a shared machine. */
  cpuSeconds: number;
  lines: number;
  events: number;
  filtered: number;
  skipped: number;
  maxRssMb: number;
}

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    format: { type: 'string', default: 'json' },
    keep: { type: 'string' },
    phase: { type: 'string' },
    file: { type: 'string' },
    proxies: { type: 'string', default: '' },
  },
});

if (values.phase) {
  const result = await runPhase(values.phase as Phase, values.file!, values.proxies ? values.proxies.split(',') : []);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  await main();
}

async function main(): Promise<void> {
  const lines = Number(values.lines);
  const format = values.format === 'clf' ? 'clf' : 'json';
  const file = values.keep ?? join(tmpdir(), `traefik-parse-bench-${process.pid}.log`);
  const began = performance.now();
  const truth =
    existsSync(file) && values.keep ? undefined : await writeTraefikLog(file, { lines, seed: 2026, format });
  const size = (await stat(file)).size;
  const proxies = truth?.trustedProxies ?? ['10.0.0.2', '10.0.0.3'];
  process.stdout.write(
    `log: ${file} ${lines.toLocaleString('en')} ${format} lines, ${(size / 1e6).toFixed(0)} MB ` +
      `(${(size / lines).toFixed(0)} bytes/line), generated in ${((performance.now() - began) / 1000).toFixed(1)} s\n` +
      `node ${process.version}, ${process.arch}, one core per phase (child process)\n\n`,
  );
  const rows: string[] = [
    '| phase | wall s | CPU s | lines/s (CPU) | lines/s (wall) | MB/s (CPU) | events | filtered | skipped | peak RSS MB |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const phase of PHASES) {
    if (phase === 'json-parse-only' && format !== 'json') continue;
    const output = execFileSync(
      process.execPath,
      [process.argv[1], '--phase', phase, '--file', file, '--proxies', proxies.join(',')],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const result = JSON.parse(output.trim().split('\n').pop()!) as PhaseResult;
    const perSecond = (seconds: number) => Math.round(result.lines / seconds).toLocaleString('en');
    const row =
      `| ${phase} | ${result.seconds.toFixed(2)} | ${result.cpuSeconds.toFixed(2)} | ${perSecond(result.cpuSeconds)} | ` +
      `${perSecond(result.seconds)} | ${(size / 1e6 / result.cpuSeconds).toFixed(0)} | ${result.events.toLocaleString('en')} | ` +
      `${result.filtered.toLocaleString('en')} | ${result.skipped} | ${result.maxRssMb.toFixed(0)} |`;
    rows.push(row);
    process.stdout.write(`${row}\n`);
  }
  process.stdout.write(`\n${rows.join('\n')}\n`);
  if (!values.keep) await rm(file, { force: true });
}

async function runPhase(phase: Phase, file: string, proxies: string[]): Promise<PhaseResult> {
  const prefilter = phase.endsWith('+prefilter')
    ? createPrefilter(new SensitivePathMatcher().needles, SCANNER_USER_AGENTS)
    : undefined;
  const result: PhaseResult = {
    phase,
    seconds: 0,
    cpuSeconds: 0,
    lines: 0,
    events: 0,
    filtered: 0,
    skipped: 0,
    maxRssMb: 0,
  };
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  if (phase === 'json-parse-only') {
    // Reference: split the file into lines and JSON.parse every one, nothing else.
    const handle = await open(file, 'r');
    const buffer = Buffer.allocUnsafe(4 << 20);
    let carry = '';
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const text = carry + buffer.toString('utf8', 0, bytesRead);
      let start = 0;
      for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
        JSON.parse(text.slice(start, newline));
        result.lines++;
        start = newline + 1;
      }
      carry = text.slice(start);
    }
    await handle.close();
  } else if (phase.startsWith('replay')) {
    for await (const batch of replayFile(file, { trustedProxies: proxies, prefilter })) {
      result.lines += batch.stats.lines;
      result.events += batch.events.length;
      result.filtered += batch.stats.filtered;
      result.skipped += batch.stats.skipped;
    }
  } else {
    const db = openDatabase(':memory:');
    migrate(db, 'core', CORE_MIGRATIONS);
    const source = new TraefikFileSource({
      path: file,
      positions: new PositionStore(db),
      trustedProxies: proxies,
      prefilter,
      startAt: 'beginning',
    });
    for (;;) {
      const batch = await source.read();
      result.lines += batch.stats.lines;
      result.events += batch.events.length;
      result.filtered += batch.stats.filtered;
      result.skipped += batch.stats.skipped;
      source.commit(batch.position);
      if (!batch.hasMore) break;
    }
    await source.close();
  }
  result.seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  result.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  result.maxRssMb = process.resourceUsage().maxRSS / 1024;
  return result;
}
