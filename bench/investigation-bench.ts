// What the LLM investigation queue costs detection: new incidents ingested in auto mode without an LLM, and with the
// queue attached to a model that never answers (every incident waits for confirmation, the queue overflows).
// Usage: node bench/investigation-bench.ts [--incidents 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../src/config/load-config.ts';
import { scanBurst } from '../src/core/testing/log-events.ts';
import { ScriptedLlmServer } from '../src/llm/testing/scripted-llm-server.ts';
import { createBlocker } from '../src/network-guard/blocking/create-blocker.ts';
import { createInvestigationQueue } from '../src/network-guard/investigation/create-investigation-queue.ts';
import { NetworkGuard } from '../src/network-guard/network-guard.ts';
import { openStore } from '../src/store/store.ts';

const { values } = parseArgs({ options: { incidents: { type: 'string', default: '1000' } } });
const count = Number(values.incidents);
const dir = mkdtempSync(join(tmpdir(), 'bench-investigation-'));
const server = new ScriptedLlmServer();
const base = await server.start();
server.script(...Array.from({ length: count + 10 }, () => ({ kind: 'hang' as const })));

async function run(label: string, withLlm: boolean): Promise<void> {
  const config = defaultConfig({
    mode: 'auto',
    'database.path': join(dir, `${label}.db`),
    'audit.path': join(dir, `${label}.jsonl`),
    'blocking.blocker': 'none',
    ...(withLlm
      ? {
          'llm.service_type': 'url',
          'llm.url': `${base}/v1`,
          'llm.confirm_timeout': '1h',
          'llm.max_retries': 0,
          'llm.timeout': '2s',
        }
      : {}),
  });
  const store = openStore(config.database.path, config.audit.path);
  const guard = new NetworkGuard({ config, store, blocker: await createBlocker(config, store), source: 'bench' });
  const queue = withLlm ? createInvestigationQueue({ config, store, guard }) : undefined;
  const events = Array.from({ length: count }, (_, index) =>
    scanBurst(
      `198.${18 + Math.floor(index / 65536)}.${Math.floor(index / 256) % 256}.${index % 256}`,
      Date.now(),
      404,
      'curl/8.0',
    ),
  ).flat();
  const requestsBefore = server.requests.length;
  const cpu = process.cpuUsage();
  const started = performance.now();
  guard.observe(events);
  const outcomes = await guard.flush();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  console.log(
    `${label}: ${outcomes.length} incidents ingested in ${wallMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU ` +
      `(${(wallMs / outcomes.length).toFixed(2)} ms/incident wall); model requests sent meanwhile: ` +
      `${server.requests.length - requestsBefore}, answered: 0; statuses ${JSON.stringify(store.incidents.countsByStatus())}`,
  );
  if (queue) console.log(`  queue: ${JSON.stringify(queue.stats)}`);
  await queue?.stop();
  store.close();
}

await run('no LLM (blocks at once)', false);
await run('LLM that never answers (confirm_before_block, queue attached)', true);
await server.close();
rmSync(dir, { recursive: true, force: true });
