import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitListen } from '../config/load-config.ts';
import { metrics } from '../core/metrics.ts';
import { HttpError, readJsonObject, sendError, sendJson, sendText, setSecurityHeaders } from '../http/http-response.ts';
import { type Route, Router } from '../http/router.ts';
import type { AgentRuntime } from '../network-guard/agent-runtime.ts';
import { apiRoutes } from './api-routes.ts';
import { commandApprovalRoutes } from './command-approval-routes.ts';
import { metricsRoute } from './metrics-route.ts';
import { RequestGuard } from './request-guard.ts';
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
  /** More routes from the daemon (status of sources, ...); same token and cross-site rules apply. */
  extraRoutes?: Route[];
  /**
   * Handlers that authenticate requests themselves (Slack request signatures, signed approve links) and so run before
   * the bearer-token and cross-site checks; each returns false for paths that are not its own.
   */
  selfAuthenticatingHandlers?: Array<(request: IncomingMessage, response: ServerResponse) => Promise<boolean>>;
  /** Where unexpected handler errors are reported (the client only sees a generic 500). */
  onError?: (error: unknown, request: { method: string; path: string }) => void;
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

const STATE_CHANGING = new Set(['POST', 'DELETE', 'PUT', 'PATCH']);

/** The review page and REST API on node:http: static page files, the JSON API, /metrics. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const [host, port] = splitListen(options.listen);
  if (host === undefined || port === undefined) {
    throw new Error(`web.listen: expected host:port, got ${JSON.stringify(options.listen)}`);
  }
  const startedAt = new Date();
  const router = new Router()
    .add(...staticRoutes())
    .add(...apiRoutes(options.runtime, startedAt))
    .add(...commandApprovalRoutes(options.runtime))
    .add(metricsRoute(options.runtime))
    .add(...(options.extraRoutes ?? []));
  const web = options.runtime.config.web;
  const guard = new RequestGuard({
    token: options.token ?? web.token,
    loopbackOnly: isLoopback(host),
    allowedHosts: options.allowedHosts ?? web.allowed_hosts,
  });

  const server = createServer((request, response) => {
    handle(request, response, router, guard, options).catch((error) => {
      options.onError?.(error, { method: request.method ?? '', path: request.url ?? '' });
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
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

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  router: Router,
  guard: RequestGuard,
  options: WebServerOptions,
): Promise<void> {
  setSecurityHeaders(response);
  const method = request.method ?? 'GET';
  let routeLabel = 'unmatched';
  try {
    guard.checkHost(request);
    for (const handler of options.selfAuthenticatingHandlers ?? []) {
      if (await handler(request, response)) return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const { route, params } = router.match(method, url.pathname);
    routeLabel = route.path;
    if (!route.public) guard.checkToken(request);
    if (STATE_CHANGING.has(method)) guard.checkCrossSite(request);
    let body: Promise<Record<string, unknown>> | undefined;
    const reply = await route.handler({
      method: route.method,
      url,
      params,
      body: () => {
        body ??= readJsonObject(request);
        return body;
      },
      raw: request,
      response,
    });
    if (reply && 'json' in reply) sendJson(response, reply.status, reply.json);
    else if (reply) sendText(response, reply.status, reply.text, reply.contentType);
  } catch (error) {
    if (error instanceof HttpError) sendError(response, error);
    else {
      options.onError?.(error, { method, path: request.url ?? '' });
      sendJson(response, 500, { error: 'internal error' });
    }
  } finally {
    metrics.increment('devops_agent_http_requests_total', {
      method,
      route: routeLabel,
      code: String(response.statusCode),
    });
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
