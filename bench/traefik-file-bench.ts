// The full network-guard path on a Traefik access log: read, prefilter, parse, resolve client IP, detect, record.
// Usage: npm run bench [-- --lines 1000000 --format json|clf --keep]
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NetworkGuard } from '../src/network-guard/network-guard.ts';
import { writeTraefikLog } from '../src/network-guard/sample-traffic/generate-traefik-log.ts';
import { fileBlockerGuardParts } from '../src/network-guard/testing/file-blocker-guard.ts';
import { scanTraefikFile } from '../src/network-guard/traefik-file-pipeline.ts';
import { replayFile } from '../src/network-guard/traefik-log/replay-file.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    format: { type: 'string', default: 'json' },
    keep: { type: 'boolean' },
  },
});
const lines = Number(values.lines);
const format = values.format === 'clf' ? 'clf' : 'json';
const dir = mkdtempSync(join(tmpdir(), 'bench-'));
const log = join(process.env.BENCH_LOG_DIR ?? dir, `traefik-${format}-${lines}.log`);

if (!existsSync(log)) {
  const started = performance.now();
  await writeTraefikLog(log, { lines, seed: 11, format });
  console.log(
    `generated ${lines} ${format} lines (${(statSync(log).size / 1e6).toFixed(0)} MB) in ${((performance.now() - started) / 1000).toFixed(1)}s`,
  );
}
const bytes = statSync(log).size;
console.log(`log: ${log}, ${(bytes / lines).toFixed(0)} bytes/line on average`);

async function run(label: string, prefilter: boolean, threads = 1): Promise<void> {
  const { config, store, blocker } = fileBlockerGuardParts(
    dir,
    { mode: 'disabled', trusted_proxies: ['10.0.0.2', '10.0.0.3'] },
    { label, maxEntries: 1000 },
  );
  const guard = new NetworkGuard({ config, store, blocker, source: 'bench' });
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let read = 0;
  let incidents = 0;
  if (prefilter) {
    const result = await scanTraefikFile(guard, config, log, undefined, threads);
    read = result.stats.lines;
    incidents = new Set(result.outcomes.map((outcome) => outcome.incident.id)).size;
  } else {
    for await (const batch of replayFile(log, { format, trustedProxies: config.trusted_proxies })) {
      guard.observe(batch.events);
      read += batch.stats.lines;
      incidents += (await guard.flush()).filter((outcome) => outcome.created).length;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  store.close();
  // CPU time is what one core spent; wall time also counts waiting for a busy machine.
  console.log(
    `${label.padEnd(26)} ${String(read).padStart(8)} lines  wall ${seconds.toFixed(2).padStart(6)} s  cpu ${cpuSeconds.toFixed(2).padStart(6)} s  ${Math.round(
      read / cpuSeconds,
    )
      .toLocaleString('en-US')
      .padStart(10)} lines/cpu-s  ${Math.round(read / seconds)
      .toLocaleString('en-US')
      .padStart(
        10,
      )} lines/wall-s  ${(bytes / 1e6 / cpuSeconds).toFixed(0).padStart(5)} MB/cpu-s  ${incidents} incidents`,
  );
}

await run('full path, prefilter on', true);
await run(`prefilter on, ${availableParallelism()} threads`, true, availableParallelism());
await run('full path, prefilter off', false);
console.log(
  `peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (node ${process.versions.node}, one thread)`,
);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
