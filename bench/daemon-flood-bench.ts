// The daemon under a flood of new addresses: one `/.env` probe from each of a million clients, in Traefik v3's own
// JSON shape (sorted keys, every field, the user agent kept: about 920 bytes a line), appended at once to the file
// the running daemon tails (started through bin/devops-agent.js, as users start it). Prints how long the daemon takes
// to read it all (from the first byte written to its lines counter reaching the total, polled on /metrics) and its
// peak RSS (VmHWM from /proc).
// Usage: node bench/daemon-flood-bench.ts [--clients 1000000] [--runs 1] [--short] [--backlog] [--port 18190]   (Linux;
// writes a flood of about 1 GB, or 280 MB with --short, to the temp directory, and removes it on exit)
//   --short writes 280-byte lines with fewer fields instead.
//   --backlog writes the flood before the daemon starts (a daemon catching up after downtime; the time counts from
//   its start): the daemon alone, not racing a writer on the same cores.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { writeLines } from './write-lines.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '1' },
    short: { type: 'boolean', default: false },
    backlog: { type: 'boolean', default: false },
    port: { type: 'string', default: '18190' },
  },
});
const clients = Number(values.clients);
const bin = new URL('../bin/devops-agent.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'daemon-flood-'));
const START = Date.parse('2026-12-01T08:00:00Z');
const PATHS = [
  '/.env',
  '/.git/config',
  '/wp-config.php.bak',
  '/.aws/credentials',
  '/config.json.bak',
  '/.env.production',
];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'python-requests/2.32.3',
];

/** A new address per line, spread over /24s as a botnet's are. */
const address = (i: number) =>
  `${11 + ((i >> 16) % 200)}.${((i * 7919) >> 8) & 255}.${(i * 31) & 255}.${(i % 250) + 1}`;

function traefikLine(i: number): string {
  const ip = address(i);
  const port = 1024 + (i % 60000);
  const time = new Date(START + i * 3).toISOString().replace('Z', '123456Z');
  const duration = 1000000 + (i % 9000000);
  return `{"ClientAddr":"${ip}:${port}","ClientHost":"${ip}","ClientPort":"${port}","ClientUsername":"-","DownstreamContentSize":19,"DownstreamStatus":404,"Duration":${duration},"OriginContentSize":19,"OriginDuration":${duration - 250000},"OriginStatus":404,"Overhead":250000,"RequestAddr":"shop.example.com","RequestContentSize":0,"RequestCount":${i + 1},"RequestHost":"shop.example.com","RequestMethod":"GET","RequestPath":"${PATHS[i % PATHS.length]}","RequestPort":"-","RequestProtocol":"HTTP/1.1","RequestScheme":"https","RetryAttempts":0,"RouterName":"shop@kubernetescrd","ServiceAddr":"10.42.0.17:8080","ServiceName":"shop-web-8080@kubernetescrd","ServiceURL":"http://10.42.0.17:8080","StartLocal":"${time}","StartUTC":"${time}","entryPointName":"websecure","level":"info","msg":"","request_User-Agent":"${AGENTS[i % AGENTS.length]}","time":"${time.slice(0, 19)}Z"}\n`;
}

function shortLine(i: number): string {
  const ip = address(i);
  return `${JSON.stringify({ ClientAddr: `${ip}:51234`, ClientHost: ip, DownstreamStatus: 404, RequestMethod: 'GET', RequestPath: '/.env', RequestHost: 'shop.example.com', RouterName: 'web@file', StartUTC: new Date(START + i * 10).toISOString(), 'request_User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' })}\n`;
}

function* flood(): Generator<string> {
  for (let i = 0; i < clients; i++) yield values.short ? shortLine(i) : traefikLine(i);
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function linesRead(port: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
  if (!response?.ok) return -1;
  const match = /^devops_agent_log_lines_total\{source="traefik-file"\} (\d+)/m.exec(await response.text());
  return match ? Number(match[1]) : 0;
}

const floodPath = join(dir, 'flood.log');
const results: Array<{ seconds: number; rss: number }> = [];
process.on('exit', () => rmSync(dir, { recursive: true, force: true })); // the flood is about 1 GB: never left behind
await writeLines(floodPath, flood());
for (let run = 0; run < Number(values.runs); run++) {
  const runDir = mkdtempSync(join(dir, 'run-'));
  const log = join(runDir, 'access.log');
  writeFileSync(log, '');
  const config = join(runDir, 'config.yaml');
  writeFileSync(
    config,
    [
      'mode: disabled',
      `sources: { traefik_file: { path: ${log}, start_at: beginning } }`,
      `database: { path: ${join(runDir, 'agent.db')} }`,
      `blocking: { blocker: traefik-file, traefik_file: { path: ${join(runDir, 'deny.yaml')} } }`,
      `web: { enabled: true, listen: "127.0.0.1:${values.port}" }`,
      '',
    ].join('\n'),
  );
  const copyFlood = () => pipeline(createReadStream(floodPath), createWriteStream(log, { flags: 'a' }));
  if (values.backlog) await copyFlood();
  const spawned = performance.now();
  const daemon = spawn(process.execPath, [bin, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  process.once('exit', () => daemon.kill('SIGKILL'));
  let stderr = '';
  daemon.stderr.on('data', (data) => (stderr += data));
  while ((await linesRead(values.port)) < 0) {
    if (daemon.exitCode !== null) throw new Error(`the daemon exited:\n${stderr}`);
    await sleep(100);
  }
  const started = values.backlog ? spawned : performance.now();
  if (!values.backlog) await copyFlood();
  while ((await linesRead(values.port)) < clients) {
    if (daemon.exitCode !== null) throw new Error(`the daemon exited:\n${stderr}`);
    await sleep(values.backlog ? 200 : 50);
  }
  const seconds = (performance.now() - started) / 1000;
  const rss = peakRssMb(daemon.pid!);
  results.push({ seconds, rss });
  daemon.kill('SIGTERM');
  await new Promise((resolve) => daemon.once('exit', resolve));
  console.log(
    `run ${run + 1}: ${clients} new clients read in ${seconds.toFixed(2)} s (${Math.round(clients / seconds)} lines/s), peak RSS ${rss.toFixed(0)} MB`,
  );
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
console.log(
  `daemon, ${clients} one-probe clients (${values.short ? 'about 280' : 'about 920'}-byte lines${values.backlog ? ', a backlog' : ''}): median ${median(results.map((r) => r.seconds)).toFixed(2)} s, peak RSS ${median(results.map((r) => r.rss)).toFixed(0)} MB (target 256 MB)`,
);
