// `node bench/elasticsearch-flood-bench.ts [--clients 1000000] [--page-size N] [--url …] [--drop]`
// Issue 18's attacker with many addresses, on the Elasticsearch path: a new address per document, each probing one
// sensitive path once (404), all in one hour, then `scan --from --to` of that hour through bin/devops-agent.js, as
// users run it. Prints the seconds, the incidents and the scan process's own peak RSS (VmHWM): detection pages the
// clients out of Elasticsearch and judges them a chunk at a time, so the peak must not grow with the clients a window
// holds (the daemon's target: 256 MB). The index is kept between runs of the same size (indexing 1M takes about a
// minute); --drop deletes it at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  deleteIndex,
  indexUnlessPresent,
  type TestRequest,
} from '../src/network-guard/elasticsearch/testing/traefik-documents.ts';
import { ensureTestbed } from '../testbed/testbed-env.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    clients: { type: 'string', default: '1000000' },
    drop: { type: 'boolean', default: false },
    'page-size': { type: 'string' },
  },
});
const url = values.url ?? process.env.ES_URL ?? (await ensureTestbed()).esUrl;
const clients = Number(values.clients);
const T0 = Date.parse('2026-11-30T08:00:00Z');
const HOUR = 3600_000;
const PATHS = ['/.env', '/.git/config', '/wp-config.php.bak', '/.aws/credentials', '/config.json.bak'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', 'python-requests/2.32.3'];

/** A new address per document, spread over /24s as a botnet's are (the daemon flood bench's addresses). */
const address = (i: number) =>
  `${11 + ((i >> 16) % 200)}.${((i * 7919) >> 8) & 255}.${(i * 31) & 255}.${(i % 250) + 1}`;

function* flood(): Generator<TestRequest> {
  for (let i = 0; i < clients; i++) {
    yield {
      time: T0 + Math.floor((i * HOUR) / clients),
      ip: address(i),
      path: PATHS[i % PATHS.length]!,
      status: 404,
      userAgent: AGENTS[i % AGENTS.length]!,
      host: 'shop.example.com',
      size: 19,
    };
  }
}

const index = `traefik-logs-flood-bench-${clients}`;
await indexUnlessPresent(url, index, clients, flood);
const dir = mkdtempSync(join(tmpdir(), 'es-flood-'));
const config = join(dir, 'config.yaml');
writeFileSync(
  config,
  [
    'mode: disabled',
    `database: { path: ${join(dir, 'agent.db')} }`,
    `audit: { path: ${join(dir, 'audit.jsonl')} }`,
    'blocking: { blocker: none }',
    `elasticsearch: { url: "${url}", index_pattern: ${index}, ingest_delay: 0, llm_queries: { investigate: false }${values['page-size'] ? `, page_size: ${values['page-size']}` : ''} }`,
    'detection: { crawlers: { verify: false } }',
    '',
  ].join('\n'),
);
const bin = new URL('../bin/devops-agent.js', import.meta.url).pathname;
const peakRss = new URL('./peak-rss.cjs', import.meta.url).pathname;
const range = ['--from', new Date(T0).toISOString(), '--to', new Date(T0 + HOUR).toISOString()];
const started = performance.now();
const scan = spawnSync(
  process.execPath,
  ['--require', peakRss, bin, 'scan', ...range, '--config', config, '--format', 'json'],
  { encoding: 'utf8', maxBuffer: 1024 ** 3 },
);
const seconds = (performance.now() - started) / 1000;
rmSync(dir, { recursive: true, force: true });
if (scan.status !== 0) throw new Error(`scan exited ${scan.status}:\n${scan.stderr.slice(-2000)}`);
const peak = Number(/peak-rss-kb (\d+)/.exec(scan.stderr)?.[1] ?? 0) / 1024;
const report = JSON.parse(scan.stdout) as { incidents: Array<{ threatType: string }>; stats: { lines: number } };
const byType = new Map<string, number>();
for (const incident of report.incidents) byType.set(incident.threatType, (byType.get(incident.threatType) ?? 0) + 1);
console.log(
  `Elasticsearch, ${clients} one-probe clients in one hour: ${report.stats.lines} documents scanned in ${seconds.toFixed(1)} s (start-up included), incidents ${JSON.stringify(Object.fromEntries(byType))}, peak RSS ${peak.toFixed(0)} MB (target 256 MB)`,
);
if (values.drop) await deleteIndex(url, index);
