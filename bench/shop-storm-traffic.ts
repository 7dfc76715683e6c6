// The incident storm as requests, shared by the file and Elasticsearch benches: a single-page shop whose every
// visitor fetches its runtime config (/config.js, /env.js, /assets/config.json: sensitive-looking names, public
// content) ten times in fifteen seconds, plus `scanners` scanners probing six secrets each, all in one hour from T0.
import type { SiteRequest } from '../src/network-guard/sample-traffic/real-site-traffic.ts';

export const SHOP_STORM_T0 = Date.parse('2026-11-24T09:00:00Z');
export const SHOP_PROBES = [
  '/.env',
  '/.git/config',
  '/wp-config.php.bak',
  '/backup.sql',
  '/.aws/credentials',
  '/.ssh/id_rsa',
];
const HOUR = 3600_000;
const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0';

/** Requests per visitor: 10; per scanner: SHOP_PROBES.length. `visitorIp` spreads visitors over addresses. */
export function* shopStormTraffic(
  visitors: number,
  scanners: number,
  visitorIp: (visitor: number) => string,
): Generator<SiteRequest> {
  for (let v = 0; v < visitors; v++) {
    const time = SHOP_STORM_T0 + Math.floor((v / visitors) * (HOUR - 60_000));
    const base = { ip: visitorIp(v), host: 'shop.example', status: 200, userAgent: BROWSER };
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
      yield { ...base, time: time + offset, path, size };
  }
  for (let s = 0; s < scanners; s++) {
    const ip = `203.${(s >> 8) & 255}.${s & 255}.${(s % 200) + 1}`;
    for (const [index, path] of SHOP_PROBES.entries())
      yield {
        time: SHOP_STORM_T0 + ((s * 700) % (HOUR - 10_000)) + index * 300,
        ip,
        host: 'shop.example',
        path,
        status: 404,
        size: 19,
        userAgent: 'curl/8.5.0',
      };
  }
}
