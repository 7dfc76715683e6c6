/**
 * Second part of the sensitive-path knowledge (the first is sensitive-paths.ts, the third sensitive-file-names.ts,
 * reached through matchesEnding): the recall gaps other projects'
 * fixtures showed (bare dot-directories, shell history and rc files, dumps by extension, config backups, Terraform
 * state, CI definitions, cloud SDK configs, profilers), and the paths that are never sensitive (well-known URLs,
 * health endpoints) whatever the lists say.
 */
import { applicationRouteOf } from './application-routes.ts';
import { FILE_NAME_NEEDLES, matchesFileName } from './sensitive-file-names.ts';

export const EXTRA_SENSITIVE_SUFFIXES: readonly string[] = [
  // bare dot-directories: a listing or a redirect to the directory already tells a scanner it exists
  '/.git',
  '/.svn',
  '/.hg',
  '/.bzr',
  '/.ssh',
  '/.aws',
  '/.kube',
  '/.docker',
  '/.terraform',
  '/.subversion',
  // CVS working copies (like .git and .svn above), and the files of old remote trust and password schemes
  '/.cvs',
  '/.cvsignore',
  '/cvs/root',
  '/cvs/entries',
  '/.rhosts',
  '/.shosts',
  '/.forward',
  '/.pwd',
  // shell history and rc files
  '/.bashrc',
  '/.bash_profile',
  '/.bash_logout',
  '/.profile',
  '/.zshrc',
  '/.zprofile',
  '/.sh_history',
  '/.history',
  '/.mysql_history',
  '/.psql_history',
  '/.python_history',
  '/.node_repl_history',
  '/.rediscli_history',
  '/.sqlite_history',
  '/.lesshst',
  '/.viminfo',
  // kubeconfig and cloud SDK configurations
  '/kubeconfig.yaml',
  '/kubeconfig.yml',
  '/admin.conf',
  '/.oci/config',
  '/.config/gcloud/application_default_credentials.json',
  '/.config/doctl/config.yaml',
  '/.azure/accesstokens.json',
  '/.azure/azureprofile.json',
  '/.cloudflared/cert.pem',
  '/.wrangler/config/default.toml',
  '/.config/gh/hosts.yml',
  // CI definitions
  '/jenkinsfile',
  '/.drone.yml',
  '/bitbucket-pipelines.yml',
  '/azure-pipelines.yml',
  '/buildspec.yml',
  '/cloudbuild.yaml',
  '/.gitlab-ci.yml',
  '/.github/workflows/main.yml',
  '/.github/workflows/ci.yml',
  '/.github/workflows/deploy.yml',
  // framework profilers and debug pages
  '/_profiler',
  '/_profiler/phpinfo',
  '/_debugbar',
  '/telescope',
  '/elmah.axd',
  '/trace.axd',
  '/rails/info/properties',
  '/rails/info/routes',
  '/jolokia',
  '/actuator/threaddump',
  '/actuator/loggers',
  '/debug/pprof/heap',
  // the files a path traversal reads to prove it works (CrowdSec's path-traversal and CVE test logs)
  '/win.ini',
  '/boot.ini',
  '/windows/system.ini',
  '/etc/group',
  '/etc/hosts',
  // application logs and debug panels that print the environment, connection strings and stack traces
  '/storage/logs/laravel.log',
  '/wp-content/debug.log',
  '/debug/default/view',
  '/php.ini',
  '/.user.ini',
  // FortiGate's SSL VPN session file, with its users' credentials (CVE-2018-13379 reads it through a traversal)
  '/dev/cmdb/sslvpn_websession',
  // editors' FTP/SFTP deployment settings, with the server's password (Sublime SFTP/FTPSync, Atom, FileZilla)
  '/.ftpconfig',
  '/.ftppass',
  '/ftpsync.settings',
  '/ftp-sync.json',
  '/.remote-sync.json',
  '/deployment-config.json',
  '/filezilla.xml',
  '/sitemanager.xml',
  '/recentservers.xml',
  // TLS private keys under the names certbot and tutorials give them, and the chain they sit beside
  '/privkey.pem',
  '/server.pem',
  '/ssl.key',
  '/tls.key',
  '/fullchain.pem',
  '/google-api-private-key.json',
  // Django settings (SECRET_KEY, database passwords) and a web root's repository archive
  '/settings.py',
  '/local_settings.py',
  '/.git.zip',
  '/.git.tar.gz',
  // mail, FTP and S3 clients' settings with their passwords and keys (nuclei's exposure templates)
  '/.esmtprc',
  '/.msmtprc',
  '/_netrc',
  '/s3cmd.ini',
  '/ws_ftp.ini',
  '/sftp.json',
  '/.htdeployment',
  '/.wgetrc',
  '/phinx.yml',
  '/phinx.yaml',
  '/dockerrun.aws.json',
  '/robomongo.json',
  '/.composer-auth.json',
  '/config.properties',
  '/cloud-config.yml',
  '/cloud-config.txt',
  '/configurations/config_default',
  // DigitalOcean's metadata service (through an open proxy or an SSRF), like /latest/meta-data
  '/metadata/v1.json',
  // CGI scripts that print the server's environment, secrets included (like phpinfo)
  '/printenv',
  '/printenv.pl',
  '/printenv.cgi',
  '/test-cgi',
];

/** Fragments anywhere in the path. */
export const EXTRA_SENSITIVE_FRAGMENTS: readonly string[] = [
  '/.config/gcloud/',
  '/.bzr/',
  '/.azure/',
  '/.oci/',
  '/.github/workflows/',
  '/.circleci/',
  '/debug/pprof/',
  '/_profiler/',
  '/__debug__/',
  '/_debugbar/',
  '/telescope/',
  '/jolokia/',
  // a Java web application's private directories (never served: its descriptors, classes and their configuration)
  '/web-inf/',
  '/meta-inf/',
  // phpinfo() pages print the environment, secrets included, whatever the script is called (GetPhpInfo.php)
  'phpinfo',
  '/proc/self/',
  // private SSH keys of the other key types (id_rsa is in the first list)
  'id_ed25519',
  'id_ecdsa',
  'id_dsa',
  // DBeaver's saved connections and their credentials; darcs and BitKeeper working copies (like .git)
  '/.dbeaver/',
  '/_darcs/',
  '/bitkeeper/etc/',
];

/** Endings of the last segment: database dumps and state files by extension, whatever they are called. */
export const SENSITIVE_PATH_ENDINGS: readonly string[] = [
  '.sql',
  '.sql.gz',
  '.sql.zip',
  '.sql.bz2',
  '.sql.xz',
  '.sql.7z',
  '.sql.tar.gz',
  '.tfstate',
  '.tfstate.backup',
  '.tfvars',
  '.sqlite',
  '.sqlite3',
];

/**
 * A backup of a configuration file: a config-like name with a backup ending (`config.php.bak`, `settings.py~`,
 * classic ASP's `global.asa.old`, `web.config.temp`).
 */
const CONFIG_BACKUP =
  /(?:^|[._-])(?:config|configuration|settings|secrets?|credentials?|database|db|passwd|env|wp-config|web\.config|global\.asa|appsettings|application|parameters|local)[^/]*(?:\.bak|\.bakup|\.old|\.orig|\.save|\.swp|\.swo|\.backup|\.tmp|\.temp|\.copy|~)$/;

/** Literals a raw line must contain for an ending or backup rule to match (the prefilter and ES filter needles). */
export const ENDING_NEEDLES: readonly string[] = [
  ...SENSITIVE_PATH_ENDINGS,
  '.bak',
  '.old',
  '.orig',
  '.save',
  '.swp',
  '.swo',
  '.backup',
  '.tmp',
  '.temp',
  '.copy',
  '~',
  ...FILE_NAME_NEEDLES,
];

export function matchesEnding(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const segment = path.slice(slash + 1);
  if (segment === '') return false;
  for (const ending of SENSITIVE_PATH_ENDINGS) if (segment.endsWith(ending) && segment !== ending) return true;
  return CONFIG_BACKUP.test(segment) || matchesFileName(path);
}

/**
 * Never sensitive, whatever the lists say: well-known URLs that browsers, ACME validators and app stores fetch, and
 * health endpoints that monitors poll. Exact paths, or prefixes when they end with `/`.
 */
export const NEVER_SENSITIVE: readonly string[] = [
  '/.well-known/acme-challenge/',
  '/.well-known/pki-validation/',
  '/.well-known/security.txt',
  '/security.txt',
  '/.well-known/change-password',
  '/.well-known/apple-app-site-association',
  '/apple-app-site-association',
  '/.well-known/assetlinks.json',
  '/.well-known/openid-configuration',
  '/.well-known/jwks.json',
  '/health',
  '/health/',
  '/healthz',
  '/healthcheck',
  '/health-check',
  '/actuator/health',
  '/actuator/health/',
  '/-/healthy',
  '/-/ready',
  '/readyz',
  '/livez',
  '/ping',
];

/**
 * Content well-known self-hosted applications serve to every one of their users under names our rules would count
 * (CrowdSec keeps the same knowledge as per-application whitelists): path prefixes, and the application. A site
 * with few visitors never serves them to enough clients for the site profile to learn them.
 */
export const KNOWN_APPLICATION_CONTENT: ReadonlyArray<{ prefix: string; application: string }> = [
  // the browser client downloads every database migration (`/data/migrations/1548957970627_remove-db-version.sql`)
  { prefix: '/data/migrations/', application: "Actual Budget's database migrations" },
  // WebDAV: each user's own synced files, whatever they are called (a synced project's `.env` or `.git/`)
  { prefix: '/remote.php/dav/', application: "a Nextcloud/ownCloud user's files (WebDAV)" },
  { prefix: '/remote.php/webdav/', application: "a Nextcloud/ownCloud user's files (WebDAV)" },
  { prefix: '/public.php/dav/', application: 'a Nextcloud/ownCloud public share (WebDAV)' },
  { prefix: '/public.php/webdav/', application: 'a Nextcloud/ownCloud public share (WebDAV)' },
];

/**
 * A code forge's views of the files of a repository (`/alice/shop/src/branch/main/.env.example` in Gitea and Forgejo,
 * `/group/app/-/blob/main/config/secrets.yml` in GitLab): its users browse their own repositories' `.env.example`,
 * `docker-compose.yml` and CI files, and the forge decides who may. A repository's secrets are for a repository
 * scanner (gitleaks, trufflehog), not this detector; a server that is no forge answers these paths 404.
 */
const FORGE_FILE_VIEW =
  /^\/(?:[^/]+\/){2,}-\/(?:blob|raw|tree|blame|commits|edit)\/|^\/[^/]+\/[^/]+\/(?:src|raw|blame|commits|media)\/(?:branch|commit|tag)\//;

/**
 * n8n's credentials: its UI pages (`/home/credentials`, `/projects/<id>/credentials`) and the REST calls they make
 * (`GET /rest/credentials?includeScopes=true` lists the user's own, as JSON, on every visit). n8n's own docs put it
 * behind Traefik; with a handful of users the profile never learns them, and its owner was a critical leak on a
 * first visit.
 */
const N8N_CREDENTIALS = /^\/(?:rest|home|projects\/[^/]+)\/credentials(?:\/|$)/;

/** The application whose ordinary content a normalised path is, if any. */
export function knownApplicationOf(path: string): string | undefined {
  for (const { prefix, application } of KNOWN_APPLICATION_CONTENT) if (path.startsWith(prefix)) return application;
  if (N8N_CREDENTIALS.test(path)) return "n8n's credentials pages and API (each user's own)";
  const route = applicationRouteOf(path);
  if (route) return route;
  // A forge's view has five segments or more (`/owner/repo/src/branch/main`): most probes have one or two.
  let slashes = 0;
  for (let at = path.indexOf('/'); at >= 0 && slashes < 5; at = path.indexOf('/', at + 1)) slashes++;
  if (slashes < 5) return undefined;
  return FORGE_FILE_VIEW.test(path) ? "a code forge's view of a repository file (Gitea, Forgejo, GitLab)" : undefined;
}

/**
 * Status and metrics pages that monitors and scrapers poll (Prometheus on `/actuator/prometheus`, a status poller on
 * `/server-status?auto`): scanners probe them too, so they stay sensitive, but one answered 2xx discloses the
 * server's state, not a secret, so it is no leak. Exact paths, or prefixes when they end with `/`.
 */
export const STATUS_PAGES: readonly string[] = [
  '/server-status',
  '/server-info',
  '/nginx_status',
  '/stub_status',
  '/actuator/prometheus',
  '/actuator/metrics',
  '/actuator/metrics/',
  '/actuator/info',
  // HashiCorp Vault's unauthenticated seal status, which its web UI, its CLI (`vault status`) and load balancers poll
  '/v1/sys/seal-status',
];

export function isStatusPage(path: string): boolean {
  return isListed(STATUS_PAGES, path);
}

/** Whether a list of exact paths and `/`-ended prefixes holds a normalised path. */
function isListed(entries: readonly string[], path: string): boolean {
  for (const entry of entries) if (entry.endsWith('/') ? path.startsWith(entry) : path === entry) return true;
  return false;
}

/** True for a normalised path that is a well-known URL or a health endpoint. */
export function isNeverSensitive(path: string): boolean {
  if (isListed(NEVER_SENSITIVE, path)) return true;
  // `/health*`: /healthz, /health.json, /health_check and the like
  return path.startsWith('/health') && !path.includes('/', 1);
}

/**
 * Operator lists (`detection.public_paths`, `detection.always_sensitive`): a normalised path, optionally prefixed by
 * a host (`shop.example.com/config.js`), optionally ending with `*` for a prefix.
 */
export class PathPatternList {
  readonly #exact = new Set<string>();
  readonly #prefixes: string[] = [];

  constructor(patterns: readonly string[]) {
    for (const raw of patterns) {
      const pattern = raw.trim().toLowerCase();
      if (pattern.endsWith('*')) this.#prefixes.push(pattern.slice(0, -1));
      else this.#exact.add(pattern);
    }
  }

  get size(): number {
    return this.#exact.size + this.#prefixes.length;
  }

  matches(host: string | undefined, path: string): boolean {
    if (this.size === 0) return false;
    const hosted = host ? `${host.toLowerCase()}${path}` : undefined;
    if (this.#exact.has(path) || (hosted && this.#exact.has(hosted))) return true;
    for (const prefix of this.#prefixes) {
      if (path.startsWith(prefix) || hosted?.startsWith(prefix)) return true;
    }
    return false;
  }
}
