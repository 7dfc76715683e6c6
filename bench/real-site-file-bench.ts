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
import { type SiteRequest, siteRequestLine } from '../src/network-guard/sample-traffic/real-site-traffic.ts';
import { scanTraefikFile } from '../src/network-guard/traefik-file-pipeline.ts';

const { values } = parseArgs({
  options: { visitors: { type: 'string', default: '20000' }, scanners: { type: 'string', default: '5000' } },
});
const visitors = Number(values.visitors);
const scanners = Number(values.scanners);
const T0 = Date.parse('2026-11-24T09:00:00Z');
const HOUR = 3600_000;
const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0';
const PROBES = ['/.env', '/.git/config', '/wp-config.php.bak', '/backup.sql', '/.aws/credentials', '/.ssh/id_rsa'];
const requests: SiteRequest[] = [];
for (let v = 0; v < visitors; v++) {
  const ip = `${11 + (v % 80)}.${(v >> 8) & 255}.${v & 255}.${(v % 250) + 1}`;
  const time = T0 + Math.floor((v / visitors) * (HOUR - 60_000));
  const base = { ip, host: 'shop.example', status: 200, userAgent: BROWSER };
  for (const [offset, path, size] of [
    [0, '/', 4312],
    [100, '/config.js', 1840],
    [200, '/env.js', 611],
    [300, '/assets/config.json', 977],
    [4000, `/products/${v % 900}`, 4312],
    [9000, '/config.js', 1840],
    [9100, '/env.js', 611],
    [9200, '/assets/config.json', 977],
    [15000, `/products/${(v * 7) % 900}`, 4312],
    [15100, '/config.js', 1840],
  ] as const)
    requests.push({ ...base, time: time + offset, path, size });
}
for (let s = 0; s < scanners; s++) {
  const ip = `203.${(s >> 8) & 255}.${s & 255}.${(s % 200) + 1}`;
  for (const [index, path] of PROBES.entries())
    requests.push({
      time: T0 + ((s * 700) % (HOUR - 10_000)) + index * 300,
      ip,
      host: 'shop.example',
      path,
      status: 404,
      size: 19,
      userAgent: 'curl/8.5.0',
    });
}
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
