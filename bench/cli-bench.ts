// CLI start-up: wall time and peak RSS of one-shot commands, median of repeated runs (each a fresh process, the
// first of which fills the compile cache), started as users start them: bin/devops-agent.js (which sets the heap
// flags, see there).
// Usage: node bench/cli-bench.ts [--runs 7]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const main = new URL('../bin/devops-agent.js', import.meta.url).pathname;
const PEAK_RSS = new URL('./peak-rss.cjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cli-bench-'));
const config = join(dir, 'config.yaml');
writeFileSync(config, `database: { path: ${join(dir, 'agent.db')} }\naudit: { path: ${join(dir, 'audit.jsonl')} }\n`);

const COMMANDS: string[][] = [
  ['help'],
  ...[
    'run',
    'scan',
    'incidents',
    'allowlist',
    'unblock',
    'exec',
    'audit',
    'k8s',
    'workloads',
    'monitor',
    'bouncers',
  ].map((name) => [name, '--help']),
  ['exec', '--dry-run', '--command', 'ls -la /tmp', '--config', config],
  ['incidents', 'list', '--config', config],
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

console.log(`${'command'.padEnd(44)} ${'wall ms (median)'.padStart(17)} ${'peak RSS MB'.padStart(12)}`);
for (const args of COMMANDS) {
  const walls: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, ['--require', PEAK_RSS, main, ...args], { cwd: dir, encoding: 'utf8' });
    walls.push(performance.now() - started);
    rss.push(Number(/peak-rss-kb (\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024);
  }
  const label = args.map((arg) => (arg === config ? '<config>' : arg)).join(' ');
  console.log(`${label.padEnd(44)} ${median(walls).toFixed(0).padStart(17)} ${median(rss).toFixed(0).padStart(12)}`);
}
rmSync(dir, { recursive: true, force: true });
