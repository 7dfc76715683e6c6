/** The HTTP methods our routes answer (HEAD is served by every GET route). */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/**
 * Who may call a route:
 * - `token`: the bearer token (when configured) and, for POST/DELETE, the cross-site checks (the default);
 * - `public`: anyone who passes the Host check (static page files, the health probe);
 * - `self`: the handler authenticates the request itself (Slack request signatures, signed links, API keys), so the
 *   bearer token and the browser cross-site checks do not apply. Host check, body limit and headers still do.
 */
export type RouteAccess = 'token' | 'public' | 'self';

export interface RouteRequest {
  method: HttpMethod;
  url: URL;
  /** Path parameters (`/api/incidents/:id` -> `{ id }`), percent-decoded. */
  params: Record<string, string>;
  /** The method as the client sent it: `HEAD` when a GET route answers a HEAD probe (the stack drops the body). */
  sentMethod: string;
  /** The TCP peer's address (never a forwarded header): for audit entries and `bouncers ls`. */
  remoteAddress: string;
  /** One request header (lower-case name), or undefined. */
  header(name: string): string | undefined;
  /** The JSON object body: 415 without a JSON content type, 400 when it is not a JSON object (size already capped). */
  body(): Promise<Record<string, unknown>>;
  /** The raw body text (size already capped): for handlers that verify a signature over the exact bytes. */
  text(): Promise<string>;
}

/** What a handler answers; a `Response` for anything else (static files). */
export type RouteReply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType: string; headers?: Record<string, string> }
  | Response;

export interface Route {
  method: HttpMethod;
  /** Literal segments and `:name` parameters, e.g. `/api/incidents/:id/approve`. */
  path: string;
  handler: (request: RouteRequest) => Promise<RouteReply> | RouteReply;
  /** Default `token`. */
  access?: RouteAccess;
}
