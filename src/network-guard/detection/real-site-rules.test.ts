import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { getEvent, PROBE_PATHS } from '../../core/testing/log-events.ts';
import { openStore } from '../../store/store.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';
import { SiteProfile } from './site-profile.ts';
import { SiteProfileStore } from './site-profile-store.ts';

const T0 = Date.parse('2026-11-01T10:00:00Z');
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const HOST = 'shop.example';

function hit(ip: string, path: string, status: number, time: number, bytes?: number, agent = BROWSER): LogEvent {
  return { ...getEvent(ip, path, status, time, agent), host: HOST, bytes };
}

function detector(overrides: Record<string, unknown> = {}) {
  return new SecretsScanningDetector({ ...defaultConfig().detection, ...overrides }, { source: 'test' });
}

test('a path served 2xx to many distinct clients is public content: no exposure, no scanning, even from a NAT', () => {
  const d = detector();
  for (let i = 0; i < 40; i++) d.observe(hit(`198.51.100.${i + 1}`, '/config.js', 200, T0 + i * 1000, 2113));
  // a corporate NAT: one address, hundreds of browsers, each fetching the runtime config
  for (let i = 0; i < 300; i++) d.observe(hit('192.0.2.10', '/config.js', 200, T0 + 60000 + i * 100, 2113));
  assert.deepEqual(d.drainFindings(true), []);
  assert.ok(d.profile.isPublic(HOST, '/config.js'));
  assert.match(d.profile.publicFact(HOST, '/config.js')!.detail, /served 2xx\/3xx to 10\+ clients/);
});

test('always_sensitive keeps a path sensitive however many clients get it; public_paths makes one public', () => {
  const pinned = detector({ always_sensitive: ['/config.js'] });
  for (let i = 0; i < 40; i++) pinned.observe(hit(`198.51.100.${i + 1}`, '/config.js', 200, T0 + i * 1000, 2113));
  assert.equal(pinned.drainFindings(true).filter((f) => f.threatType === 'secret_exposure').length, 40);
  const listed = detector({ public_paths: [`${HOST}/.env`] });
  listed.observe(hit('203.0.113.9', '/.env', 200, T0, 900));
  assert.deepEqual(listed.drainFindings(true), []);
});

test('a leak is a rare sensitive 2xx with content, reported with what was probed before', () => {
  const d = detector();
  for (let i = 0; i < 4; i++) d.observe(hit('203.0.113.9', PROBE_PATHS[i + 1], 404, T0 + i * 1000, 19));
  d.observe(hit('203.0.113.9', '/.env', 200, T0 + 5000, 812));
  const exposure = d.drainFindings(true).find((f) => f.threatType === 'secret_exposure');
  assert.ok(exposure);
  assert.equal(exposure.severity, 'critical');
  assert.deepEqual(exposure.evidence.extra?.leakedPaths, ['/.env']);
  assert.match(exposure.evidence.reasons[0], /after probing 5 sensitive paths/);
});

test('no content is no leak: an empty 200 and the SPA fallback page are explained, not reported', () => {
  const d = detector();
  d.observe(hit('203.0.113.20', '/.env', 200, T0, 0));
  // a scanner against a single-page app: every unknown path answers the same index page
  for (let i = 0; i < 6; i++) d.observe(hit('203.0.113.21', PROBE_PATHS[i], 200, T0 + i * 500, 4312));
  const findings = d.drainFindings(true);
  assert.deepEqual(
    findings.map((f) => [f.ip, f.threatType]),
    [['203.0.113.21', 'secrets_scanning']],
  );
  assert.ok(findings[0].evidence.explanations?.some((note) => note.includes("site's fallback page (4312 bytes")));
});

test('an exposure waits for the grace period so the probes after it can show the fallback size', () => {
  const d = detector();
  d.observe(hit('203.0.113.22', '/.env', 200, T0, 4312));
  assert.deepEqual(d.drainFindings(), []); // within the grace period: not judged yet
  d.observe(hit('203.0.113.22', '/.git/config', 200, T0 + 500, 4312));
  d.observe(hit('203.0.113.22', '/wp-config.php', 200, T0 + 900, 4312));
  d.observe(hit('198.51.100.1', '/index.html', 200, T0 + 11 * 60000, 4312));
  assert.deepEqual(
    d.drainFindings().filter((f) => f.threatType === 'secret_exposure'),
    [],
  );
});

test('one path polled with failures is a poller, not a scan; a burst or a scanner agent on it still is', () => {
  const d = detector();
  for (let i = 0; i < 300; i++) d.observe(hit('203.0.113.30', '/api/v1/secrets', 401, T0 + i * 15000));
  for (let i = 0; i < 300; i++)
    d.observe(hit('203.0.113.31', '/server-status', 403, T0 + i * 10000, 199, 'UptimeRobot/2.0'));
  assert.deepEqual(d.drainFindings(true), []);
  for (let i = 0; i < 60; i++) d.observe(hit('203.0.113.32', '/api/v1/secrets', 401, T0 + i * 500));
  for (let i = 0; i < 3; i++)
    d.observe(hit('203.0.113.33', '/server-status', 403, T0 + i, 199, 'Nuclei - Open-source'));
  assert.deepEqual(
    d
      .drainFindings(true)
      .map((f) => f.ip)
      .sort(),
    ['203.0.113.32', '203.0.113.33'],
  );
});

test('40 addresses of one /24 with 3 probes each are one campaign listing its members', () => {
  const d = detector();
  for (let i = 0; i < 40; i++) {
    for (let p = 0; p < 3; p++) {
      d.observe(hit(`198.18.7.${i + 10}`, PROBE_PATHS[(i + p) % 10], 404, T0 + i * 20000 + p * 1000, 19));
    }
  }
  const findings = d.drainFindings(true);
  assert.deepEqual(
    findings.map((f) => f.ip),
    ['198.18.7.0/24'],
  );
  const campaign = findings[0].evidence.extra?.campaign as { members: string[]; kind: string };
  assert.equal(campaign.kind, 'prefix');
  assert.equal(campaign.members.length, 40);
});

test('a /24 whose addresses send one probe each is still a campaign (one-probe clients are kept as their event)', () => {
  const d = detector();
  for (let i = 0; i < 40; i++) d.observe(hit(`198.18.9.${i + 10}`, PROBE_PATHS[i % 10], 404, T0 + i * 20000, 19));
  const findings = d.drainFindings(true);
  assert.deepEqual(
    findings.map((f) => f.ip),
    ['198.18.9.0/24'],
  );
  const campaign = findings[0].evidence.extra?.campaign as { members: string[] } | undefined;
  assert.equal(campaign?.members.length, 40);
});

test('24 /64s of one IPv6 /48 are one campaign; one probe fingerprint across networks is another', () => {
  const d = detector();
  for (let i = 0; i < 24; i++) {
    for (let p = 0; p < 3; p++)
      d.observe(hit(`2001:db8:42:${i.toString(16)}::${p + 1}`, PROBE_PATHS[(i + p) % 10], 404, T0 + i * 5000 + p));
  }
  for (let i = 0; i < 8; i++) {
    for (const path of ['/.env', '/.git/config'])
      d.observe(hit(`${20 + i * 7}.1.${i}.9`, path, 404, T0 + i * 3000, 19, 'Go-http-client/1.1'));
  }
  const ips = d.drainFindings(true).map((f) => f.ip);
  assert.ok(ips.includes('2001:db8:42::/48'), ips.join());
  assert.ok(
    ips.some((ip) => ip.startsWith('fingerprint:')),
    ips.join(),
  );
});

test('a client claiming to be a crawler is flagged for verification, and kept out of campaigns', () => {
  const d = detector();
  d.observe(
    hit(
      '66.249.66.1',
      '/.env',
      404,
      T0,
      19,
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    ),
  );
  const [finding] = d.drainFindings(true);
  assert.equal(finding.evidence.extra?.crawlerClaim, 'Googlebot');
  assert.match(finding.evidence.reasons.join(), /claims to be Googlebot/);
});

test('the site profile survives a restart through SQLite', () => {
  const store = openStore(':memory:', `/tmp/site-profile-audit-${process.pid}.jsonl`);
  const settings = defaultConfig().detection.site_profile;
  const first = new SiteProfile(settings);
  for (let i = 0; i < 12; i++) first.observe(HOST, '/env.js', `198.51.100.${i}`, 200, T0 + i, 700);
  first.observe(HOST, '/.env', '203.0.113.5', 200, T0, 900);
  const profileStore = new SiteProfileStore(store.db);
  assert.equal(profileStore.save(first), 2);
  const second = new SiteProfile(settings);
  profileStore.load(second);
  assert.ok(second.isPublic(HOST, '/env.js'));
  assert.ok(!second.isPublic(HOST, '/.env'));
  for (let i = 0; i < 9; i++) second.observe(HOST, '/.env', `198.51.100.${i}`, 200, T0 + i, 900);
  assert.ok(second.isPublic(HOST, '/.env'), 'counting continued from the stored client set');
  assert.deepEqual(
    profileStore.list(HOST).map((row) => [row.path, row.public, row.clients]),
    [
      ['/env.js', true, 10],
      ['/.env', false, 1],
    ],
  );
  store.close();
});

test('a path traversal out of the web root to a sensitive file is an attack in one request; to anything else, a probe', () => {
  const d = detector();
  d.observe(
    hit('203.0.113.30', normalizePath('/public/plugins/grafana/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd'), 400, T0, 166),
  );
  for (let i = 1; i <= 4; i++)
    d.observe(hit('203.0.113.31', normalizePath(`/%252E%252E%252Ffoo${i}`), 404, T0 + i, 162));
  d.observe(hit('203.0.113.32', '/../probe', 404, T0, 162));
  const findings = d.drainFindings(true);
  assert.deepEqual(
    findings.map((f) => [f.ip, f.threatType, f.severity, f.evidence.reasons[0]]),
    [['203.0.113.30', 'secrets_scanning', 'high', 'path traversal out of the web root to a sensitive file']],
  );
  assert.deepEqual(findings[0]!.evidence.topPaths, [{ path: '/../etc/passwd', count: 1 }]);
  // A fifth distinct traversal crosses the distinct-paths threshold.
  d.observe(hit('203.0.113.31', '/../foo5', 404, T0 + 5, 162));
  assert.deepEqual(
    d.drainFindings(true).map((f) => f.ip),
    ['203.0.113.31'],
  );
});

test('a traversal never becomes public content, however many clients a fallback page answers', () => {
  const d = detector();
  for (let i = 0; i < 30; i++) d.observe(hit(`198.51.100.${i + 1}`, '/../etc/passwd', 200, T0 + i * 1000, 4312));
  assert.equal(d.profile.isPublic(HOST, '/../etc/passwd'), false);
  const scanning = d.drainFindings(true).filter((f) => f.threatType === 'secrets_scanning');
  assert.equal(scanning.length, 30);
});

test("well-known applications' ordinary content is not counted, and says why; always_sensitive still wins", () => {
  const d = detector();
  for (const path of ['/remote.php/dav/files/alice/project/.env', '/remote.php/dav/files/alice/project/.git/config'])
    for (let i = 0; i < 6; i++) d.observe(hit('192.0.2.44', `${path}${i}`, 200, T0 + i, 900));
  for (let i = 0; i < 9; i++)
    d.observe(hit('192.0.2.45', `/data/migrations/15489579706${i}_payees.sql`, 200, T0 + i, 434));
  // a developer browsing their own repositories in Gitea/Forgejo and GitLab
  for (const [i, path] of [
    '/alice/shop/src/branch/main/.env.example',
    '/alice/shop/raw/branch/main/docker-compose.yml',
    '/alice/shop/src/commit/4f2a9c1/config/database.yml',
    '/alice/shop/src/branch/main/.github/workflows/ci.yml',
    '/group/sub/app/-/blob/main/.env.production',
    '/group/app/-/raw/main/config/secrets.yml',
    '/group/app/-/tree/main/.git',
  ].entries())
    d.observe(hit('192.0.2.46', path, 200, T0 + i, 4000 + i));
  assert.deepEqual(d.drainFindings(true), []);
  assert.match(d.profile.publicFact(HOST, '/group/app/-/blob/main/.env')!.detail, /code forge's view/);
  // the same files outside a forge's views, or a traversal out of one, are probes
  for (const path of ['/alice/shop/.env', '/src/branch/main/.env', '/../alice/shop/src/branch/main/.env'])
    assert.equal(d.profile.isPublic(HOST, path), false, path);
  assert.match(d.profile.publicFact(HOST, '/data/migrations/1_a.sql')!.detail, /Actual Budget's database migrations/);
  const pinned = detector({ always_sensitive: ['/remote.php/dav/*'] });
  pinned.observe(hit('192.0.2.44', '/remote.php/dav/files/alice/.env', 200, T0, 900));
  assert.deepEqual(
    pinned.drainFindings(true).map((f) => f.threatType),
    ['secret_exposure'],
  );
});

test("a small site's runtime configuration loaded by its one user is no leak; fetched by a prober, it is", () => {
  const d = detector();
  // a self-hosted single-page app with one user: far from the 10 clients that teach the profile it is public
  d.observe(hit('192.0.2.60', '/config.js', 200, T0, 2113));
  d.observe(hit('192.0.2.60', '/assets/config.json', 200, T0 + 100, 812));
  // a registry credentials file is never a page's configuration
  d.observe(hit('192.0.2.61', '/.docker/config.json', 200, T0, 640));
  // a scanner probing first, then finding the configuration
  d.observe(hit('203.0.113.62', '/.env', 404, T0, 19));
  d.observe(hit('203.0.113.62', '/config.js', 200, T0 + 200, 2113));
  const findings = d.drainFindings(true);
  assert.deepEqual(
    findings.map((f) => [f.ip, f.threatType, f.evidence.extra?.leakedPaths]),
    [
      ['192.0.2.61', 'secret_exposure', ['/.docker/config.json']],
      ['203.0.113.62', 'secret_exposure', ['/config.js']],
    ],
  );
});

test("a Blazor WebAssembly app's settings, loaded by each of its first visitors, are no leak; fetched by a prober, they are", () => {
  const d = detector();
  // Blazor loads wwwroot/appsettings.json and appsettings.{ENVIRONMENT}.json in every browser (learn.microsoft.com,
  // "ASP.NET Core Blazor configuration"); a small internal app has fewer visitors than the profile needs to learn it
  for (let i = 0; i < 5; i++) {
    const ip = `192.0.2.${90 + i}`;
    d.observe(hit(ip, '/_framework/blazor.boot.json', 200, T0 + i * 60_000, 9_120));
    d.observe(hit(ip, '/appsettings.json', 200, T0 + i * 60_000 + 200, 312));
    d.observe(hit(ip, '/appsettings.Production.json', 200, T0 + i * 60_000 + 210, 148));
  }
  // a scanner that probed first, then got an ASP.NET server's settings (connection strings) from its root
  d.observe(hit('203.0.113.96', '/.env', 404, T0, 19));
  d.observe(hit('203.0.113.96', '/appsettings.json', 200, T0 + 300, 1_884));
  assert.deepEqual(
    d.drainFindings(true).map((f) => [f.ip, f.threatType, f.evidence.extra?.leakedPaths]),
    [['203.0.113.96', 'secret_exposure', ['/appsettings.json']]],
  );
});

test("an n8n user's credentials page and its REST call are the application's content; a scanner's /credentials is not", () => {
  const d = detector();
  const n8n = (path: string, status: number, time: number, bytes: number) => ({
    ...hit('192.0.2.70', normalizePath(path), status, time, bytes),
    host: 'n8n.example',
  });
  for (const [index, [path, bytes]] of (
    [
      ['/home/credentials', 1_486],
      ['/rest/credentials?includeScopes=true&includeData=false', 2_345],
      ['/projects/K2fQ9/credentials', 1_486],
      ['/rest/credentials/12', 611],
    ] as const
  ).entries())
    d.observe(n8n(path, 200, T0 + index * 1000, bytes));
  // the AWS CLI's credentials file at a web root, fetched by a client that probed first
  d.observe(hit('203.0.113.71', '/.env', 404, T0, 19));
  d.observe(hit('203.0.113.71', '/credentials', 200, T0 + 500, 116));
  assert.deepEqual(
    d.drainFindings(true).map((f) => [f.ip, f.threatType, f.evidence.extra?.leakedPaths]),
    [['203.0.113.71', 'secret_exposure', ['/credentials']]],
  );
});

test("an application's pages are scripts the server runs: its admin browsing them is no leak; a prober's find is", () => {
  const d = detector();
  // FreePBX's administrator: the whole admin interface is /admin/config.php?display=..., answered with HTML
  for (const [index, display] of ['extensions', 'trunks', 'dashboard', 'routing'].entries())
    d.observe(hit('192.0.2.80', normalizePath(`/admin/config.php?display=${display}`), 200, T0 + index * 4000, 45_210));
  // Moodle's site administration: /admin/settings.php?section=...
  d.observe(hit('192.0.2.81', normalizePath('/admin/settings.php?section=sitepolicies'), 200, T0, 61_120));
  // Drupal's configuration page, for its administrator
  d.observe(hit('192.0.2.84', '/admin/config', 200, T0, 38_400));
  // a scanner probing first, then getting a configuration script's source from a broken interpreter
  d.observe(hit('203.0.113.82', '/.env', 404, T0, 19));
  d.observe(hit('203.0.113.82', '/wp-config.php', 200, T0 + 300, 3_410));
  // a phpinfo page's output is the environment, whoever fetches it
  d.observe(hit('192.0.2.83', '/info.php', 200, T0, 88_000));
  const findings = d.drainFindings(true);
  assert.deepEqual(
    findings.map((f) => [f.ip, f.threatType, f.evidence.extra?.leakedPaths]),
    [
      ['203.0.113.82', 'secret_exposure', ['/wp-config.php']],
      ['192.0.2.83', 'secret_exposure', ['/info.php']],
    ],
  );
});

test('a monitor polling a status page answered 2xx is no leak; an actuator that gives out the environment is', () => {
  const d = detector();
  for (let i = 0; i < 240; i++) {
    d.observe(hit('198.51.100.9', '/actuator/prometheus', 200, T0 + i * 15_000, 48_213, 'Prometheus/2.53.0'));
    d.observe(
      hit('198.51.100.10', normalizePath('/server-status?auto'), 200, T0 + i * 15_000, 912, 'Go-http-client/1.1'),
    );
  }
  // Vault's web UI polling its (unauthenticated) seal status
  for (let i = 0; i < 40; i++) d.observe(hit('192.0.2.71', '/v1/sys/seal-status', 200, T0 + i * 5_000, 310));
  d.observe(hit('203.0.113.70', '/actuator/env', 200, T0, 5120));
  assert.deepEqual(
    d.drainFindings(true).map((f) => [f.ip, f.threatType]),
    [['203.0.113.70', 'secret_exposure']],
  );
});

/** A soft 404 that prints the path in its title and its body: 512 bytes plus twice the path. */
const softNotFound = (path: string) => 512 + 2 * path.length;

test('a fallback page that prints the path twice (a soft 404) is learned from three paths of different lengths', () => {
  const d = detector();
  const probes = ['/.env', '/.git/config', '/.aws/credentials', '/wp-config.php.bak', '/config/database.yml'];
  for (const [i, path] of probes.entries())
    d.observe(hit('203.0.113.40', path, 200, T0 + i * 500, softNotFound(path) + (i % 2)));
  const findings = d.drainFindings(true);
  assert.deepEqual(
    findings.map((f) => [f.ip, f.threatType]),
    [['203.0.113.40', 'secrets_scanning']],
  );
  assert.deepEqual(
    d.profile.echoFallbacks().map(({ repeats }) => repeats),
    [2, 2],
  );
  assert.ok(
    findings[0]!.evidence.explanations?.includes(
      "not a leak: shop.example/.env answered with the site's fallback page, which echoes the path (522 bytes: 512 plus twice the request's 5 characters, as for 3+ different paths)",
    ),
  );
});

test('one page size on paths of close lengths is a fallback size, never an echo fallback', () => {
  const profile = new SiteProfile(defaultConfig().detection.site_profile);
  const observe = (path: string, bytes: number) =>
    profile.observe(HOST, path, '203.0.113.41', 200, T0, bytes, path.length);
  for (const path of ['/.env', '/.env1', '/.git/c']) observe(path, 4312);
  assert.ok(profile.isFallbackSize(HOST, 4312));
  assert.deepEqual(profile.echoFallbacks(), []);
  // an echo page's first three paths are 7 characters apart at most: not yet told from one size
  for (const path of ['/.env.bak', '/.env.old', '/.git/config']) observe(`/echo${path}`, 300 + path.length + 5);
  assert.deepEqual(profile.echoFallbacks(), []);
  observe('/echo/.aws/credentials', 300 + '/echo/.aws/credentials'.length);
  assert.deepEqual(
    profile.echoFallbacks().map(({ repeats, low }) => [repeats, low]),
    [
      [1, 296],
      [1, 300],
    ],
  );
  assert.equal(profile.echoFallbackOf(HOST, 900, 5), undefined, 'a real .env of 900 bytes does not fit');
  assert.deepEqual(profile.echoFallbackOf(HOST, 306, 5), { repeats: 1, low: 296, length: 5 });
});

test('echo fallbacks survive a restart, and a database from before them is migrated', () => {
  const store = openStore(':memory:', `/tmp/site-profile-echo-audit-${process.pid}.jsonl`);
  // the schema as the first migration left it, with a fallback size learned then
  store.db.exec(`
    CREATE TABLE site_paths (host TEXT NOT NULL, path TEXT NOT NULL, clients INTEGER NOT NULL,
      ok_requests INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, public INTEGER NOT NULL,
      members TEXT NOT NULL, PRIMARY KEY (host, path));
    CREATE TABLE site_fallback_sizes (host TEXT NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY (host, bytes));
    INSERT INTO site_fallback_sizes VALUES ('${HOST}', 4312);
    INSERT INTO schema_migrations (family, id, applied_at) VALUES ('site-profile', '001-site-paths', '2026-01-01');
  `);
  const profileStore = new SiteProfileStore(store.db);
  const settings = defaultConfig().detection.site_profile;
  const first = new SiteProfile(settings);
  profileStore.load(first);
  assert.ok(first.isFallbackSize(HOST, 4312));
  for (const path of ['/.env', '/.git/config', '/.aws/credentials'])
    first.observe(HOST, path, '203.0.113.42', 200, T0, 376 + path.length, path.length);
  profileStore.save(first);
  assert.deepEqual(
    profileStore.echoFallbacks().map(({ host, repeats, low }) => [host, repeats, low]),
    [
      [HOST, 1, 372],
      [HOST, 1, 376],
    ],
  );
  const second = new SiteProfile(settings);
  profileStore.load(second);
  assert.deepEqual(second.echoFallbackOf(HOST, 395, 18), { repeats: 1, low: 372, length: 18 });
  assert.ok(second.isFallbackSize(HOST, 4312));
  store.close();
});
