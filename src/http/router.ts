import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http-response.ts';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteRequest {
  method: HttpMethod;
  url: URL;
  /** Path parameters (`/api/incidents/:id` -> `{ id }`), percent-decoded. */
  params: Record<string, string>;
  /** The JSON object body (content type, size and shape already checked). */
  body(): Promise<Record<string, unknown>>;
  raw: IncomingMessage;
  response: ServerResponse;
}

/** What a handler answers; `undefined` when it wrote the response itself (static files). */
export type RouteReply =
  | { status: number; json: unknown }
  | { status: number; text: string; contentType: string }
  | undefined;

export interface Route {
  method: HttpMethod;
  /** Literal segments and `:name` parameters, e.g. `/api/incidents/:id/approve`. */
  path: string;
  handler: (request: RouteRequest) => Promise<RouteReply> | RouteReply;
  /** Served without the bearer token (static page files, health probe). */
  public?: boolean;
}

export type RouteMatch = { route: Route; params: Record<string, string> };

/** A small method + path router: exact segment matching, `:name` captures one segment, no wildcards. */
export class Router {
  readonly #routes: Array<{ route: Route; segments: string[] }> = [];

  add(...routes: Route[]): this {
    for (const route of routes) this.#routes.push({ route, segments: splitPath(route.path) });
    return this;
  }

  /** The route for a request; 404 when no path matches, 405 (with Allow) when the path exists for other methods. */
  match(method: string, pathname: string): RouteMatch {
    const segments = splitPath(pathname);
    const allowed = new Set<string>();
    for (const candidate of this.#routes) {
      const params = matchSegments(candidate.segments, segments);
      if (!params) continue;
      if (candidate.route.method === method || (method === 'HEAD' && candidate.route.method === 'GET')) {
        return { route: candidate.route, params };
      }
      allowed.add(candidate.route.method);
    }
    if (allowed.size > 0) {
      throw new HttpError(405, `method ${method} not allowed here`, { headers: { Allow: [...allowed].join(', ') } });
    }
    throw new HttpError(404, `no such endpoint: ${pathname.slice(0, 200)}`);
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index++) {
    const expected = pattern[index];
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(actual[index]);
      } catch {
        throw new HttpError(400, 'malformed percent-encoding in path');
      }
    } else if (expected !== actual[index]) return undefined;
  }
  return params;
}
