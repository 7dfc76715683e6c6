// Shared by the web tests: a real store, the configured Traefik file blocker, incidents made by replaying log events
// through the NetworkGuard in review mode, and the web server on a free loopback port.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../config/load-config.ts';
import type { LogEvent } from '../core/log-event.ts';
import { normalizePath } from '../core/normalize-path.ts';
import { PROBE_PATHS } from '../core/testing/log-events.ts';
import { type AgentRuntime, openRuntime } from '../network-guard/agent-runtime.ts';
import { NetworkGuard } from '../network-guard/network-guard.ts';
import { startWebServer, type WebServer } from './web-server.ts';

export const PROBES = PROBE_PATHS.slice(0, 6);

/** One scanner's burst: every probe path, a second apart, from `ip` with `userAgent`. */
export function scanEvents(ip: string, options: { userAgent?: string; start?: number; status?: number } = {}) {
  const start = options.start ?? Date.parse('2026-11-01T10:00:00Z');
  const userAgent = options.userAgent ?? 'curl/8.0';
  return PROBES.flatMap((rawPath, index) =>
    [0, 1].map((repeat): LogEvent => {
      const status = options.status ?? (index % 2 === 0 ? 404 : 403);
      const time = start + index * 7000 + repeat * 40_000;
      return {
        time,
        clientIp: ip,
        method: 'GET',
        rawPath,
        path: normalizePath(rawPath),
        status,
        userAgent,
        raw: `${ip} - - [${new Date(time).toISOString()}] "GET ${rawPath} HTTP/1.1" ${status} 19 "-" "${userAgent}"`,
      };
    }),
  );
}

export interface WebFixture {
  dir: string;
  denylist: string;
  runtime: AgentRuntime;
  guard: NetworkGuard;
  server: WebServer;
  /** Replays events through the guard and returns the incidents created or updated. */
  replay(events: LogEvent[]): Promise<Array<{ id: number; ip: string; status: string }>>;
  close(): Promise<void>;
}

export async function startWebFixture(
  options: { token?: string; mode?: 'review' | 'auto' | 'disabled'; overrides?: Record<string, unknown> } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'web-'));
  const denylist = join(dir, 'dynamic', 'denylist.yaml');
  const config = defaultConfig({
    mode: options.mode ?? 'review',
    'database.path': join(dir, 'agent.db'),
    'audit.path': join(dir, 'audit.jsonl'),
    'blocking.blocker': 'traefik-file',
    'blocking.traefik_file.path': denylist,
    'web.listen': '127.0.0.1:0',
    ...options.overrides,
  });
  const runtime = await openRuntime(config);
  const guard = new NetworkGuard({ config, store: runtime.store, blocker: runtime.blocker, source: 'replay' });
  const server = await startWebServer({ runtime, listen: config.web.listen, token: options.token });
  const fixture: WebFixture = {
    dir,
    denylist,
    runtime,
    guard,
    server,
    async replay(events) {
      guard.observe(events);
      const outcomes = await guard.flush();
      return outcomes.map(({ incident }) => ({ id: incident.id, ip: incident.ip, status: incident.status }));
    },
    async close() {
      await server.close();
      runtime.close();
    },
  };
  return fixture;
}
