// Detection under load: an attacker with a million addresses (one /.env probe each) and an incident storm (10,000
// scanners, each flagged), against a same-size log with no attacker. Prints wall and CPU time and peak heap.
// Usage: node bench/detection-load-bench.ts [--clients 1000000] [--storm 10000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NetworkGuard } from '../src/network-guard/network-guard.ts';
import { fileBlockerGuardParts } from '../src/network-guard/testing/file-blocker-guard.ts';
import { scanTraefikFile } from '../src/network-guard/traefik-file-pipeline.ts';
import { writeLines } from './write-lines.ts';

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '1000000' }, storm: { type: 'string', default: '10000' } },
});
const dir = mkdtempSync(join(tmpdir(), 'detection-load-'));
const START = Date.parse('2026-11-21T08:00:00Z');
const PROBES = ['/.env', '/.git/config', '/wp-config.php.bak', '/.aws/credentials', '/config.json.bak', '/.ssh/id_rsa'];

function line(ip: string, path: string, status: number, time: number, agent = 'Mozilla/5.0 (X11; Linux x86_64)') {
  return `${JSON.stringify({
    ClientAddr: `${ip}:51234`,
    ClientHost: ip,
    DownstreamStatus: status,
    DownstreamContentSize: 153,
    RequestMethod: 'GET',
    RequestPath: path,
    RequestHost: 'shop.example.com',
    RequestProtocol: 'HTTP/1.1',
    RouterName: 'web@file',
    StartUTC: new Date(time).toISOString(),
    Duration: 120000,
    'request_User-Agent': agent,
  })}\n`;
}

const address = (index: number) =>
  `${11 + ((index >> 16) % 200)}.${(index >> 8) & 255}.${index & 255}.${(index % 250) + 1}`;

async function write(name: string, lines: Iterable<string>): Promise<string> {
  const path = join(dir, name);
  await writeLines(path, lines);
  return path;
}

function* distinctClients(count: number) {
  for (let index = 0; index < count; index++) yield line(address(index), '/.env', 404, START + index * 10);
}
function* ordinary(count: number) {
  for (let index = 0; index < count; index++)
    yield line(address(index % 5000), `/products/${index % 900}`, 200, START + index * 10);
}
function* storm(scanners: number, perScanner: number) {
  for (let index = 0; index < scanners * perScanner; index++) {
    const scanner = index % scanners;
    yield line(address(scanner), PROBES[Math.floor(index / scanners) % PROBES.length]!, 404, START + index * 10);
  }
}

async function scan(label: string, path: string): Promise<void> {
  const { config, store, blocker } = fileBlockerGuardParts(dir, { mode: 'disabled' }, { label, maxEntries: 1000 });
  const guard = new NetworkGuard({ config, store, blocker, source: 'bench' });
  const started = performance.now();
  const cpu = process.cpuUsage();
  let peakHeap = 0;
  const result = await scanTraefikFile(
    guard,
    config,
    path,
    () => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    },
    1,
  );
  const used = process.cpuUsage(cpu);
  const incidents = new Set(result.outcomes.map((outcome) => outcome.incident.id)).size;
  store.close();
  console.log(
    `${label.padEnd(34)} ${String(result.stats.lines).padStart(9)} lines  wall ${((performance.now() - started) / 1000).toFixed(2).padStart(6)} s  cpu ${((used.user + used.system) / 1e6).toFixed(2).padStart(6)} s  peak heap ${(peakHeap / 1e6).toFixed(0).padStart(4)} MB  ${incidents} incidents`,
  );
}

const clients = Number(values.clients);
const scanners = Number(values.storm);
const perScanner = 6;
await scan('ordinary traffic (baseline)', await write('ordinary.log', ordinary(scanners * perScanner)));
await scan(`incident storm: ${scanners} scanners`, await write('storm.log', storm(scanners, perScanner)));
await scan(`${clients} distinct one-probe clients`, await write('distinct.log', distinctClients(clients)));
console.log(`process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (all three runs, one thread)`);
rmSync(dir, { recursive: true, force: true });
