/**
 * Self-hosted applications' own routes that our rules would count: pages and API calls named like a secret
 * (`credentials`, `config`, `secret`, `private_key`) that an application serves to its signed-in users, behind its
 * own login. Taken from the applications' route definitions (__fixtures__/self-hosted-apps/README.md). A home
 * instance has one to five users, so the site profile never learns them (it needs 10 clients), and its owner would be
 * a critical leak on an ordinary visit. Each route is anchored to the application's own prefix and shape: the generic
 * probes (`/credentials`, `/api/secrets`, `/v1/secret`, `/api/v1/namespaces/default/secrets` at a web root) stay
 * sensitive. Never a dotfile: a path with a segment starting with `.` is none of these.
 */
const APPLICATION_ROUTES: ReadonlyArray<{ route: RegExp; application: string }> = [
  // Ghost's admin client reads its configuration (`GET /ghost/api/admin/config/`) on every visit to the admin
  { route: /^\/ghost\/api\/(?:[a-z0-9.]+\/)?admin\/config$/, application: "Ghost's admin API configuration" },
  // Authelia's settings page lists the user's own WebAuthn credentials (public keys)
  {
    route: /^\/api\/secondfactor\/webauthn\/credentials$/,
    application: "Authelia's list of the user's WebAuthn credentials",
  },
  // AWX (Ansible Tower): the credentials list, and the credentials of a job template, user, organisation or team
  { route: /^\/api\/v2\/(?:[a-z_]+\/\d+\/)?credentials$/, application: "AWX's credentials API (names, not secrets)" },
  // Jenkins' credentials pages (credentials plugin) under Manage Jenkins, a user, a job or a folder
  {
    route: /^\/(?:manage\/|user\/[^/]+\/|(?:job\/[^/]+\/)+)credentials$/,
    application: "Jenkins' credentials pages",
  },
  // Portainer's proxy to a Kubernetes environment: its ConfigMaps & Secrets view lists a namespace's secrets
  {
    route: /^\/api\/endpoints\/\d+\/kubernetes\/api\/v1\/(?:namespaces\/[^/]+\/)?secrets$/,
    application: "Portainer's view of a Kubernetes environment's secrets",
  },
  // Kubernetes Dashboard's secrets list across namespaces (not Vault's `/v1/secret`, not the API's `/api/v1/secrets`)
  { route: /^\/api\/v1\/secret$/, application: "Kubernetes Dashboard's secrets list" },
  // authentik: an admin's certificate page shows a key pair's private key (authentik logs it as a secret view)
  {
    route: /^\/api\/v3\/crypto\/certificatekeypairs\/[0-9a-f-]{36}\/view_private_key$/,
    application: "authentik's certificate key pair page (for its admins)",
  },
  // Keycloak: the account console's "Signing in" page and the admin console's user credentials tab (`/auth` before 17)
  {
    route: /^(?:\/auth)?\/(?:realms\/[^/]+\/account|admin\/realms\/[^/]+\/users\/[^/]+)\/credentials$/,
    application: "Keycloak's account and admin consoles (a user's credentials)",
  },
  // Nextcloud: a public share's download (`/s/<token>/download/<file>`), the file a user chose to share
  {
    route: /^(?:\/index\.php)?\/s\/[a-z0-9]{6,}\/download\/[^/]+$/,
    application: 'a Nextcloud public share download',
  },
  // Home Assistant's Logs page reads and downloads its log from `/api/error_log` (for its admins; not PHP's error_log)
  { route: /^\/api\/error_log$/, application: "Home Assistant's log (its Logs page, for its admins)" },
  // Immich's admin downloads a database backup Immich made (`immich-db-backup-<time>-v<version>-pg<version>.sql.gz`)
  {
    route: /^\/api\/admin\/database-backups\/immich-db-backup-\d{8}t\d{6}-v[\d.]+-pg[\d.]+\.sql\.gz$/,
    application: "an Immich database backup (its admin's download)",
  },
  // Gitea/Forgejo's web editor: `/<owner>/<repo>/_edit/<branch>/<file>` (and new, delete, upload, patch, cherry-pick)
  {
    route: /^\/[^/]+\/[^/]+\/(?:_edit|_new|_delete|_upload|_diffpatch|_cherrypick\/[0-9a-f]{7,64})\/[^/]+\/./,
    application: "Gitea/Forgejo's web editor (a repository file)",
  },
];

/** The self-hosted application whose own route a normalised path is, if any. */
export function applicationRouteOf(path: string): string | undefined {
  if (path.includes('/.')) return undefined;
  for (const { route, application } of APPLICATION_ROUTES) if (route.test(path)) return application;
  return undefined;
}
