import { Prng } from '../../core/prng.ts';

/** One request of a real-looking site, as both the file writer and the Elasticsearch loader take it. */
export interface SiteRequest {
  time: number;
  ip: string;
  host: string;
  path: string;
  status: number;
  size: number;
  userAgent: string;
}

/** What a client is, and what the guard must conclude about it (its key: an IP, a /64, a /24, a /48 or a fingerprint). */
export interface LabelledActor {
  key: string;
  role: string;
  /** The findings it must produce: none for ordinary clients. */
  expected: Array<'secrets_scanning' | 'secret_exposure'>;
}

export interface RealSiteTraffic {
  requests: SiteRequest[];
  actors: LabelledActor[];
}

const SPA = 'shop.example';
const BLOG = 'blog.example';
const API = 'api.example';
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
];
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const PROBES = [
  '/.env',
  '/.git/config',
  '/.git',
  '/wp-config.php.bak',
  '/backup.sql',
  '/.aws/credentials',
  '/config/database.yml',
  '/.ssh/id_rsa',
  '/terraform.tfstate',
  '/actuator/env',
  '/.bash_history',
  '/.npmrc',
];

/**
 * An hour of three ordinary sites, a single-page shop (runtime config files served to every browser, the index page
 * for every unknown path), a WordPress blog and an API, with labelled actors for every class the guard must tell
 * apart: visitors, a corporate NAT, uptime monitors, a real crawler following a blog's links, an ACME validator, a
 * poller with an expired token; and scanners: a burst against the SPA (every probe answered by the fallback page), a
 * slow scanner, a scanner that finds a real leak, a crawler spoofer, a /24 campaign, an IPv6 /48 campaign and a
 * botnet sharing one probe fingerprint. Sizes, rates and client counts are drawn from ranges (seeded), so tests do not
 * lean on one constant.
 */
export function generateRealSiteTraffic(start: number, seed: number | string = 19): RealSiteTraffic {
  const random = new Prng(seed);
  const requests: SiteRequest[] = [];
  const actors: LabelledActor[] = [];
  const hour = 3600_000;
  const at = (offset: number) => start + Math.max(0, Math.min(hour - 1, Math.round(offset)));
  const push = (time: number, ip: string, host: string, path: string, status: number, size: number, agent: string) =>
    requests.push({ time, ip, host, path, status, size, userAgent: agent });
  const indexSize = random.int(3800, 5200);
  const configSizes = {
    '/config.js': random.int(400, 2400),
    '/env.js': random.int(200, 900),
    '/assets/config.json': random.int(300, 1600),
  };

  // Visitors of the SPA: each loads the index, the runtime config files, assets and a few routes.
  const visitors = random.int(150, 260);
  for (let v = 0; v < visitors; v++) {
    const ip = `${random.int(11, 90)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
    const agent = random.pick(BROWSERS);
    let time = random.int(0, hour - 120_000);
    push(at(time), ip, SPA, '/', 200, indexSize, agent);
    for (const [path, size] of Object.entries(configSizes)) {
      time += random.int(20, 400);
      push(at(time), ip, SPA, path, 200, size, agent);
    }
    for (let page = random.int(1, 6); page > 0; page--) {
      time += random.int(2000, 30000);
      push(at(time), ip, SPA, `/products/${random.int(1, 900)}`, 200, indexSize, agent);
    }
    if (random.chance(0.3))
      push(at(time + 500), ip, BLOG, `/2026/11/post-${random.int(1, 40)}/`, 200, random.int(20000, 60000), agent);
  }
  actors.push({
    key: 'visitors',
    role: 'SPA visitors fetching /config.js, /env.js, /assets/config.json',
    expected: [],
  });

  // A corporate NAT: one address, many browsers, every page view refetches the runtime config.
  const nat = '198.51.100.77';
  for (let time = 0; time < hour - 1000; ) {
    time += random.int(300, 3000);
    const [path, size] = random.pick(Object.entries(configSizes));
    push(at(time), nat, SPA, path, 200, size, random.pick(BROWSERS));
  }
  actors.push({ key: nat, role: 'corporate NAT', expected: [] });

  // Monitors: /server-status (403) on the blog and /actuator/health (200) on the API, every 10 s.
  for (let time = random.int(0, 9000); time < hour; time += 10_000) {
    push(at(time), '192.0.2.10', BLOG, '/server-status', 403, 199, 'UptimeRobot/2.0; http://www.uptimerobot.com/');
    push(at(time + 17), '192.0.2.11', API, '/actuator/health', 200, 15, 'kube-probe/1.31');
  }
  actors.push({ key: '192.0.2.10', role: 'uptime monitor on /server-status', expected: [] });
  actors.push({ key: '192.0.2.11', role: 'health probe on /actuator/health', expected: [] });

  // A customer integration polling one path with an expired token every 15 s.
  for (let time = random.int(0, 14000); time < hour; time += 15_000)
    push(at(time), '203.0.113.150', API, '/api/v1/secrets', 401, 52, 'python-requests/2.32.3');
  actors.push({ key: '203.0.113.150', role: 'poller with an expired token', expected: [] });

  // ACME validation from several vantage points.
  for (let index = 0; index < 4; index++)
    push(
      at(600_000 + index * 400),
      `23.178.112.${100 + index}`,
      SPA,
      `/.well-known/acme-challenge/${random.hex(43)}`,
      200,
      87,
      "Mozilla/5.0 (compatible; Let's Encrypt validation server; +https://www.letsencrypt.org)",
    );
  actors.push({ key: '23.178.112.100', role: 'ACME validator', expected: [] });

  // A real crawler follows the blog post's links to the files it warns about (404 each). Flagged for verification:
  // the guard's reverse-DNS check clears it (tested with a DNS server); the detectors report the claim.
  for (const [index, path] of PROBES.slice(0, 6).entries())
    push(at(900_000 + index * random.int(30_000, 90_000)), '66.249.66.1', BLOG, path, 404, 1250, GOOGLEBOT);
  actors.push({
    key: '66.249.66.1',
    role: 'Googlebot following links (verified by reverse DNS)',
    expected: ['secrets_scanning'],
  });

  // Scanners.
  for (let index = 0; index < 70; index++)
    push(
      at(1_200_000 + index * random.int(300, 700)),
      '203.0.113.45',
      SPA,
      PROBES[index % PROBES.length],
      200,
      indexSize,
      'Go-http-client/1.1',
    );
  actors.push({
    key: '203.0.113.45',
    role: 'burst against the SPA (fallback page for every probe)',
    expected: ['secrets_scanning'],
  });
  for (const [index, path] of PROBES.slice(0, 7).entries())
    push(
      at(300_000 + index * random.int(240_000, 420_000)),
      '203.0.113.60',
      BLOG,
      path,
      path === '/wp-config.php.bak' ? 403 : 404,
      1250,
      random.pick(BROWSERS),
    );
  push(at(3_000_000), '203.0.113.60', BLOG, '/wp-config.php', 200, 0, random.pick(BROWSERS)); // PHP runs, prints nothing
  actors.push({
    key: '203.0.113.60',
    role: 'slow scanner (an empty 200 on wp-config.php is no leak)',
    expected: ['secrets_scanning'],
  });
  for (const [index, path] of PROBES.slice(1, 7).entries())
    push(at(2_000_000 + index * 1500), '203.0.113.80', API, path, 404, 19, 'curl/8.5.0');
  push(at(2_010_000), '203.0.113.80', API, '/.env', 200, random.int(300, 3000), 'curl/8.5.0');
  actors.push({
    key: '203.0.113.80',
    role: 'scanner that finds a real leak',
    expected: ['secrets_scanning', 'secret_exposure'],
  });
  for (const [index, path] of PROBES.slice(0, 4).entries())
    push(at(2_400_000 + index * 2000), '203.0.113.90', BLOG, path, 404, 1250, GOOGLEBOT);
  actors.push({ key: '203.0.113.90', role: 'spoofed Googlebot', expected: ['secrets_scanning'] });

  // Campaigns: 40 addresses of one /24, 24 /64s of one /48, 3 probes each; 8 bots sharing one fingerprint.
  const members = random.int(36, 44);
  for (let member = 0; member < members; member++)
    for (let probe = 0; probe < 3; probe++)
      push(
        at(1_500_000 + member * random.int(5000, 40000) + probe * 700),
        `198.18.7.${member + 10}`,
        API,
        PROBES[(member + probe) % PROBES.length],
        404,
        19,
        'Mozilla/5.0',
      );
  actors.push({ key: '198.18.7.0/24', role: 'distributed scan from one /24', expected: ['secrets_scanning'] });
  for (let member = 0; member < 24; member++)
    for (let probe = 0; probe < 3; probe++)
      push(
        at(2_700_000 + member * 3000 + probe * 500),
        `2001:db8:42:${member.toString(16)}::${probe + 1}`,
        SPA,
        PROBES[(member * 3 + probe) % PROBES.length],
        404,
        19,
        'Mozilla/5.0',
      );
  actors.push({ key: '2001:db8:42::/48', role: 'distributed scan from one IPv6 /48', expected: ['secrets_scanning'] });
  for (let bot = 0; bot < 8; bot++)
    for (const path of ['/.env', '/.git/config'])
      push(
        at(3_100_000 + bot * 9000),
        `${100 + bot * 9}.${bot + 3}.44.${20 + bot}`,
        BLOG,
        path,
        404,
        1250,
        'Mozilla/5.0 (Windows NT 6.1; rv:45.0) Gecko/20100101 Firefox/45.0',
      );
  actors.push({ key: 'fingerprint', role: 'botnet sharing one probe fingerprint', expected: ['secrets_scanning'] });

  requests.sort((a, b) => a.time - b.time);
  return { requests, actors };
}

/** A Traefik v3 JSON access-log line (keys sorted, as logrus writes them) for a generated request. */
export function siteRequestLine(request: SiteRequest): string {
  const client = request.ip.includes(':') ? `[${request.ip}]:44321` : `${request.ip}:44321`;
  return JSON.stringify({
    ClientAddr: client,
    ClientHost: request.ip,
    DownstreamContentSize: request.size,
    DownstreamStatus: request.status,
    RequestHost: request.host,
    RequestMethod: 'GET',
    RequestPath: request.path,
    RouterName: `${request.host.split('.')[0]}@docker`,
    StartUTC: new Date(request.time).toISOString(),
    'request_User-Agent': request.userAgent,
  });
}
