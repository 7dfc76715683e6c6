/**
 * Fourth part of the sensitive-path knowledge (after sensitive-paths.ts, sensitive-path-rules.ts and
 * sensitive-file-names.ts): the credential files and directories the OWASP Core Rule Set's restricted-file and OS-file
 * lists (rules 930130, 930120) name and ours did not (crs-restricted-files.test.ts measures it). Dotfiles and tool directories a
 * web root never serves, and the configuration files of a few products under their own names: no page has them.
 */
export const CREDENTIAL_FILE_SUFFIXES: readonly string[] = [
  // password and secret files under names of their own: digest auth, lighttpd, TOTP seeds, GitLab's first password
  '/.htdigest',
  '/.lighttpdpassword',
  '/.credentials',
  '/.secrets',
  '/.google_authenticator',
  // password files SecLists' quickhits.txt probes: Apache's user list, BSD's and SunOS's password databases, ProFTPD's,
  // Netscape/389 admin server's, and the lists web shells and stealers leave (seclists-secret-files.test.ts)
  '/.htusers',
  '/master.passwd',
  '/passwd.adjunct',
  '/proftpdpasswd',
  '/admpw',
  '/auth_user_file.txt',
  '/checked_accounts.txt',
  '/users.ini',
  '/initial_root_password',
  '/gitlab.rb',
  '/aws.yml',
  '/aws.yaml',
  '/aws-key.yml',
  '/aws-key.yaml',
  // database clients' saved logins (MySQL's option files, Debian's maintenance account, PostgreSQL's services)
  '/my.cnf',
  '/mysql.cnf',
  '/mysqldump.cnf',
  '/debian.cnf',
  '/.mylogin.cnf',
  '/.pg_service.conf',
  '/.mongoshrc.js',
  // mail and transfer clients' settings, with their passwords
  '/.mbsyncrc',
  '/.offlineimaprc',
  '/.lftprc',
  '/.curlrc',
  '/.ws_ftp.ini',
  // cookies and tokens: X11's authentication cookies, a text browser's sessions, Coveralls' and Yarn's tokens
  '/.xauthority',
  '/.lynx_cookies',
  '/.coveralls.yml',
  '/.yarnrc.yml',
  // shell startup files other than bash's and zsh's (exported tokens, like .bashrc), and shells' histories
  '/.cshrc',
  '/.tcshrc',
  '/.kshrc',
  '/.ashrc',
  '/.zshenv',
  '/config.fish',
  '/fish_variables',
  '/.zhistory',
  '/.lhistory',
  '/.rhistory',
  '/.lldb-history',
  '/.perlhistory',
  '/.perl_repl_history',
  '/.dbshell',
  // application configuration with database passwords (Drupal, PrestaShop, Rails-style YAML), CI, Compose
  '/settings.local.php',
  '/config/settings.inc.php',
  '/.config.local.php',
  '/database.yaml',
  '/.travis.yaml',
  '/compose.yml',
  '/compose.yaml',
  // password databases a traversal reads besides /etc/passwd and /etc/shadow (BSD's, Samba's, the shadow groups)
  '/etc/gshadow',
  '/etc/master.passwd',
  '/etc/npasswd',
  '/etc/password',
  '/etc/smbpasswd',
  '/etc/security/opasswd',
  // a kickstart file's root password hash; MySQL's option files elsewhere; old web applications' database logins
  '/anaconda-ks.cfg',
  '/etc/my.conf',
  '/my.ini',
  '/global.asa',
  '/includes/configure.php',
  '/typo3conf/localconf.php',
  '/typo3conf/localconfiguration.php',
  '/config/parameters.php',
  // configuration with database and service passwords that SecLists' quickhits.txt probes (seclists-secret-files.test.ts):
  // .NET's per-build and desktop configuration, Symfony 1's and Rails-style YAML, PEAR DataObject's and Propel's
  // DSNs, Java's db.properties, Magento Connect's FTP login, Oracle XSQL's connections, Windows' unattended setup
  '/app.config',
  '/web.debug.config',
  '/web.release.config',
  '/web.config.txt',
  '/databases.yml',
  '/settings.local.yml',
  '/dataobject.ini',
  '/propel.ini',
  '/db.properties',
  '/downloader/connect.cfg',
  '/etc/database.xml',
  '/xsqlconfig.xml',
  '/unattend.txt',
  '/unattend.xml',
  // FTP and mail clients' and FTP servers' settings with their saved passwords (ws_ftp.ini is in sensitive-path-rules.ts)
  '/eudora.ini',
  '/ffftp.ini',
  '/flashfxp.ini',
  '/wcx_ftp.ini',
  '/serv-u.ini',
  // FortiGate's SSL VPN session file under any prefix (the full path is in sensitive-path-rules.ts)
  '/sslvpn_websession',
  // bare directories whose listing or redirect already tells a scanner they exist (files inside: the fragments)
  '/.azure',
  '/.oci',
  '/web-inf',
  '/meta-inf',
];

/**
 * Directories of keys, tokens and saved logins in a home directory (and VPN client configurations): any file in one,
 * or the bare directory.
 */
const CREDENTIAL_DIRECTORIES: readonly string[] = [
  '.gnupg',
  '.password-store',
  '.pki',
  '.thunderbird',
  '.minikube',
  '.vagrant.d',
  '.cargo',
  '.gem',
  '.gsutil',
  '.kaggle',
  '.pip',
  '.m2',
  '.gradle',
  '.bundle',
  '.pulumi',
  '.linode-cli',
  '.opc',
  '.bluemix',
  '.ibmcloud',
  '.datadog-agent',
  '.cpanel',
  '.pgadmin',
  '.mongodb',
  '.pm2',
  '.getmail',
  '.gftp',
  '.ncftp',
  '.lftp',
  '.anydesk',
  '.openvpn',
  'wg-clients',
];

export const CREDENTIAL_DIRECTORY_SUFFIXES: readonly string[] = CREDENTIAL_DIRECTORIES.map((name) => `/${name}`);
export const CREDENTIAL_DIRECTORY_FRAGMENTS: readonly string[] = CREDENTIAL_DIRECTORIES.map((name) => `/${name}/`);
