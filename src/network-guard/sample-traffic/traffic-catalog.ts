/** The sites, pages, agents and addresses the generated traffic is made of. */

export interface SiteService {
  router: string;
  name: string;
  address: string;
}

export interface Site {
  host: string;
  service: SiteService;
  pages: readonly string[];
  assets: readonly string[];
}

const www: Site = {
  host: 'www.example.com',
  service: { router: 'shop-www@kubernetescrd', name: 'shop-www-80@kubernetes', address: '10.42.1.17:8080' },
  pages: [
    '/',
    '/about',
    '/pricing',
    '/contact',
    '/blog/',
    '/blog/2026/10/release-notes-4-2',
    '/blog/2026/09/how-we-cut-our-cloud-bill',
    '/blog/2026/08/postgres-upgrade-lessons',
    '/docs/getting-started',
    '/docs/configuration/environment-variables',
    '/docs/api/authentication',
    '/docs/faq',
    '/products/standing-desk-pro',
    '/products/ergonomic-chair',
    '/products/monitor-arm-dual',
    '/products/usb-c-dock',
    '/cart',
    '/checkout',
    '/login',
    '/signup',
    '/account/orders',
    '/account/settings',
    '/search?q=desk',
    '/search?q=chair&sort=price',
    '/careers',
    '/legal/privacy',
  ],
  assets: [
    '/static/js/app.3f9a1c7e.js',
    '/static/js/vendor.b81d0f42.js',
    '/static/css/main.8b21e0d4.css',
    '/static/img/logo.svg',
    '/static/img/hero-2x.webp',
    '/static/fonts/inter-var.woff2',
    '/manifest.webmanifest',
  ],
};

const api: Site = {
  host: 'api.example.com',
  service: { router: 'shop-api@kubernetescrd', name: 'shop-api-80@kubernetes', address: '10.42.2.31:8080' },
  pages: [
    '/v1/products?page=1&per_page=24',
    '/v1/products?page=2&per_page=24&sort=price',
    '/v1/products/standing-desk-pro',
    '/v1/cart',
    '/v1/session',
    '/v1/recommendations?for=ergonomic-chair',
    '/v1/orders?status=open',
    '/v1/search?q=desk&limit=10',
  ],
  assets: [],
};

export const SITES: readonly Site[] = [www, api];

/** Pages a typo or an old bookmark produces: 404 from the application. */
export const TYPO_PAGES: readonly string[] = [
  '/abuot',
  '/prcing',
  '/blgo/',
  '/contcat',
  '/products/standing-desk-pr',
  '/docs/getting_started',
  '/old-site/index.php?page=news',
  '/shop/item.asp?id=17',
];

export const BROWSER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
];

export const ACCEPT_LANGUAGES: readonly string[] = [
  'en-US,en;q=0.9',
  'en-GB,en;q=0.9',
  'de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7',
  'fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7',
  'es-ES,es;q=0.9',
  'nl-NL,nl;q=0.9,en;q=0.8',
];

export const ACCEPT_HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
export const ACCEPT_JSON = 'application/json, text/plain, */*';
export const ACCEPT_ANY = '*/*';

/** First octets of ordinary users' IPv4 addresses: public unicast, far from the labelled and documentation ranges. */
export const USER_IPV4_FIRST_OCTETS: readonly number[] = [
  31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 109, 151, 176, 178, 188,
  212, 213, 217,
];
export const USER_IPV6_PREFIXES: readonly string[] = ['2a01:cb00', '2a02:8108', '2a00:23c5', '2001:4860:7'];

/** Proxies (a CDN edge, then an internal load balancer) in front of Traefik; give them as trusted_proxies. */
export const TRUSTED_PROXIES: readonly string[] = ['10.0.0.2', '10.0.0.3'];
/** A company office that runs its own checks against the site: goes on the allowlist. */
export const OFFICE_IP = '198.51.100.10';
/** A corporate NAT: hundreds of employees behind one address. */
export const CORPORATE_NAT_IP = '192.0.2.10';
/** An innocent address an attacker writes into X-Forwarded-For. */
export const FORGED_VICTIM_IP = '203.0.113.10';

export const MONITORS = [
  {
    ip: '69.162.124.235',
    userAgent: 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
    path: '/health',
  },
  { ip: '178.62.52.237', userAgent: 'Better Stack Better Uptime Bot Mozilla/5.0 (Linux x86_64)', path: '/health' },
] as const;

export const CRAWLERS = [
  { ip: '66.249.66.1', userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
  { ip: '157.55.39.50', userAgent: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)' },
] as const;

/** Paths secrets scanners request (a cut of public wordlists). Every one matches the sensitive-path list. */
export const SCANNER_PATHS: readonly string[] = [
  '/.env',
  '/.env.local',
  '/.env.production',
  '/.env.backup',
  '/.env.bak',
  '/.env.old',
  '/api/.env',
  '/app/.env',
  '/backend/.env',
  '/laravel/.env',
  '/.git/config',
  '/.git/HEAD',
  '/.git/index',
  '/.git/logs/HEAD',
  '/.gitlab-ci.yml',
  '/.svn/entries',
  '/.hg/hgrc',
  '/wp-config.php',
  '/wp-config.php.bak',
  '/wp-config.php~',
  '/config.php',
  '/configuration.php',
  '/config.json',
  '/config.yml',
  '/config/database.yml',
  '/config/secrets.yml',
  '/config/master.key',
  '/appsettings.json',
  '/web.config',
  '/application.properties',
  '/secrets.json',
  '/credentials.json',
  '/.aws/credentials',
  '/.aws/config',
  '/.ssh/id_rsa',
  '/.ssh/id_ed25519',
  '/id_rsa',
  '/.npmrc',
  '/.pypirc',
  '/.netrc',
  '/.htpasswd',
  '/.docker/config.json',
  '/.kube/config',
  '/docker-compose.yml',
  '/terraform.tfstate',
  '/terraform.tfvars',
  '/.vscode/sftp.json',
  '/sftp-config.json',
  '/phpinfo.php',
  '/server-status',
  '/actuator/env',
  '/actuator/heapdump',
  '/debug/pprof',
  '/api/v1/secrets',
  '/v1/secret',
  '/backup.sql',
  '/dump.sql',
  '/database.sql',
  '/.DS_Store',
  '/firebase.json',
];

/** The same targets written to slip past naive matching: encodings, case, dot segments, parameters. */
export const EVASIVE_PATHS: readonly string[] = [
  '/%2eenv',
  '/.git%2fconfig',
  '/.env?x=1',
  '/%252eenv',
  '/.ENV',
  '//.env',
  '/static/../.env',
  '/.env;.js',
  '/.git/./config',
  '/%2e%67%69%74/config',
  '/.%65nv.production',
  '/wp-config.php%3f',
  '/.aws/credentials/',
  '/.Git/Config',
  '/assets/..%2f.env',
  '/.env%23',
  '/%2E%65%6E%76.local',
  '/.ssh/ID_RSA',
  '\\.env',
  '/.git/HEAD?',
];
