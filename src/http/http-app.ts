import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { secureHeaders } from 'hono/secure-headers';
import { HttpError, MAX_BODY_BYTES, parseJsonObject } from './http-response.ts';
import type { RequestGuard } from './request-guard.ts';
import type { Route, RouteReply, RouteRequest } from './router.ts';

export interface HttpAppOptions {
  routes: readonly Route[];
  guard: RequestGuard;
  /** Where unexpected handler errors are reported (the client only sees a generic 500). */
  onError?: (error: unknown, request: { method: string; path: string }) => void;
  /** Called once per answer, with the route pattern (`unmatched` when none): request metrics. */
  onAnswer?: (answer: { method: string; route: string; status: number }) => void;
}

type AppEnvironment = { Variables: { route: string } };

/**
 * The page and API's only CSP: our own script and styles, no framing, no foreign form targets. A route may send a
 * stricter one itself (the approval pages send `default-src 'none'`): headers a route set are kept.
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
};

const STATE_CHANGING = new Set(['POST', 'DELETE', 'PUT', 'PATCH']);

/**
 * The one HTTP stack (Hono): every route, whichever capability contributed it, gets the same security headers, Host
 * check (DNS rebinding), body limit, JSON errors and request metrics; `token` routes also get the bearer token and,
 * when they change state, the cross-site checks. Order matters: unknown paths are 404 before the token is asked for.
 */
export function createHttpApp(options: HttpAppOptions): Hono<AppEnvironment> {
  const { guard } = options;
  const app = new Hono<AppEnvironment>({ strict: false });

  app.use(async (c, next) => {
    await next();
    options.onAnswer?.({ method: c.req.method, route: c.get('route') ?? 'unmatched', status: c.res.status });
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
      // A reverse proxy's name (web.allowed_hosts) must not be pinned to HTTPS with its subdomains by us.
      strictTransportSecurity: false,
      overwrite: false,
    }),
  );
  app.use(async (c, next) => {
    guard.checkHost(headersOf(c));
    try {
      decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      throw new HttpError(400, 'malformed percent-encoding in path');
    }
    await next();
  });
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const allow = methods.filter((method) => method !== 'HEAD').join(', ');
        return errorResponse(
          c,
          new HttpError(405, `method ${c.req.method} not allowed here`, { headers: { Allow: allow } }),
        );
      },
    }),
  );

  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
    },
  });
  for (const route of options.routes) {
    const access = route.access ?? 'token';
    app.on(
      route.method,
      route.path,
      async (c, next) => {
        c.set('route', route.path);
        if (access === 'token') guard.checkToken(headersOf(c));
        if (access === 'token' && STATE_CHANGING.has(c.req.method)) guard.checkCrossSite(headersOf(c));
        await next();
      },
      limitBody,
      async (c) => toResponse(c, await route.handler(routeRequest(c, route))),
    );
  }

  app.notFound((c) => errorResponse(c, new HttpError(404, `no such endpoint: ${c.req.path.slice(0, 200)}`)));
  app.onError((error, c) => {
    if (error instanceof HttpError) return errorResponse(c, error);
    options.onError?.(error, { method: c.req.method, path: c.req.path });
    return c.json({ error: 'internal error' }, 500, { 'Cache-Control': 'no-store' });
  });
  return app;
}

function headersOf(c: Context): { headers: Record<string, string> } {
  return { headers: c.req.header() };
}

function routeRequest(c: Context, route: Route): RouteRequest {
  const request: RouteRequest = {
    method: route.method,
    sentMethod: c.req.method,
    remoteAddress: peerAddress(c),
    url: new URL(c.req.url),
    params: c.req.param() as Record<string, string>,
    header: (name) => c.req.header(name),
    text: () => c.req.text(),
    body: async () => parseJsonObject(await c.req.text(), c.req.header('content-type')),
  };
  return request;
}

/** The socket's peer as @hono/node-server exposes it; 'unknown' when the app runs without it (app.request in tests). */
function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function toResponse(c: Context, reply: RouteReply): Response {
  if (reply instanceof Response) return reply;
  const headers = { 'Cache-Control': 'no-store', ...reply.headers };
  // biome-ignore lint/suspicious/noExplicitAny: Hono types status codes as a literal union; ours are plain numbers.
  const status = reply.status as any;
  if ('json' in reply) return c.json(reply.json, status, headers);
  return c.body(reply.text, status, { 'Content-Type': reply.contentType, ...headers });
}

function errorResponse(c: Context, error: HttpError): Response {
  // biome-ignore lint/suspicious/noExplicitAny: see toResponse.
  const status = error.statusCode as any;
  return c.json({ error: error.message, ...error.details }, status, { 'Cache-Control': 'no-store', ...error.headers });
}
