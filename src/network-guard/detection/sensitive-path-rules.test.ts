import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizePath } from '../../core/normalize-path.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { PathPatternList } from './sensitive-path-rules.ts';

const matcher = new SensitivePathMatcher();

test('recall gaps: bare dot-directories, VCS, trust files, history and rc files, dumps, backups, state, CI, cloud SDKs, profilers', () => {
  for (const raw of [
    '/.git',
    '/.svn/',
    '/.hg',
    '/.ssh',
    '/.bashrc',
    '/.mysql_history',
    '/.psql_history',
    '/.subversion',
    '/.cvs',
    '/CVS/Root',
    '/.rhosts',
    '/.forward',
    '/.pwd',
    '/shop_2024-01-01.sql',
    '/backups/prod.sql.gz',
    '/config.php.bak',
    '/settings.py~',
    '/app/config/database.yml.old',
    '/infra/prod.tfstate',
    '/kubeconfig.yaml',
    '/Jenkinsfile',
    '/.github/workflows/release.yml',
    '/.config/gcloud/application_default_credentials.json',
    '/.oci/config',
    '/actuator/env',
    '/actuator/heapdump',
    '/debug/pprof/goroutine',
    '/_profiler/phpinfo',
    '/__debug__/sql',
    '/telescope/requests',
    // traversal canaries, Java private directories, phpinfo pages, logs and debug panels, SQLite files, SSH keys
    '/c:/win.ini',
    '/boot.ini',
    '/etc/group',
    '/s/lkx/_/;/WEB-INF/classes/seraph-config.xml',
    '/owncloud/apps/graphapi/vendor/microsoft/microsoft-graph/tests/GetPhpInfo.php',
    '/storage/logs/laravel.log',
    '/wp-content/debug.log',
    '/debug/default/view',
    '/db.sqlite',
    '/backup/app.sqlite3',
    '/.ssh/id_ed25519',
    '/id_ecdsa',
    '/index.php?page=../../../../etc/passwd',
    // editors' FTP deployment settings, TLS keys by certbot's names, Django settings, Bazaar, a repository archive
    '/.ftpconfig',
    '/ftpsync.settings',
    '/.remote-sync.json',
    '/deployment-config.json',
    '/filezilla.xml',
    '/etc/letsencrypt/live/example.org/privkey.pem',
    '/ssl.key',
    '/settings.py',
    '/app/local_settings.py',
    '/.bzr/branch/branch.conf',
    '/.git.zip',
  ]) {
    assert.ok(matcher.matches(normalizePath(raw)), raw);
  }
});

test('file names that are secrets wherever they sit (the gaps nuclei exposure templates showed)', () => {
  for (const raw of [
    '/client_secrets.json',
    '/oauth-credentials.json',
    '/assets/other/service-account-credentials.json',
    '/config/initializers/secret_token.rb',
    '/database_credentials.inc',
    '/token.json',
    '/access_tokens.db',
    '/localhost.key',
    '/www.example.com.key',
    '/apiserver-etcd-client.key',
    '/.putty/my.ppk',
    '/private-key',
    '/backup_2024-01-01.tar.gz',
    '/wwwroot.bak',
    '/db.7z',
    '/public_html.zip',
    '/users.sql.rar',
    '/database/production.db',
    '/site/default/settings.php.bk',
    '/config.php.txt',
    '/configuration.php-dist',
    '/app/etc/local.xml.1',
    '/application/configs/application.ini',
    '/core/config/databases.yml',
    '/config/packages/security.yaml',
    '/log/production.log',
    '/php_errors.log',
    '/npm-debug.log',
    '/error_log',
    '/sendgrid.env',
    '/docker-compose.prod.yml',
    '/production.ini',
    '/.dbeaver/credentials-config.json',
    '/.msmtprc',
    '/cgi-bin/printenv.pl',
    '/_darcs/prefs/binaries',
    '/.ksh_history',
    '/.irb_history',
    '/metadata/v1.json',
  ]) {
    assert.ok(matcher.matches(normalizePath(raw)), raw);
  }
  // what real sites served their visitors under similar names: a page, an article, a download, a sample, a phone's
  // provisioning file, Windows' thumbnail cache (the logs in README's test table)
  for (const raw of [
    '/password.html',
    '/web_siswa/forgot_password.php',
    '/featured/20160815-secret-ledge-ukraine.php',
    '/api/token',
    '/files/xdotool/xdotool-2.20101014.3063.tar.gz',
    '/downloads/mysql-connector-j-8.4.0.zip', // a download named after a database, not a backup of one
    '/db-tools.zip',
    '/files/logstash/logstash-1.1.9-flatjar.jar',
    '/sitemap.xml.gz',
    '/misc/sample.log',
    '/pv/000000000000.cfg',
    '/template/simpleweb/images/Thumbs.db',
    '/talks/keynote.key',
    '/js/tokenizer.json',
    '/robots.txt',
  ]) {
    assert.ok(!matcher.matches(normalizePath(raw)), raw);
  }
});

test('well-known URLs and health endpoints are never sensitive', () => {
  for (const raw of [
    '/.well-known/acme-challenge/Zm9vYmFyLmVudg',
    '/.well-known/security.txt',
    '/.well-known/change-password',
    '/.well-known/apple-app-site-association',
    '/.well-known/assetlinks.json',
    '/actuator/health',
    '/actuator/health/liveness',
    '/healthz',
    '/health',
    '/-/healthy',
    '/readyz',
    '/livez',
  ]) {
    assert.ok(!matcher.matches(normalizePath(raw)), raw);
  }
  for (const raw of ['/blog/sql-tips', '/old', '/assets/app.js', '/docs/configuration']) {
    assert.ok(!matcher.matches(normalizePath(raw)), raw);
  }
});

test('every new rule has a needle the prefilter can see', () => {
  const needles = matcher.needles;
  for (const path of ['/dump.sql', '/config.php.bak', '/settings.py~', '/prod.tfstate']) {
    assert.ok(
      needles.some((needle) => path.includes(needle)),
      path,
    );
  }
});

test('operator path lists match exact paths, host-qualified paths and prefixes', () => {
  const list = new PathPatternList(['/config.js', 'shop.example/env.js', '/assets/*']);
  assert.ok(list.matches('any.example', '/config.js'));
  assert.ok(list.matches('shop.example', '/env.js'));
  assert.ok(!list.matches('blog.example', '/env.js'));
  assert.ok(list.matches(undefined, '/assets/config.json'));
  assert.ok(!list.matches(undefined, '/.env'));
});
