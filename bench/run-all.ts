// `npm run bench`: the speed figures of bench/README.md in one run, each benchmark in its own process (a fresh heap,
// its own peak RSS). Extra arguments go to the full-path benchmark (e.g. -- --lines 200000).
import { spawnSync } from 'node:child_process';

const extra = process.argv.slice(2);
const RUNS: Array<[string, string[]]> = [
  ['full path, JSON', ['bench/traefik-file-bench.ts', ...extra]],
  ['full path, CLF', ['bench/traefik-file-bench.ts', '--format', 'clf', ...extra]],
  ['CLI start-up', ['bench/cli-bench.ts']],
  ['idle daemon memory', ['bench/daemon-idle-bench.ts']],
  ['incident storm and a million one-probe clients', ['bench/detection-load-bench.ts']],
  ['the daemon tailing a million one-probe clients', ['bench/daemon-flood-bench.ts']],
  ['the daemon catching up on a million one-probe clients', ['bench/daemon-flood-bench.ts', '--backlog']],
  [
    'Elasticsearch: a window of 100,000 one-probe clients',
    ['bench/elasticsearch-flood-bench.ts', '--clients', '100000'],
  ],
];
let failed = 0;
for (const [title, args] of RUNS) {
  console.log(`\n## ${title}: node ${args.join(' ')}`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
console.log('\nThe real-Traefik figures (first probe to 403, detection lag, block latency): npm run bench:traefik');
process.exitCode = failed > 0 ? 1 : 0;
