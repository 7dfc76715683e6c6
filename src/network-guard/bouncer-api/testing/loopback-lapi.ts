// Test helper: the bouncer API on the one HTTP stack, listening on 127.0.0.1, and a raw HTTP client that sends a
// bouncer's request exactly as the bouncer builds it (method, path and query as written, only the listed headers).
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { Finding } from '../../../core/incident.ts';
import { createHttpApp } from '../../../http/http-app.ts';
import { RequestGuard } from '../../../http/request-guard.ts';
import { openStore, type Store } from '../../../store/store.ts';
import { bouncerApiRoutes } from '../bouncer-api-routes.ts';
import { BouncerStore } from '../bouncer-store.ts';

export interface RawAnswer {
  status: number;
  contentType: string | undefined;
  /** The body exactly as sent: parsers such as lua-cs-bouncer compare it with the text `null`. */
  body: string;
}

export interface LoopbackLapi {
  store: Store;
  dir: string;
  /** A fresh bouncer key (`devops-agent bouncers add NAME`). */
  addKey(name: string): string;
  /** One request as a bouncer sends it: `target` is the path and query, byte for byte. */
  send(method: string, target: string, headers: Record<string, string>, body?: string): Promise<RawAnswer>;
  setNow(at: Date): void;
  close(): Promise<void>;
}

export async function startLoopbackLapi(now: Date): Promise<LoopbackLapi> {
  const dir = mkdtempSync(join(tmpdir(), 'loopback-lapi-'));
  const store = openStore(join(dir, 'agent.db'), join(dir, 'audit.jsonl'));
  let clock = now;
  const app = createHttpApp({
    routes: bouncerApiRoutes({ store, now: () => clock }),
    guard: new RequestGuard({ loopbackOnly: true }),
  });
  const server = createAdaptorServer({
    fetch: app.fetch,
    hostname: '127.0.0.1',
    overrideGlobalObjects: false,
  }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const bouncers = new BouncerStore(store.db);
  return {
    store,
    dir,
    addKey: (name) => bouncers.add(name).key,
    send: (method, target, headers, body) =>
      new Promise((resolve, reject) => {
        const outgoing = httpRequest({ host: '127.0.0.1', port, method, path: target, headers }, (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              contentType: incoming.headers['content-type'],
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        });
        outgoing.on('error', reject);
        outgoing.end(body);
      }),
    setNow: (at) => {
      clock = at;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        store.close();
      }),
  };
}

/** The fixtures copied from the bouncers' sources (`__fixtures__/crowdsec-bouncers/`, see its README). */
export function bouncerFixture<T>(file: 'requests' | 'parsers' | 'upstream-answers'): T {
  return JSON.parse(
    readFileSync(new URL(`../__fixtures__/crowdsec-bouncers/${file}.json`, import.meta.url), 'utf8'),
  ) as T;
}

export interface BouncerRequests {
  headers: Record<string, string>;
  usageMetrics?: { headers: Record<string, string>; body: unknown };
  live?: string;
  streamStartup?: string;
  stream?: string;
  streamAllOptions?: string;
  ipEncoding: 'raw' | 'url.Values';
}

/** A bouncer's request headers with its key in place (`{key}`). */
export function headersWith(requests: Pick<BouncerRequests, 'headers'>, key: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(requests.headers).map(([name, value]) => [name, value.replace('{key}', key)]),
  );
}

/** The live query for one address, encoded as that bouncer encodes it (Go's url.Values escapes `:` as %3A). */
export function liveTarget(requests: BouncerRequests, ip: string): string {
  const encoded = requests.ipEncoding === 'raw' ? ip : encodeURIComponent(ip);
  return (requests.live ?? '').replace('{ip}', encoded);
}

/**
 * The blocks every bouncer test starts from: a scanner's address (secrets_scanning, 4 h minus 1.5 s left: the
 * fraction shows how durations are written), a manual IPv4 range, an IPv6 address written long-hand and an IPv6
 * network, both scanners.
 */
export const SEEDED = {
  scanner: '203.0.113.7',
  range: '198.51.100.0/24',
  insideRange: '198.51.100.42',
  ipv6: '2001:db8::5',
  ipv6Range: '2001:db8:1::/48',
  insideIpv6Range: '2001:db8:1::9',
  clean: '203.0.113.8',
} as const;

export function seedBlocks(store: Store, now: Date): void {
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
  const incident = (ip: string) =>
    store.incidents.create(
      { ip, threatType: 'secrets_scanning', severity: 'high', evidence: {} as Finding['evidence'] },
      'blocked',
      'blocked',
    ).id;
  store.blocks.add(SEEDED.scanner, 'traefik-file', incident(SEEDED.scanner), at(4 * 3_600_000 - 1_500));
  store.blocks.add(SEEDED.range, 'traefik-file', null, at(3_600_000));
  store.blocks.add('2001:0db8:0:0::5', 'traefik-file', incident(SEEDED.ipv6), at(3_600_000));
  store.blocks.add(SEEDED.ipv6Range, 'kubernetes', incident(SEEDED.insideIpv6Range), null);
}
