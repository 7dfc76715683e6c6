// `node bench/bouncer-stream-bench.ts [--blocks 10000] [--runs 20]`
// The CrowdSec bouncer API over real HTTP at blocking.max_entries active blocks: a startup pull (everything), a pull
// with nothing changed (what a bouncer does every update_frequency), and a pull after 100 unblocks. Client and server
// share this process, so CPU time covers both ends.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../src/config/load-config.ts';
import { openRuntime } from '../src/network-guard/agent-runtime.ts';
import { BouncerStore } from '../src/network-guard/bouncer-api/bouncer-store.ts';
import { startWebServer } from '../src/web/web-server.ts';

const { values } = parseArgs({
  options: { blocks: { type: 'string', default: '10000' }, runs: { type: 'string', default: '20' } },
});
const blocks = Number(values.blocks);
const runs = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), 'bouncer-bench-'));
const config = defaultConfig({
  'database.path': join(dir, 'agent.db'),
  'audit.path': join(dir, 'audit.jsonl'),
  'blocking.blocker': 'none',
  'web.listen': '127.0.0.1:0',
});
const runtime = await openRuntime(config);
const expires = new Date(Date.now() + 86_400_000).toISOString();
const ids = runtime.store.transaction(() =>
  Array.from({ length: blocks }, (_, index) => {
    const target = `${100 + Math.floor(index / 65_536)}.${Math.floor(index / 256) % 256}.${index % 256}.7`;
    return runtime.store.blocks.add(target, 'traefik-file', null, expires).id;
  }),
);
const key = new BouncerStore(runtime.store.db).add('bench').key;
const server = await startWebServer({ runtime, listen: config.web.listen });

async function pull(startup: boolean) {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const response = await fetch(`${server.url}/v1/decisions/stream?startup=${startup}`, {
    headers: { 'X-Api-Key': key, 'User-Agent': 'bench/1' },
  });
  const body = (await response.json()) as { new: unknown[]; deleted: unknown[] };
  const used = process.cpuUsage(cpu);
  return {
    wallMs: performance.now() - wall,
    cpuMs: (used.user + used.system) / 1000,
    new: body.new.length,
    deleted: body.deleted.length,
  };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(label: string, prepare: () => void, startup: boolean) {
  const results = [];
  for (let run = 0; run < runs; run++) {
    prepare();
    results.push(await pull(startup));
  }
  console.log(
    `${label.padEnd(34)} new ${String(results[0].new).padStart(6)}  deleted ${String(results[0].deleted).padStart(4)}  ` +
      `median CPU ${median(results.map((r) => r.cpuMs)).toFixed(1)} ms  wall ${median(results.map((r) => r.wallMs)).toFixed(1)} ms`,
  );
}

console.log(`${blocks} active blocks, ${runs} runs each, Node ${process.versions.node}`);
await measure('startup=true (everything)', () => {}, true);
await measure('startup=false, nothing changed', () => {}, false);
let next = 0;
await measure(
  'startup=false after 100 unblocks',
  () => {
    for (let count = 0; count < 100; count++) runtime.store.blocks.markRemoved(ids[next++], 'unblocked');
  },
  false,
);
await server.close();
runtime.close();
