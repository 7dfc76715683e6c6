// The idle daemon's memory: `npm start`'s defaults (review mode, the sample log generated and replayed, the review
// page on), started as users start it (bin/devops-agent.js), measured from /proc after it has been quiet a while.
// The first run fills the compile cache, as a first start after an install does; the median is over the later runs.
// Usage: node bench/daemon-idle-bench.ts [--runs 4] [--seconds 25] [--port 18080]   (Linux: reads /proc)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '25' },
    port: { type: 'string', default: '18080' },
  },
});
const bin = new URL('../bin/devops-agent.js', import.meta.url).pathname;
const defaults = new URL('../config/default.yaml', import.meta.url).pathname;

function memory(pid: number): Record<string, number> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

const samples: Array<Record<string, number>> = [];
for (let run = 0; run < Number(values.runs); run++) {
  const dir = mkdtempSync(join(tmpdir(), 'daemon-idle-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, readFileSync(defaults, 'utf8').replace('127.0.0.1:8080', `127.0.0.1:${values.port}`));
  const daemon = spawn(process.execPath, [bin, '--config', config], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  daemon.stderr.on('data', (chunk) => (stderr += chunk));
  await sleep(Number(values.seconds) * 1000);
  if (daemon.exitCode !== null) throw new Error(`the daemon exited early:\n${stderr}`);
  const sample = memory(daemon.pid!);
  samples.push(sample);
  daemon.kill('SIGTERM');
  await new Promise((resolve) => daemon.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  console.log(
    `run ${run + 1}${run === 0 ? ' (compile cache filled)' : ''}: RSS ${mb(sample.rss!)} MB (anonymous ${mb(sample.anon!)}, file-backed ${mb(sample.file!)})`,
  );
}
const later = samples
  .slice(1)
  .map((sample) => sample.rss!)
  .sort((a, b) => a - b);
const median = later[Math.floor(later.length / 2)] ?? samples[0]!.rss!;
console.log(`idle daemon after ${values.seconds} s: median RSS ${(median / 1024).toFixed(1)} MB (target 120 MB)`);
