// Test helper: a loopback backend and HTTP clients bound to distinct loopback addresses (127.0.0.x), so that
// Traefik logs each as its own ClientAddr.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** 200 for `/` and `/index.html`, 404 for everything else (where a scanner's probes land, as on most sites). */
export async function startBackend(): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const found = path === '/' || path === '/index.html';
    res.writeHead(found ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(found ? 'hello\n' : 'not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

export interface ClientRequest {
  from: string;
  path?: string;
  userAgent?: string;
  headers?: Record<string, string>;
}

/** One GET from a given local address; resolves to the status code (0 when the connection failed). */
export function get(baseUrl: string, options: ClientRequest): Promise<number> {
  const url = new URL(options.path ?? '/', baseUrl);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        localAddress: options.from,
        agent: false,
        headers: {
          'user-agent': options.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
          ...options.headers,
        },
        timeout: 5000,
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
    req.end();
  });
}

/** The paths a secrets scanner probes first; six distinct ones trip `distinct_sensitive_paths` (5). */
export const SCANNER_PATHS = ['/.env', '/.git/config', '/.aws/credentials', '/wp-config.php.bak', '/.npmrc', '/id_rsa'];

/** Polls until `check` answers true, or throws `message` after `timeoutMs`; returns the milliseconds it took. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  message: () => string,
): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`after ${timeoutMs} ms: ${message()}`);
    await sleep(50);
  }
  return performance.now() - started;
}

/** Keeps one ordinary client browsing until stopped; returns every status it got. */
export function ordinaryClient(baseUrl: string, from: string): { stop(): Promise<number[]> } {
  const statuses: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      statuses.push(await get(baseUrl, { from }));
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return statuses;
    },
  };
}
