// Records the access logs a real Traefik v2 writes, for traefik-log/__fixtures__/traefik-v2.11-*.log (see the README
// there for how the binary was built). Not a test: run it by hand against a Traefik v2 binary.
//
//   node src/network-guard/testing/record-traefik-v2-logs.ts --bin /tmp/traefik-v2-s19/traefik --out /tmp/v2-logs
//
// Three runs (JSON with headers kept, JSON with Traefik's default drop, CLF with the default fields), each a fresh
// Traefik on 127.0.0.1 with the file provider, sent the same raw requests from distinct loopback addresses.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

const { values } = parseArgs({
  options: {
    bin: { type: 'string' },
    out: { type: 'string', default: '/tmp/traefik-v2-logs' },
    port: { type: 'string', default: '18600' },
  },
});
if (!values.bin) throw new Error('--bin <path of a Traefik v2 binary> is required');
const bin = values.bin;
const base = Number(values.port);
const ports = { backend: base + 1, web: base + 10, ping: base + 11, strict: base + 12 };
const HOST = 'app.example.test';
/** htpasswd (apr1) of admin:correct-horse, made with `openssl passwd -apr1 -salt s19salt0 correct-horse`. */
const ADMIN = 'admin:$apr1$s19salt0$CJcZ676BH3Ypp3SmtFQif.';

const LOCAL_TIME = { names: { StartUTC: 'drop', ClientUsername: 'drop' } };
const runs = [
  { name: 'json-headers-keep', format: 'json', fields: { headers: { defaultMode: 'keep' } } },
  { name: 'json', format: 'json', fields: undefined },
  { name: 'clf', format: 'common', fields: undefined },
  // Where the default drop would write "-" for them, the referer and agent as sent; and a local time zone.
  { name: 'clf-headers-keep', format: 'common', fields: { headers: { defaultMode: 'keep' } }, tz: 'Europe/Berlin' },
  // Traefik's documented way to log local time: TZ set and StartUTC dropped (ClientUsername dropped as well).
  { name: 'json-local-time', format: 'json', fields: LOCAL_TIME, tz: 'Europe/Berlin' },
  { name: 'clf-local-time', format: 'common', fields: LOCAL_TIME, tz: 'Europe/Berlin' },
] as const;

interface RawRequest {
  from: string;
  /** The `strict` entry point (encoded slash, NUL and percent rejected with a 400) instead of `web`. */
  strict?: boolean;
  /** Bytes sent as they are: the request line and headers, CRLF-separated, ending with an empty line. */
  head: string;
}

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const get = (from: string, target: string, headers: Record<string, string> = {}, method = 'GET'): RawRequest => ({
  from,
  head: `${method} ${target} HTTP/1.1\r\n${Object.entries({
    Host: HOST,
    'User-Agent': FIREFOX,
    ...headers,
    Connection: 'close',
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`,
});
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

/** The requests, in order; traefik-v2-real-output.test.ts expects them in this order. */
export const requests: RawRequest[] = [
  get('127.0.0.7', '/'),
  get('127.0.0.7', '/index.html?lang=en&q=a%20b'),
  get('127.0.0.8', '/.env', { 'User-Agent': 'gitleaks/8.21.2' }),
  get('127.0.0.8', '/.git/config', { 'User-Agent': 'gitleaks/8.21.2' }),
  get('127.0.0.8', '/wp-config.php.bak', { 'User-Agent': 'gitleaks/8.21.2' }),
  get('127.0.0.8', '/%2e%65nv', { 'User-Agent': 'gitleaks/8.21.2' }),
  get('127.0.0.8', '/static/../.env', { 'User-Agent': 'gitleaks/8.21.2' }),
  get('127.0.0.8', '/..%2f..%2fetc%2fpasswd', { 'User-Agent': 'gitleaks/8.21.2' }),
  get('127.0.0.9', '/admin/'),
  get('127.0.0.9', '/admin/', { Authorization: basic('mallory:guess') }),
  get('127.0.0.9', '/admin/', { Authorization: basic('admin:correct-horse') }),
  get('127.0.0.7', '/api/index.html'),
  get('127.0.0.7', '/api/.env'),
  get('127.0.0.7', '/gone/'),
  get('127.0.0.8', '/gone/.env', { 'User-Agent': 'gitleaks/8.21.2' }),
  get('127.0.0.11', '/', { 'User-Agent': `Mozilla/5.0 ${'A'.repeat(6000)}` }),
  get('127.0.0.12', '/caf%C3%A9/%E2%82%AC'),
  get('127.0.0.12', '/café/€'),
  get('127.0.0.12', '/a%0d%0ab%00c%1b'),
  get('127.0.0.12', '/say "hi"', { 'User-Agent': 'say "hi" \\ back' }),
  { from: '127.0.0.13', head: `GET /index.html HTTP/1.0\r\nHost: ${HOST}\r\nUser-Agent: Lynx/2.8.9\r\n\r\n` },
  { from: '127.0.0.13', head: 'GET /.env HTTP/1.0\r\nUser-Agent: Lynx/2.8.9\r\n\r\n' },
  get('127.0.0.14', '/', {}, 'HEAD'),
  get('127.0.0.14', '*', {}, 'OPTIONS'),
  get('127.0.0.14', '/.env', {}, 'PROPFIND'),
  get('127.0.0.14', HOST, {}, 'CONNECT'),
  get('127.0.0.14', '/.env', { 'User-Agent': 'curl/8.14' }, 'FOO'),
  get('127.0.0.10', '/.aws/credentials', { 'X-Forwarded-For': '203.0.113.9', 'X-Real-Ip': '203.0.113.10' }),
  get('127.0.0.5', '/.aws/credentials', { 'X-Forwarded-For': '198.51.100.23' }),
  get('127.0.0.15', '/', { Host: 'other.example.test' }),
  get('127.0.0.16', '/%2e%2e/%2e%2e/etc/passwd'),
  get('127.0.0.16', '/index.html', { Host: 'app.example.test:bad' }),
  get('127.0.0.16', '/%'),
  get('127.0.0.16', '/index.html#top'),
  get('127.0.0.18', '/.env', {
    'User-Agent': 'say "hi" \\ back',
    // Text that would frame another client if a reader took the referer's quote for the field's end.
    Referer: 'https://example.test/" 203.0.113.66 - - [01/Jan/2026:00:00:00 +0000] "GET /x HTTP/1.1" 200 1 "-',
  }),
  get('127.0.0.18', '/', { 'User-Agent': `Mozilla/5.0 ${'B'.repeat(20000)}` }),
  get('127.0.0.18', '/index.html', { 'User-Agent': 'Mozilla/5.0 (日本語; ü) \t tab' }),
  { ...get('127.0.0.17', '/..%2f..%2fetc%2fpasswd'), strict: true },
  { ...get('127.0.0.17', '/a%00.env'), strict: true },
  { ...get('127.0.0.17', '/%25%32%65env'), strict: true },
  { ...get('127.0.0.17', '/index.html'), strict: true },
  // A basic-auth user name with ` - ` in it (wrong password): v2's CLF writes the name as sent, unquoted.
  get('127.0.0.19', '/admin/', { Authorization: basic('x - y:guess') }),
];

function send(request: RawRequest): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port: request.strict ? ports.strict : ports.web,
      localAddress: request.from,
    });
    let answer = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', () => resolve('(connection error)'));
    socket.write(Buffer.from(request.head, 'utf8'));
  });
}

function writeConfig(dir: string, run: (typeof runs)[number]): string {
  writeFileSync(
    join(dir, 'routes.yml'),
    stringify({
      http: {
        routers: {
          app: { rule: `Host(\`${HOST}\`)`, entryPoints: ['web', 'strict'], service: 'backend' },
          admin: {
            rule: `Host(\`${HOST}\`) && PathPrefix(\`/admin\`)`,
            entryPoints: ['web', 'strict'],
            service: 'backend',
            middlewares: ['admin-auth'],
          },
          api: {
            rule: `Host(\`${HOST}\`) && PathPrefix(\`/api\`)`,
            entryPoints: ['web', 'strict'],
            service: 'backend',
            middlewares: ['strip-api'],
          },
          // Every path of it is a 404: the backend answers /gone/* with 404.
          gone: {
            rule: `Host(\`${HOST}\`) && PathPrefix(\`/gone\`)`,
            entryPoints: ['web', 'strict'],
            service: 'backend',
          },
        },
        middlewares: {
          'admin-auth': { basicAuth: { users: [ADMIN] } },
          'strip-api': { stripPrefix: { prefixes: ['/api'] } },
        },
        services: { backend: { loadBalancer: { servers: [{ url: `http://127.0.0.1:${ports.backend}` }] } } },
      },
    }),
  );
  const configFile = join(dir, 'traefik.yml');
  writeFileSync(
    configFile,
    stringify({
      global: { checkNewVersion: false, sendAnonymousUsage: false },
      entryPoints: {
        web: { address: `127.0.0.1:${ports.web}`, forwardedHeaders: { trustedIPs: ['127.0.0.5'] } },
        strict: {
          address: `127.0.0.1:${ports.strict}`,
          http: {
            encodedCharacters: {
              allowEncodedSlash: false,
              allowEncodedNullCharacter: false,
              allowEncodedPercent: false,
            },
          },
        },
        ping: { address: `127.0.0.1:${ports.ping}` },
      },
      ping: { entryPoint: 'ping' },
      log: { level: 'INFO', filePath: join(dir, 'traefik.log') },
      accessLog: {
        filePath: join(dir, 'access.log'),
        format: run.format,
        bufferingSize: 0,
        ...(run.fields ? { fields: run.fields } : {}),
      },
      providers: { file: { filename: join(dir, 'routes.yml'), watch: false } },
    }),
  );
  return configFile;
}

async function waitForPing(child: ChildProcess): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    if (child.exitCode !== null) throw new Error(`traefik exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${ports.ping}/ping`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error('traefik did not answer /ping');
}

const backend = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const found = path === '/' || path === '/index.html' || path === '/admin/';
  res.writeHead(found ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(found ? 'hello\n' : 'not found\n');
});
await new Promise<void>((resolve) => backend.listen(ports.backend, '127.0.0.1', resolve));
mkdirSync(values.out, { recursive: true });
try {
  for (const run of runs) {
    const dir = join(values.out, run.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const env = 'tz' in run ? { ...process.env, TZ: run.tz } : { ...process.env, TZ: 'UTC' };
    const child = spawn(bin, [`--configFile=${writeConfig(dir, run)}`], { cwd: dir, env, stdio: 'ignore' });
    try {
      await waitForPing(child);
      await sleep(1000); // the file provider's routers
      for (const request of requests) {
        const status = await send(request);
        process.stdout.write(
          `${run.name} ${request.from} ${JSON.stringify(request.head.split('\r\n')[0])} -> ${status}\n`,
        );
      }
      await sleep(500);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    copyFileSync(join(dir, 'access.log'), join(values.out, `traefik-v2.11-${run.name}.log`));
  }
} finally {
  backend.close();
}
