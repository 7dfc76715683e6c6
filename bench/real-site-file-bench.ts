// `node bench/real-site-file-bench.ts [--visitors 20000] [--scanners 5000]`
// The incident storm on the file path: a single-page app whose every visitor fetches its runtime config
// (/config.js, /env.js, /assets/config.json: sensitive-looking names, public content) plus thousands of scanners,
// replayed with `scan` semantics (site profile warm-up, batched incident writes). Prints lines/s and the incidents.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../src/config/load-config.ts';
import { openRuntime } from '../src/network-guard/agent-runtime.ts';
import { NetworkGuard } from '../src/network-guard/network-guard.ts';
import { siteRequestLine } from '../src/network-guard/sample-traffic/real-site-traffic.ts';
import { scanTraefikFile } from '../src/network-guard/traefik-file-pipeline.ts';
import { shopStormTraffic } from './shop-storm-traffic.ts';

const { values } = parseArgs({
  options: { visitors: { type: 'string', default: '20000' }, scanners: { type: 'string', default: '5000' } },
});
const visitors = Number(values.visitors);
const scanners = Number(values.scanners);
// Visitors spread over 80 /8s so that no /24 looks like a campaign.
const requests = [
  ...shopStormTraffic(visitors, scanners, (v) => `${11 + (v % 80)}.${(v >> 8) & 255}.${v & 255}.${(v % 250) + 1}`),
];
requests.sort((a, b) => a.time - b.time);
const dir = mkdtempSync(join(tmpdir(), 'real-site-bench-'));
const log = join(dir, 'access.log');
writeFileSync(log, `${requests.map(siteRequestLine).join('\n')}\n`);
const config = defaultConfig({
  mode: 'review',
  'database.path': join(dir, 'agent.db'),
  'audit.path': join(dir, 'audit.jsonl'),
  'blocking.blocker': 'none',
  'detection.crawlers.verify': false,
});
const runtime = await openRuntime(config);
const guard = new NetworkGuard({ config, store: runtime.store, blocker: runtime.blocker, source: 'bench' });
const result = await scanTraefikFile(guard, config, log);
const incidents = runtime.store.db
  .prepare('SELECT threat_type, COUNT(*) AS n FROM incidents GROUP BY threat_type')
  .all();
console.log(
  `${result.stats.lines} lines in ${result.seconds.toFixed(2)} s (${Math.round(result.stats.lines / result.seconds)} lines/s), incidents ${JSON.stringify(incidents)}`,
);
runtime.close();
