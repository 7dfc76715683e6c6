// Records what real scanners and a real browser leave in a real Traefik's access log, for
// src/network-guard/detection/__fixtures__/real-scanners/captured-*.log (README there: versions, commands). Not a
// test and not run by CI: it needs the scanners built by hand (see the README) and the testbed's Traefik.
//
//   set -a; eval "$(npm run -s testbed:status)"; set +a
//   node scripts/record-real-scanner-logs.ts --tools /tmp/real-scanners-s20/bin \
//     --wordlist /tmp/real-scanners-s20/wordlists/quickhits.txt --out /tmp/real-scanners-s20/captured
//
// The tools, built from the registries into /tmp (never committed): for ffuf, gobuster and nuclei a throw-away Go
// module that requires the exact version (`require github.com/ffuf/ffuf/v2 v2.1.0`, `github.com/OJ/gobuster/v3
// v3.8.2`, `github.com/projectdiscovery/nuclei/v3 v3.6.0` plus `github.com/bytedance/sonic v1.15.0` for Go 1.26),
// `go mod tidy`, then `go build -o /tmp/real-scanners-s20/bin/<tool> <package>`; dirsearch: `pip install
// dirsearch==0.5.0` in a venv. nuclei runs only with --nuclei-templates (a checkout's `http/exposures`).
//
// Each run is a fresh Traefik (file provider, access log to a file) in front of an ordinary site
// (testing/ordinary-site.ts); each client reaches Traefik from its own loopback address through a small TCP relay
// (the tools cannot bind a source address), so Traefik logs each as its own client. The relay forwards bytes as they
// are. Runs: JSON with User-Agent and Referer kept, CLF with Traefik's defaults, and JSON again with `/.env` leaking.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { stringify } from 'yaml';
import { startOrdinarySite } from '../src/network-guard/testing/ordinary-site.ts';
import { startTraefik } from '../src/network-guard/testing/traefik-process.ts';
import { parseTraefikLine } from '../src/network-guard/traefik-log/parse-traefik-line.ts';

const { values } = parseArgs({
  options: {
    'traefik-bin': { type: 'string', default: process.env.TRAEFIK_BIN },
    'plugins-dir': { type: 'string', default: process.env.TRAEFIK_PLUGINS_DIR },
    tools: { type: 'string', default: '/tmp/real-scanners-s20/bin' },
    dirsearch: { type: 'string', default: '/tmp/real-scanners-s20/venv/bin/dirsearch' },
    'nuclei-templates': { type: 'string' },
    wordlist: { type: 'string', default: '/tmp/real-scanners-s20/wordlists/quickhits.txt' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    out: { type: 'string', default: '/tmp/real-scanners-s20/captured' },
    /** Only trim the whole logs already in --out again (after changing the trimming). */
    'trim-only': { type: 'boolean', default: false },
  },
});
const traefikBin = values['traefik-bin'];
const pluginsDir = values['plugins-dir'];
if (!traefikBin || !pluginsDir) throw new Error('TRAEFIK_BIN and TRAEFIK_PLUGINS_DIR (npm run -s testbed:status)');
const wordlist = values.wordlist;

/** The client addresses the fixtures' test expects (README). */
const CLIENTS = {
  ffuf: '127.0.0.11',
  gobuster: '127.0.0.12',
  dirsearch: '127.0.0.13',
  nuclei: '127.0.0.14',
  visitorA: '127.0.0.21',
  visitorB: '127.0.0.22',
  developer: '127.0.0.23',
} as const;

/** A listener on 127.0.0.1 whose connections reach `port` from `from`. */
async function relay(from: string, port: number): Promise<{ url: string; server: Server }> {
  const server = createServer((socket) => {
    const upstream = connect({ host: '127.0.0.1', port, localAddress: from });
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('relay did not listen');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

function run(command: string, args: string[]): Promise<void> {
  console.log(`$ ${command} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))));
  });
}

type Tool = keyof typeof CLIENTS;
const scanners: Array<{ tool: Tool; args: (url: string) => [string, string[]] }> = [
  {
    tool: 'ffuf',
    args: (url) => [
      join(values.tools, 'ffuf'),
      ['-u', `${url}/FUZZ`, '-w', wordlist, '-t', '20', '-s', '-noninteractive'],
    ],
  },
  {
    tool: 'gobuster',
    args: (url) => [
      join(values.tools, 'gobuster'),
      ['dir', '-u', url, '-w', wordlist, '-t', '20', '-q', '--no-progress'],
    ],
  },
  {
    tool: 'dirsearch',
    args: (url) => [values.dirsearch, ['-u', `${url}/`, '-q', '--no-color', '-t', '20', '-o', '/dev/null']],
  },
];
if (values['nuclei-templates']) {
  const templates = values['nuclei-templates'];
  scanners.push({
    tool: 'nuclei',
    args: (url) => [join(values.tools, 'nuclei'), ['-u', url, '-t', templates, '-duc', '-ni', '-silent', '-c', '20']],
  });
}

/** An ordinary visitor in a fresh browser profile: pages, links, a reload, back. */
async function visit(url: string, developer: boolean): Promise<void> {
  const browser = await chromium.launch({
    executablePath: values.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}/`, { waitUntil: 'networkidle' });
    await page.click('text=Products');
    await page.waitForLoadState('networkidle');
    await page.click('text=Mug');
    await page.waitForLoadState('networkidle');
    await page.reload({ waitUntil: 'networkidle' });
    await page.goBack({ waitUntil: 'networkidle' });
    await page.click('text=About');
    await page.waitForLoadState('networkidle');
    await page.click('text=Blog');
    await page.waitForLoadState('networkidle');
    await page.goto(`${url}/`, { waitUntil: 'networkidle' });
    if (developer) {
      // What a developer opens from the browser: the source map, the runtime config, robots and security.txt.
      for (const path of ['/assets/app.3f2a1c.js.map', '/config.json', '/robots.txt', '/.well-known/security.txt'])
        await page.goto(`${url}${path}`, { waitUntil: 'networkidle' });
    }
  } finally {
    await browser.close();
  }
}

async function record(name: string, format: 'json' | 'common', leak: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `real-scanners-${name}-`));
  const site = await startOrdinarySite({ leak });
  const dynamic = join(dir, 'dynamic');
  mkdirSync(dynamic);
  writeFileSync(
    join(dynamic, 'routes.yaml'),
    stringify({
      http: {
        routers: { site: { rule: 'PathPrefix(`/`)', entryPoints: ['web'], service: 'site' } },
        services: { site: { loadBalancer: { servers: [{ url: `http://127.0.0.1:${site.port}` }] } } },
      },
    }),
  );
  const traefik = await startTraefik({
    bin: traefikBin as string,
    pluginsDir: pluginsDir as string,
    dir: join(dir, 'traefik'),
    accessLog: format === 'json' ? { format, keepHeaders: ['User-Agent', 'Referer'] } : { format },
    providers: { file: { directory: dynamic } },
  });
  const port = Number(new URL(traefik.url).port);
  const relays: Server[] = [];
  const via = async (tool: Tool) => {
    const { url, server } = await relay(CLIENTS[tool], port);
    relays.push(server);
    return url;
  };
  try {
    await visit(await via('visitorA'), false);
    await visit(await via('visitorB'), false);
    for (const scanner of scanners) {
      const [command, args] = scanner.args(await via(scanner.tool));
      await run(command, args).catch((error) => console.error(`${scanner.tool}: ${error.message}`));
    }
    await visit(await via('developer'), true);
    await visit(await via('visitorA'), false);
  } finally {
    for (const server of relays) server.close();
    await traefik.stop();
    site.close();
  }
  mkdirSync(values.out, { recursive: true });
  copyFileSync(traefik.accessLog, join(values.out, `${name}.log`));
  writeTrimmed(name);
}

function writeTrimmed(name: string): void {
  const full = join(values.out, `${name}.log`);
  const trimmed = join(values.out, `captured-${name}.log`);
  writeFileSync(trimmed, trim(readFileSync(full, 'utf8')));
  console.log(`${name}: ${full} (whole), ${trimmed} (trimmed)`);
}

/** Lines kept of each scanner: its first ones (every threshold is crossed well before) and every 2xx it got. */
const SCANNER_LINES = 300;
const VISITORS = new Set<string>([CLIENTS.visitorA, CLIENTS.visitorB, CLIENTS.developer]);

/** The fixture: every visitor line, and of each scanner its first SCANNER_LINES lines and its 2xx answers, in order. */
function trim(log: string): string {
  const seen = new Map<string, number>();
  const kept: string[] = [];
  for (const line of log.split('\n')) {
    const parsed = parseTraefikLine(line);
    if (!parsed.ok) continue;
    const { clientIp, status } = parsed.event;
    const count = (seen.get(clientIp) ?? 0) + 1;
    seen.set(clientIp, count);
    if (VISITORS.has(clientIp) || count <= SCANNER_LINES || (status >= 200 && status < 300)) kept.push(line);
  }
  return `${kept.join('\n')}\n`;
}

const RUNS = [
  { name: 'json', format: 'json', leak: false },
  { name: 'clf', format: 'common', leak: false },
  { name: 'json-leak', format: 'json', leak: true },
] as const;
if (values['trim-only']) for (const { name } of RUNS) writeTrimmed(name);
else {
  if (!existsSync(wordlist)) throw new Error(`wordlist ${wordlist} not found`);
  for (const { name, format, leak } of RUNS) await record(name, format, leak);
}
