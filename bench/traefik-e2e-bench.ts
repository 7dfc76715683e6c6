// A real Traefik, the real daemon and a scanner on loopback, timed end to end, for the file provider and the CRD path.
// Usage: npm run bench:traefik [-- --runs 10]
// Per run a new scanner address (127.0.1.x) probes six sensitive paths, then polls / every 10 ms until it gets 403.
//   first probe -> first 403: what the scanner sees (detection + block + Traefik reload).
//   detection lag: the probe that crossed the threshold (5 distinct sensitive paths) sent -> incident detected_at
//   (Traefik answers and logs it, the tail wakes on inotify, parses, detects, records).
//   block-apply latency: the block written (action applied_at) -> the first 403 Traefik answered.
// `file-polling` is the file path with `sources.traefik_file.watch: false` (polling every second only).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { startAgent, writeAgentConfig } from '../src/network-guard/testing/agent-process.ts';
import { agentIsTailing } from '../src/network-guard/testing/guard-scenario.ts';
import { get, SCANNER_PATHS, startBackend, waitFor } from '../src/network-guard/testing/loopback-clients.ts';
import { setUpCrdFixture } from '../src/network-guard/testing/traefik-crd-fixture.ts';
import { PLUGIN_ALIAS, startTraefik, writeFileRoutes } from '../src/network-guard/testing/traefik-process.ts';
import { ensureTestbed } from '../testbed/testbed-env.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const env = await ensureTestbed();
const backend = await startBackend();

interface Sample {
  firstProbeTo403: number;
  detectionLag: number;
  blockApply: number;
}

async function measure(url: string, database: string, scanner: string): Promise<Sample> {
  const sent: number[] = [];
  const firstProbe = Date.now();
  for (const path of SCANNER_PATHS) {
    sent.push(Date.now());
    await get(url, { from: scanner, path });
  }
  let first403 = 0;
  await waitFor(
    async () => {
      const forbidden = (await get(url, { from: scanner })) === 403;
      if (forbidden) first403 = Date.now();
      return forbidden;
    },
    30_000,
    () => `${scanner} never got 403`,
  );
  const db = new DatabaseSync(database, { readOnly: true });
  try {
    const row = db
      .prepare(
        `SELECT i.detected_at AS detected, a.applied_at AS applied FROM incidents i
         JOIN actions a ON a.incident_id = i.id AND a.applied_at IS NOT NULL WHERE i.ip_address = ?`,
      )
      .get(scanner) as { detected: string; applied: string };
    return {
      firstProbeTo403: first403 - firstProbe,
      detectionLag: Date.parse(row.detected) - sent[4],
      blockApply: first403 - Date.parse(row.applied),
    };
  } finally {
    db.close();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function benchPath(
  name: 'file' | 'file-polling' | 'crd',
  firstHost: number,
): Promise<Record<keyof Sample, number[]>> {
  const dir = mkdtempSync(join(tmpdir(), `bench-traefik-${name}-`));
  const dynamic = join(dir, 'dynamic');
  let providers: Record<string, unknown>;
  let blocking: Record<string, unknown>;
  let kubernetes: Record<string, unknown> | undefined;
  if (name !== 'crd') {
    writeFileRoutes(dynamic, backend.port);
    providers = { file: { directory: dynamic, watch: true } };
    blocking = {
      blocker: 'traefik-file',
      protect_private_ranges: false,
      traefik_file: { path: join(dynamic, 'devops-agent-denylist.yaml'), plugin_name: PLUGIN_ALIAS },
    };
  } else {
    const fixture = await setUpCrdFixture(env.kubeconfig, dir, backend.port, '127.0.0.250');
    providers = fixture.provider;
    blocking = { blocker: 'kubernetes', protect_private_ranges: false };
    kubernetes = {
      kubeconfig: env.kubeconfigRestricted,
      namespaces: [fixture.namespace],
      pattern: 'denyip-middleware',
      target: { namespace: fixture.namespace, name: fixture.middleware },
    };
  }
  const traefik = await startTraefik({
    bin: env.traefikBin,
    pluginsDir: env.traefikPluginsDir,
    dir: join(dir, 'traefik'),
    accessLog: { format: 'json', keepHeaders: ['User-Agent'] },
    providers,
  });
  const database = join(dir, 'agent.db');
  const config = writeAgentConfig(dir, 'agent', {
    mode: 'auto',
    database: { path: database },
    audit: { path: join(dir, 'audit.jsonl') },
    // file-polling: inotify off, so the tail only looks every poll_interval (1 s): what the watch saves.
    sources: { traefik_file: { path: traefik.accessLog, start_at: 'end', watch: name !== 'file-polling' } },
    blocking,
    ...(kubernetes ? { kubernetes, workloads: { enabled: false } } : {}),
    web: { enabled: false },
  });
  const agent = startAgent(config);
  const samples: Record<keyof Sample, number[]> = { firstProbeTo403: [], detectionLag: [], blockApply: [] };
  try {
    await waitFor(async () => (await get(traefik.url, { from: '127.0.0.7' })) === 200, 30_000, agent.output);
    await agentIsTailing(traefik.url, database);
    for (let run = 0; run < runs; run++) {
      const sample = await measure(traefik.url, database, `127.0.1.${firstHost + run}`);
      for (const key of Object.keys(samples) as (keyof Sample)[]) samples[key].push(sample[key]);
    }
  } finally {
    await agent.stop();
    await traefik.stop();
  }
  return samples;
}

const rows: string[] = [];
for (const [name, firstHost] of [
  ['file', 1],
  ['file-polling', 51],
  ['crd', 101],
] as const) {
  const samples = await benchPath(name, firstHost);
  for (const [metric, list] of Object.entries(samples)) {
    rows.push(
      `| ${name} | ${metric} | ${percentile(list, 50)} | ${percentile(list, 95)} | ${Math.min(...list)} | ${Math.max(...list)} | ${list.length} |`,
    );
  }
}
backend.server.closeAllConnections();
backend.server.close();
console.log(`Traefik ${env.traefikBin}, ${runs} runs per path, milliseconds`);
console.log('| path | metric | p50 | p95 | min | max | runs |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
