import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';
import { knownApplicationOf } from './sensitive-path-rules.ts';

/**
 * Self-hosted applications' own routes (from their router and API definitions, __fixtures__/self-hosted-apps/README.md)
 * that our sensitive-path rules match, and what a small instance of each (one or two users, as behind a home Traefik)
 * gives the detector: the site profile never learns a path served to so few clients.
 */
const T0 = Date.parse('2026-11-02T09:00:00Z');
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0';

interface Route {
  app: string;
  user: number;
  second: number;
  method: string;
  rawPath: string;
  status: number;
  bytes: number;
}

const ROUTES: Route[] = readFileSync(new URL('./__fixtures__/self-hosted-apps/routes.tsv', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [app, user, second, method, rawPath, status, bytes] = line.split('\t');
    return {
      app,
      user: Number(user),
      second: Number(second),
      method,
      rawPath,
      status: Number(status),
      bytes: Number(bytes),
    };
  });
const APPS = [...new Set(ROUTES.map((route) => route.app))];
const hostOf = (app: string) => `${app}.home.example`;

function event(route: Route): LogEvent {
  const ip = `192.0.2.${10 + route.user}`;
  return {
    time: T0 + route.second * 1000,
    clientIp: ip,
    method: route.method,
    rawPath: route.rawPath,
    path: normalizePath(route.rawPath),
    status: route.status,
    bytes: route.bytes,
    userAgent: BROWSER,
    host: hostOf(route.app),
    raw: `${ip} ${route.method} ${route.rawPath}`,
  };
}

/** Every application's routes the matcher counts as sensitive (normalised), as measured. */
const FLAGGED: Record<string, string[]> = {
  ghost: ['/ghost/api/admin/config'],
  woodpecker: ['/api/secrets'],
  authelia: ['/api/secondfactor/webauthn/credentials'],
  awx: [
    '/api/v2/credentials',
    '/api/v2/job_templates/7/credentials',
    '/api/v2/users/1/credentials',
    '/api/v2/organizations/1/credentials',
  ],
  jenkins: ['/manage/credentials', '/credentials', '/job/shop/credentials', '/user/bob/credentials'],
  portainer: ['/api/endpoints/1/kubernetes/api/v1/namespaces/default/secrets', '/api/users/1/passwd'],
  'kubernetes-dashboard': ['/api/v1/secret'],
  gitea: [
    '/alice/shop/src/branch/main/.env.example',
    '/alice/shop/_edit/main/.env.example',
    '/alice/shop/_edit/main/config/database.yml',
    '/alice/shop/_delete/main/docker-compose.yml',
  ],
  authentik: ['/api/v3/crypto/certificatekeypairs/6a8b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d/view_private_key'],
  vaultwarden: ['/admin/config'],
  keycloak: [
    '/realms/master/account/credentials',
    '/admin/realms/master/users/0b1c8e9a-41d2-4c57-9d0a-2f6c1b7f9e11/credentials',
  ],
  jellyfin: ['/web/config.json'],
  element: ['/config.json'],
  'home-assistant': ['/api/error_log'],
  immich: ['/api/admin/database-backups/immich-db-backup-20261101t020000-v2.5.0-pg14.19.sql.gz'],
  nextcloud: [
    '/s/xk3pq9rtb2mlw8z/download/db-backup-2026-10-31.sql.gz',
    '/index.php/s/hn7yq2wc5rt1kp0/download/wp-config.php.bak',
  ],
};

test('the matcher counts these applications’ own routes as sensitive paths (the measured list)', () => {
  const { sensitive_paths, replace_builtin_lists } = defaultConfig().detection;
  const matcher = new SensitivePathMatcher(sensitive_paths, replace_builtin_lists);
  const flagged: Record<string, string[]> = {};
  for (const route of ROUTES) {
    const path = normalizePath(route.rawPath);
    if (!matcher.matches(path)) continue;
    flagged[route.app] ??= [];
    if (!flagged[route.app].includes(path)) flagged[route.app].push(path);
  }
  assert.deepEqual(flagged, FLAGGED);
});

/**
 * Every route of 31 applications as their route files define them (route-paths.tsv): those the matcher counts, and
 * of these the ones still sensitive after the applications' own routes (`knownApplicationOf`). Those stay so on
 * purpose: profilers the applications serve only when their operator turns debugging on (Woodpecker's and Authelia's
 * pprof and expvar), the generic probe `/api/secrets` (Woodpecker's and Drone's global secrets), and routes whose answers are no leak anyway: page
 * configurations (`isPageAsset`), Vaultwarden's admin page (`isApplicationPage`), Portainer's password change (a 204).
 */
function addOnce(lists: Record<string, string[]>, app: string, path: string): void {
  lists[app] ??= [];
  if (!lists[app].includes(path)) lists[app].push(path);
}

const ROUTE_PATHS_FLAGGED: Record<string, string[]> = {
  authelia: ['/api/secondfactor/webauthn/credentials', '/debug/pprof/12', '/debug/vars'],
  awx: [
    '/api/v2/credential_types/12/credentials',
    '/api/v2/credentials',
    '/api/v2/inventory_sources/12/credentials',
    '/api/v2/inventory_updates/12/credentials',
    '/api/v2/job_templates/12/credentials',
    '/api/v2/jobs/12/credentials',
    '/api/v2/organizations/12/credentials',
    '/api/v2/schedules/12/credentials',
    '/api/v2/teams/12/credentials',
    '/api/v2/users/12/credentials',
    '/api/v2/workflow_job_nodes/12/credentials',
    '/api/v2/workflow_job_template_nodes/12/credentials',
  ],
  drone: ['/api/secrets'],
  element: ['/config.json'],
  'home-assistant': ['/api/error_log'],
  immich: ['/api/admin/database-backups/immich-db-backup-20260101t020000-v2.5.0-pg14.19.sql.gz'],
  jellyfin: ['/web/config.json'],
  'kubernetes-dashboard': ['/api/v1/secret'],
  portainer: ['/api/users/12/passwd'],
  vaultwarden: ['/admin/config'],
  woodpecker: [
    '/api/debug/pprof',
    '/api/debug/pprof/block',
    '/api/debug/pprof/cmdline',
    '/api/debug/pprof/goroutine',
    '/api/debug/pprof/heap',
    '/api/debug/pprof/profile',
    '/api/debug/pprof/symbol',
    '/api/debug/pprof/threadcreate',
    '/api/debug/pprof/trace',
    '/api/secrets',
  ],
};
const ROUTE_PATHS_STILL_SENSITIVE: Record<string, string[]> = {
  authelia: ['/debug/pprof/12', '/debug/vars'],
  drone: ['/api/secrets'],
  element: ['/config.json'],
  jellyfin: ['/web/config.json'],
  portainer: ['/api/users/12/passwd'],
  vaultwarden: ['/admin/config'],
  woodpecker: [
    '/api/debug/pprof',
    '/api/debug/pprof/block',
    '/api/debug/pprof/cmdline',
    '/api/debug/pprof/goroutine',
    '/api/debug/pprof/heap',
    '/api/debug/pprof/profile',
    '/api/debug/pprof/symbol',
    '/api/debug/pprof/threadcreate',
    '/api/debug/pprof/trace',
    '/api/secrets',
  ],
};

test('of 3,138 routes of 31 applications, the matcher counts 33; 17 of them stay sensitive, on purpose', () => {
  const { sensitive_paths, replace_builtin_lists } = defaultConfig().detection;
  const matcher = new SensitivePathMatcher(sensitive_paths, replace_builtin_lists);
  const rows = readFileSync(new URL('./__fixtures__/self-hosted-apps/route-paths.tsv', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split('\t'));
  assert.equal(rows.length, 3_138);
  assert.equal(new Set(rows.map(([app]) => app)).size, 31);
  const flagged: Record<string, string[]> = {};
  const still: Record<string, string[]> = {};
  for (const [app, , rawPath] of rows) {
    const path = normalizePath(rawPath);
    if (!matcher.matches(path)) continue;
    addOnce(flagged, app, path);
    if (!knownApplicationOf(path)) addOnce(still, app, path);
  }
  assert.deepEqual(flagged, ROUTE_PATHS_FLAGGED);
  assert.deepEqual(still, ROUTE_PATHS_STILL_SENSITIVE);
});

/** What each application's small instance gives: [application, threat type, leaked paths] per finding. */
function smallInstanceFindings(app: string): Array<[string, string, unknown]> {
  const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
  for (const route of ROUTES.filter((candidate) => candidate.app === app)) detector.observe(event(route));
  return detector.drainFindings(true).map((finding) => [app, finding.threatType, finding.evidence.extra?.leakedPaths]);
}

/**
 * Measured before the fixes: 18 findings, a critical `secret_exposure` for every application's own users but
 * Vaultwarden's (README). What remains are routes that are also the generic probes, or a dotfile: Woodpecker's global
 * secrets list is `/api/secrets` and Jenkins' root credentials action is `/credentials` (what scanners ask any server
 * for), and Gitea's editor on `.env.example` is a dotfile. Their operators list them in `detection.public_paths`
 * with the host (`ci.home.example/api/secrets`).
 */
const REMAINING: Array<[string, string, unknown]> = [
  ['woodpecker', 'secret_exposure', ['/api/secrets']],
  ['jenkins', 'secret_exposure', ['/credentials']],
  ['gitea', 'secret_exposure', ['/alice/shop/_edit/main/.env.example']],
];

test('each application’s small instance gives its users no finding, but for the generic probes and a dotfile', () => {
  assert.deepEqual(
    APPS.flatMap((app) => smallInstanceFindings(app)),
    REMAINING,
  );
});

test('the same routes listed per host in public_paths leave no finding at all', () => {
  const public_paths = REMAINING.map(([app, , leaked]) => `${hostOf(app)}${(leaked as string[])[0]}`);
  for (const app of APPS) {
    const detector = new SecretsScanningDetector({ ...defaultConfig().detection, public_paths }, { source: 'test' });
    for (const route of ROUTES.filter((candidate) => candidate.app === app)) detector.observe(event(route));
    assert.deepEqual(detector.drainFindings(true), [], app);
  }
});

/** A scanner's probes of each host: its real secret files, and dotfiles under the applications' own prefixes. */
const SCANNER_PROBES = [
  '/.env',
  '/.git/config',
  '/credentials',
  '/api/secrets',
  '/.aws/credentials',
  '/api/v1/namespaces/default/secrets',
  '/s/abcdef/download/.env',
  '/alice/shop/_edit/main/.git/config',
  '/error_log',
  '/logs/error_log',
  '/api/admin/database-backups/backup.sql.gz',
];

test('a scanner probing the same hosts is still reported, and finds nothing public under the applications’ prefixes', () => {
  for (const app of APPS) {
    const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
    for (const route of ROUTES.filter((candidate) => candidate.app === app)) detector.observe(event(route));
    for (const [index, rawPath] of SCANNER_PROBES.entries()) {
      const probe = event({ app, user: 100, second: 600 + index, method: 'GET', rawPath, status: 404, bytes: 153 });
      detector.observe({ ...probe, userAgent: 'python-requests/2.32.3' });
    }
    // the scanner finds the server's leaked .env
    detector.observe({
      ...event({ app, user: 100, second: 700, method: 'GET', rawPath: '/.env.production', status: 200, bytes: 1_210 }),
      userAgent: 'python-requests/2.32.3',
    });
    const scanner = detector.drainFindings(true).filter((finding) => finding.ip === '192.0.2.110');
    assert.deepEqual(scanner.map((finding) => finding.threatType).sort(), ['secret_exposure', 'secrets_scanning'], app);
  }
  const { sensitive_paths, replace_builtin_lists } = defaultConfig().detection;
  const matcher = new SensitivePathMatcher(sensitive_paths, replace_builtin_lists);
  for (const path of SCANNER_PROBES) {
    assert.ok(matcher.matches(path), path);
    assert.equal(knownApplicationOf(path), undefined, path);
  }
});
