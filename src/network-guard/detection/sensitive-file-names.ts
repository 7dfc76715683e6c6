/**
 * Third part of the sensitive-path knowledge (after sensitive-paths.ts and sensitive-path-rules.ts): file names that
 * are secrets whatever directory they sit in, as patterns rather than lists. Nuclei's exposure templates
 * (`http/exposures/`) showed the gaps: credential files under names of their own (`client_secrets.json`,
 * `oauth-credentials.json`, `secret_token.rb`), private keys by name (`localhost.key`, `my.ppk`), SQLite databases,
 * web-root archives and dumps (`backup-2024.tar.gz`, `wwwroot.bak`), copies of configuration scripts that the server
 * no longer runs (`settings.php.bk`, `config.php.txt`), a framework's configuration directory, error and application
 * logs. Real sites' traffic bounds them: a published `sample.log`, a download `xdotool-2.tar.gz`, a phone's
 * provisioning `.cfg`, a page `password.html` or an article `...-secret-....php` match none of them.
 */

/** Credentials under a name of their own, in a data format (not a page: `password.html`, `forgot_password.php`). */
const CREDENTIAL_FILE =
  /(?:secret|credential|passwords?|passwd)[^/]*\.(?:json|ya?ml|xml|ini|conf|cfg|txt|inc|rb|py|properties|env|toml|csv|log|dat)$/;

/**
 * Apache password files under a copy's or a site's name (`htpasswd.bak`, `.htpasswd-old`, `backup.htpasswd`,
 * `.htpasswds`), not a page about them (`htpasswd-generator.html`).
 */
const HTPASSWD_COPY = /(?:^|[._-])\.?htpasswd(?:s|[._-](?:old|test|bak|backup|orig|save|txt|new|\d+))?$/;

/** FrontPage's password files (`_vti_pvt/service.pwd`, `administrators.pwd`): no page has the extension. */
const FRONTPAGE_PASSWORDS = /.\.pwd$/;

/**
 * Password and login lists by their usual names (`pass.txt`, `passlist.txt`, `pws.txt`, `logins.txt`), with a data
 * extension: a bare `/pass` or `/password` is a site's page (a storefront's password page, a reset form).
 */
const PASSWORD_LIST = /^(?:pass(?:es|list)?|pws?|logins)\.(?:txt|dat|lst|csv)$|^passlist$/;
/** OAuth and API tokens saved to a file (`token.json`, `access_tokens.db`), not a word inside a name (`tokenizer.json`). */
const TOKEN_FILE = /(?:^|[._-])(?:access_?|api_?|auth_?)?tokens?\.(?:json|ya?ml|txt|db)$/;

/** Private keys: PuTTY's, PGP's secret keyring under any extension (`secring.skr`, `secring.bak`), and `.key` files named as a server's or a client's key (not Keynote's `talk.key`). */
const PRIVATE_KEY =
  /\.ppk$|^secring\.[a-z0-9]+$|private[-_.]?key|privkey|(?:^|[._-])private\.pem$|(?:^|[._-])(?:server|host|localhost|www|ssl|tls|site|domain|my|client|apiserver|etcd|priv|private)[^/]*\.key$|^[a-z0-9-]+(?:\.[a-z0-9-]+)+\.key$/;

/**
 * A web root or database packed for a backup: a name that says so (`backup_2024-01-01.zip`, `db.tar.gz`, `www.7z`,
 * `wwwroot.bak`, `backup-full.zip`, `dbdump.tar.bzip2`) with an archive or backup extension (the long `gzip`/`bzip2`
 * spellings too, as SecLists' Common-DB-Backups.txt writes them), the name's other words only dates, numbers
 * or backup words. Downloads have names of their own (`xdotool-2.tar.gz`, `mysql-connector-j.zip`, `db-tools.zip`).
 */
const BACKUP_ARCHIVE =
  /^(?:backups?|bak|dump|mysqldump|mysql|db|dbase|dbdump|database|sql|www|wwwroot|htdocs|httpdocs|public_html|webroot|inetpub)(?:[._-](?:\d[\d._-]*|backups?|bak|old|full|dump|latest|all|site|web|files|data|db|sql|www))*\.(?:tar\.)?(?:zip|tar|tgz|gz|gzip|bz2|bzip2|xz|7z|rar|lz|z|war|bak)$/;

/** A dump with any compression or backup ending after `.sql` (`db.sql.rar`, `users.sql.bak`). */
const SQL_DUMP = /.\.sql\.[a-z0-9]+(?:\.[a-z0-9]+)?$/;

/**
 * Database files by extension: SQLite's, Microsoft Access's (`.mdb`, `.accdb`: old ASP sites kept theirs in the web
 * root, and Nikto and SecLists probe `users.mdb`, `db/main.mdb`), Redis' `dump.rdb` and mysqldump's `.mysql`. No page
 * or download has them. Not Windows' thumbnail caches (`Thumbs.db`: image names, not a secret).
 */
const DATABASE_FILE = /.\.(?:db|sqlitedb|mdb|accdb|rdb|mysql)$/;
const THUMBNAIL_CACHE = /^e?h?thumbs\.db$/;

/**
 * A configuration script or file copied under a name the server no longer runs or parses (`settings.php.bk`,
 * `config.php.txt`, `local.xml.dist`, `configuration.php-dist`, `settings.php_bak`, `config.php.inc`, `settings.php2`,
 * `database.yml.pgsql`, `database.yml_original`): served as its source (`.php1`/`.php2` only: `.php3` to `.php5` are
 * scripts old servers still run). The
 * `.bak`/`.old`/`~` family is CONFIG_BACKUP's (sensitive-path-rules.ts).
 */
const CONFIG_COPY_EXTENSIONS = ['php', 'inc', 'xml', 'yml', 'yaml', 'json', 'ini', 'py', 'rb', 'conf', 'config'];
const CONFIG_COPY = new RegExp(
  `(?:^|[._-])(?:config|configuration|settings|secrets?|credentials?|database|db|env|local|localconf|parameters|application|conn|connection)[^/]*\\.(?:${CONFIG_COPY_EXTENSIONS.join('|')})(?:\\.(?:bk|bkp|txt|new|dist|blank|disabled|original|swn|eski|inc|cfm|pgsql|[0-9])|[-_](?:bak|dist|old|original|eb)|(?<=\\.php)[12])$`,
);
/** Every CONFIG_COPY match contains its extension and the separator after it (`.php.`, `.php-`, `.php_`). */
const CONFIG_COPY_NEEDLES = CONFIG_COPY_EXTENSIONS.flatMap((extension) =>
  ['.', '-', '_'].map((separator) => `.${extension}${separator}`),
);

/**
 * A configuration file or script named `config` for an environment (`config_dev.php`, `config.prod.yml`,
 * `config-test.ini`), or a bare `config` in a format no page has (`config.ini`, `config.py`, `config.asp`): the names
 * CRS's restricted files list (rule 930130) for scanners' probes. Not `config.json` and its variants, which single-page
 * applications load (a bare `config.json`, `.xml`, `.yml`, `.php` is in the lists); not `config.rb` (Compass) or
 * `config.toml` (Hugo), site generators' settings; not `config.sample.*`, shipped templates. SecLists' quickhits.txt
 * adds `config.inc`, `config.dat`, `config.dist`, `config.local` and `settings`/`configuration` as `.ini`/`.dist`/`.dat`;
 * not `config.txt` or `settings.txt`, which real content has (a Raspberry Pi's, a game server's).
 */
const ENVIRONMENT_CONFIG =
  /^config(?:[._-](?:dev|prod|test))?\.(?:php|asp|pl|py|ini|xml|ya?ml|inc|dat|dist|local)$|^(?:settings|configuration)\.(?:ini|dist|dat)$/;

/**
 * A configuration script kept as a PHP include (`config.inc`, `db.inc`, `connect.inc`, `_config.inc`): Apache serves
 * `.inc` as text, database password and all; browsers never ask for one (pages include it server-side). Includes
 * named for what they do (`common.inc`, `globals.inc`) hold code, not credentials.
 */
const CONFIG_INCLUDE =
  /(?:^|[._-])(?:config|configuration|settings|database|db|conn|connect|connection|sql|auth)\.inc$/;

/** Bitrix's database connection script and every copy of it (`dbconn.php.bak`, `dbconn.1`, `dbconn.txt`). */
const BITRIX_DBCONN = /^dbconn(?:\.|$)/;

/**
 * Copies of Magento 1's database configuration `local.xml` under a machine's or a stage's name (`local.xml.live`,
 * `local.xml.vmachine`, `local.xml.phpunit`), not the two samples Magento ships beside it with placeholders
 * (`local.xml.additional`, `local.xml.template`), which every install serves.
 */
const MAGENTO_LOCAL_COPY = /^local\.xml\.(?!additional$|template$|sample$)[a-z0-9._-]+$/;

/** Settings marked private (`build_config_private.ini`, `private.properties`): a developer's own credentials. */
const PRIVATE_SETTINGS = /(?:^|[._-])private\.(?:ini|properties)$/;

/** GitLab's configuration backup (`gitlab-ctl backup-etc`: `gitlab_config_1700000000_2023_11_14.tar`), its secrets. */
const GITLAB_CONFIG_BACKUP = /^gitlab_config_[\d_]+\.tar$/;

/** A framework's configuration directory (Rails, Zend, Symfony, Sphinx): YAML, INI and properties files are never pages. */
const CONFIG_DIRECTORY = /\/(?:config|configs|conf)\/(?:[^/]+\/)*[^/]+\.(?:ya?ml|ini|properties|conf|toml|neon|xml)$/;

/** Error, debug and framework logs: connection strings, stack traces, request parameters (a `sample.log` is none). */
const APPLICATION_LOG = /(?:errors?|debug|development|production|sqlnet)\.log$|^error_log$/;

/** Environment files under a name (`sendgrid.env`, `backup.env`); the bare `.env` family is in the lists. */
const NAMED_ENV = /.\.env$/;

/** Deployment and environment INI files (Pyramid's `production.ini`, FTP deploy tools' `deployment.ini`). */
const DEPLOYMENT_INI = /^(?:deploy|deployment|production|prod|staging)(?:[._-][a-z0-9_-]+)*\.ini$/;

/** A shell's or a client's history dotfile (`.ksh_history`, `.irb_history`): commands typed, passwords among them. */
const HISTORY_DOTFILE = /^\.[a-z0-9]+_history$/;

/** Docker Compose files per environment (`docker-compose.prod.yml`): their `environment:` blocks hold secrets. */
const COMPOSE_FILE = /^docker-compose[^/]*\.ya?ml$/;

/** Whether the last segment of a normalised path, or the path, is a secret by one of these patterns. */
export function matchesFileName(path: string): boolean {
  const segment = path.slice(path.lastIndexOf('/') + 1);
  if (segment === '') return false;
  if (DATABASE_FILE.test(segment)) return !THUMBNAIL_CACHE.test(segment);
  return (
    CREDENTIAL_FILE.test(segment) ||
    HTPASSWD_COPY.test(segment) ||
    FRONTPAGE_PASSWORDS.test(segment) ||
    PASSWORD_LIST.test(segment) ||
    TOKEN_FILE.test(segment) ||
    PRIVATE_KEY.test(segment) ||
    BACKUP_ARCHIVE.test(segment) ||
    SQL_DUMP.test(segment) ||
    CONFIG_COPY.test(segment) ||
    APPLICATION_LOG.test(segment) ||
    NAMED_ENV.test(segment) ||
    DEPLOYMENT_INI.test(segment) ||
    HISTORY_DOTFILE.test(segment) ||
    COMPOSE_FILE.test(segment) ||
    ENVIRONMENT_CONFIG.test(segment) ||
    CONFIG_INCLUDE.test(segment) ||
    BITRIX_DBCONN.test(segment) ||
    MAGENTO_LOCAL_COPY.test(segment) ||
    PRIVATE_SETTINGS.test(segment) ||
    GITLAB_CONFIG_BACKUP.test(segment) ||
    CONFIG_DIRECTORY.test(path)
  );
}

/**
 * Literals (lower-cased) one of which every path these patterns match contains: the prefilter's and the Elasticsearch
 * filter's needles for them.
 */
export const FILE_NAME_NEEDLES: readonly string[] = [
  'secret',
  'credential',
  'passw',
  'htpasswd',
  '.pwd',
  '/pass',
  '/pw.',
  '/pws.',
  '/logins.',
  'secring',
  'token.',
  'tokens.',
  '.ppk',
  'private',
  'privkey',
  '.key',
  '.zip',
  '.tar',
  '.tgz',
  '.gz',
  '.bz2',
  '.bzip2',
  '.xz',
  '.7z',
  '.rar',
  '.lz',
  '.z',
  '.war',
  '.bak',
  '.sql.',
  '.db',
  '.sqlitedb',
  '.mdb',
  '.accdb',
  '.rdb',
  '.mysql',
  ...CONFIG_COPY_NEEDLES,
  '.php1',
  '.php2',
  '.inc',
  '/settings.',
  'dbconn',
  'local.xml.',
  '.properties',
  '/config/',
  '/configs/',
  '/conf/',
  '.log',
  'error_log',
  '.ini',
  '.env',
  'docker-compose',
  '/config.',
  '/config_',
  '/config-',
  '_history',
];
