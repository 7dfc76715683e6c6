import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { isLoopback, splitListen } from '../config/load-config.ts';
import { metrics } from '../core/metrics.ts';
import { createHttpApp } from '../http/http-app.ts';
import { RequestGuard } from '../http/request-guard.ts';
import type { Route } from '../http/router.ts';
import type { AgentRuntime } from '../network-guard/agent-runtime.ts';
import { capabilityRoutes } from './capability-routes.ts';
import { metricsRoute } from './metrics-route.ts';
import { staticRoutes } from './static-routes.ts';

export type { Route, RouteReply, RouteRequest } from '../http/router.ts';

export interface WebServerOptions {
  runtime: AgentRuntime;
  /** `host:port`; port 0 picks a free port (tests). The config loader already refused non-loopback hosts. */
  listen: string;
  /** Bearer token for the API and /metrics; defaults to the config's web.token. */
  token?: string;
  /** Extra Host names a loopback listener accepts; defaults to the config's web.allowed_hosts. */
  allowedHosts?: readonly string[];
  /** More routes beside the capabilities' own (capability-routes.ts); the same checks apply. */
  extraRoutes?: Route[];
  /** Where unexpected handler errors are reported (the client only sees a generic 500). */
  onError?: (error: unknown, request: { method: string; path: string }) => void;
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/** The review page, every capability's routes and /metrics, on the one HTTP stack (Hono on node:http). */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const [host, port] = splitListen(options.listen);
  if (host === undefined || port === undefined) {
    throw new Error(`web.listen: expected host:port, got ${JSON.stringify(options.listen)}`);
  }
  const startedAt = new Date();
  const web = options.runtime.config.web;
  const app = createHttpApp({
    routes: [
      ...staticRoutes(),
      ...(await capabilityRoutes({ runtime: options.runtime, startedAt })),
      metricsRoute(options.runtime),
      ...(options.extraRoutes ?? []),
    ],
    guard: new RequestGuard({
      token: options.token ?? web.token,
      loopbackOnly: isLoopback(host),
      allowedHosts: options.allowedHosts ?? web.allowed_hosts,
    }),
    onError: options.onError,
    onAnswer: ({ method, route, status }) =>
      metrics.increment('devops_agent_http_requests_total', { method, route, code: String(status) }),
  });
  // overrideGlobalObjects: false keeps the process's own fetch Request/Response (the LLM and chat clients use them).
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host, overrideGlobalObjects: false }) as Server;
  // Slow or stalled clients must not hold connections open forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
