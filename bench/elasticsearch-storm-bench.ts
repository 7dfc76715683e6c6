// `node bench/elasticsearch-storm-bench.ts [--visitors 20000] [--scanners 5000] [--url …] [--keep]`
// The crash: a single-page app whose every visitor fetches /config.js, /env.js and /assets/config.json (about
// 200,000 documents), plus thousands of scanners in the same hour, scanned from Elasticsearch with `scan --from --to`.
// Prints the documents, incidents, seconds and the peak heap/RSS of the process (sampled every 50 ms).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../src/config/load-config.ts';
import { openRuntime } from '../src/network-guard/agent-runtime.ts';
import { scanElasticsearch } from '../src/network-guard/elasticsearch/elasticsearch-source.ts';
import {
  deleteIndex,
  indexUnlessPresent,
  type TestRequest,
} from '../src/network-guard/elasticsearch/testing/traefik-documents.ts';
import { NetworkGuard } from '../src/network-guard/network-guard.ts';
import { ensureTestbed } from '../testbed/testbed-env.ts';
import { SHOP_PROBES, SHOP_STORM_T0, shopStormTraffic } from './shop-storm-traffic.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    visitors: { type: 'string', default: '20000' },
    scanners: { type: 'string', default: '5000' },
    keep: { type: 'boolean', default: false },
  },
});
const url = values.url ?? process.env.ES_URL ?? (await ensureTestbed()).esUrl;
const T0 = SHOP_STORM_T0;
const HOUR = 3600_000;
const visitors = Number(values.visitors);
const scanners = Number(values.scanners);

function traffic(): Generator<TestRequest> {
  const visitorIp = (v: number) =>
    `10.${(v >> 16) & 255}.${(v >> 8) & 255}.${v & 255}`.replace(/^10\./, `${11 + (v % 80)}.`);
  return shopStormTraffic(visitors, scanners, visitorIp);
}

const index = `traefik-logs-storm-bench-${visitors}-${scanners}`;
await indexUnlessPresent(url, index, visitors * 10 + scanners * SHOP_PROBES.length, traffic);
const dir = mkdtempSync(join(tmpdir(), 'es-storm-'));
const config = defaultConfig({
  mode: 'review',
  'database.path': join(dir, 'agent.db'),
  'audit.path': join(dir, 'audit.jsonl'),
  'blocking.blocker': 'none',
  'elasticsearch.url': url,
  'elasticsearch.index_pattern': index,
  'elasticsearch.ingest_delay': 0,
  'elasticsearch.llm_queries.investigate': false,
  'detection.crawlers.verify': false,
});
const runtime = await openRuntime(config);
const guard = new NetworkGuard({ config, store: runtime.store, blocker: runtime.blocker, source: 'elasticsearch' });
global.gc?.();
const baseline = process.memoryUsage();
let peakHeap = 0;
let peakRss = 0;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakHeap = Math.max(peakHeap, usage.heapUsed);
  peakRss = Math.max(peakRss, usage.rss);
}, 50);
const started = performance.now();
const summary = await scanElasticsearch(runtime, guard, { from: T0, to: T0 + HOUR }, undefined, {});
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
const incidents = runtime.store.db
  .prepare('SELECT threat_type, COUNT(*) AS n FROM incidents GROUP BY threat_type')
  .all();
console.log(
  `${summary.lines} documents, incidents ${JSON.stringify(incidents)}, ${seconds.toFixed(1)} s, peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MiB, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (before the scan: heap ${(baseline.heapUsed / 2 ** 20).toFixed(0)} MiB, RSS ${(baseline.rss / 2 ** 20).toFixed(0)} MiB)`,
);
runtime.close();
if (!values.keep) await deleteIndex(url, index);
