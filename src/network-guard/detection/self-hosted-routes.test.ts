import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';

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
  jenkins: ['/manage/credentials', '/job/shop/credentials', '/user/bob/credentials'],
  portainer: ['/api/endpoints/1/kubernetes/api/v1/namespaces/default/secrets'],
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

/** What each application's small instance gives: [application, threat type, leaked paths] per finding. */
function smallInstanceFindings(app: string): Array<[string, string, unknown]> {
  const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
  for (const route of ROUTES.filter((candidate) => candidate.app === app)) detector.observe(event(route));
  return detector.drainFindings(true).map((finding) => [app, finding.threatType, finding.evidence.extra?.leakedPaths]);
}

/** Measured before any fix: the findings each application's own users got. */
const MEASURED: Array<[string, string, unknown]> = [
  ['ghost', 'secret_exposure', ['/ghost/api/admin/config']],
  ['ghost', 'secret_exposure', ['/ghost/api/admin/config']],
  ['woodpecker', 'secret_exposure', ['/api/secrets']],
  ['authelia', 'secret_exposure', ['/api/secondfactor/webauthn/credentials']],
  ['authelia', 'secret_exposure', ['/api/secondfactor/webauthn/credentials']],
  [
    'awx',
    'secret_exposure',
    ['/api/v2/credentials', '/api/v2/job_templates/7/credentials', '/api/v2/users/1/credentials'],
  ],
  ['awx', 'secret_exposure', ['/api/v2/organizations/1/credentials', '/api/v2/credentials']],
  ['jenkins', 'secret_exposure', ['/manage/credentials', '/job/shop/credentials']],
  ['jenkins', 'secret_exposure', ['/user/bob/credentials']],
  ['portainer', 'secret_exposure', ['/api/endpoints/1/kubernetes/api/v1/namespaces/default/secrets']],
  ['kubernetes-dashboard', 'secret_exposure', ['/api/v1/secret']],
  ['gitea', 'secret_exposure', ['/alice/shop/_edit/main/.env.example', '/alice/shop/_edit/main/config/database.yml']],
  ['gitea', 'secret_exposure', ['/alice/shop/_delete/main/docker-compose.yml']],
  [
    'authentik',
    'secret_exposure',
    ['/api/v3/crypto/certificatekeypairs/6a8b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d/view_private_key'],
  ],
  ['keycloak', 'secret_exposure', ['/realms/master/account/credentials']],
  ['keycloak', 'secret_exposure', ['/admin/realms/master/users/0b1c8e9a-41d2-4c57-9d0a-2f6c1b7f9e11/credentials']],
  ['nextcloud', 'secret_exposure', ['/s/xk3pq9rtb2mlw8z/download/db-backup-2026-10-31.sql.gz']],
  ['nextcloud', 'secret_exposure', ['/index.php/s/hn7yq2wc5rt1kp0/download/wp-config.php.bak']],
];

test('each application’s small instance, its users’ ordinary requests only (measured)', () => {
  assert.deepEqual(
    APPS.flatMap((app) => smallInstanceFindings(app)),
    MEASURED,
  );
});
