import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './http-response.ts';

/** The custom header every state-changing request must carry: a cross-site form or image cannot set it. */
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_HEADER_VALUE = 'devops-agent';

export interface RequestGuardOptions {
  token?: string;
  /** True when the server listens on loopback only: then the Host header must name loopback too (DNS rebinding). */
  loopbackOnly: boolean;
  /** More Host names (without port) accepted by a loopback listener (web.allowed_hosts). */
  allowedHosts?: readonly string[];
}

/** What the checks read: the request's headers by lower-case name (node:http's IncomingMessage fits). */
export interface GuardedRequest {
  headers: Record<string, string | string[] | undefined>;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Checks that apply before routing. A page on another site can make a browser on this machine send requests to
 * 127.0.0.1, and DNS rebinding can even make them look same-origin; so loopback listeners accept only loopback Host
 * names, and state-changing requests need a JSON body, our custom header and (when the browser sends them) a
 * same-origin Origin and Sec-Fetch-Site.
 */
export class RequestGuard {
  readonly #tokenDigest?: Buffer;
  readonly #loopbackOnly: boolean;
  readonly #allowedHosts: Set<string>;

  constructor(options: RequestGuardOptions) {
    this.#tokenDigest = options.token ? digest(options.token) : undefined;
    this.#loopbackOnly = options.loopbackOnly;
    this.#allowedHosts = new Set((options.allowedHosts ?? []).map((host) => host.trim().toLowerCase()));
  }

  get requiresToken(): boolean {
    return this.#tokenDigest !== undefined;
  }

  checkHost(request: GuardedRequest): void {
    if (!this.#loopbackOnly) return;
    const host = hostName(String(request.headers.host ?? ''));
    if (LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || this.#allowedHosts.has(host)) {
      return;
    }
    throw new HttpError(
      421,
      'this server answers only to loopback host names (localhost, 127.0.0.1, [::1]) and web.allowed_hosts',
    );
  }

  /** Bearer token, compared in constant time (both sides hashed so lengths do not leak). */
  checkToken(request: GuardedRequest): void {
    if (!this.#tokenDigest) return;
    const header = String(request.headers.authorization ?? '');
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1].trim()), this.#tokenDigest)) {
      throw new HttpError(401, 'missing or wrong bearer token', { headers: { 'WWW-Authenticate': 'Bearer' } });
    }
  }

  checkCrossSite(request: GuardedRequest): void {
    if (request.headers[CSRF_HEADER] !== CSRF_HEADER_VALUE) {
      throw new HttpError(403, `state-changing requests need the header X-Requested-With: ${CSRF_HEADER_VALUE}`);
    }
    const type = String(request.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, 'expected Content-Type: application/json');
    const fetchSite = request.headers['sec-fetch-site'];
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
      throw new HttpError(403, `cross-site request refused (Sec-Fetch-Site: ${String(fetchSite).slice(0, 40)})`);
    }
    const origin = request.headers.origin === undefined ? undefined : String(request.headers.origin);
    if (origin !== undefined && origin !== 'null') {
      let originHost: string;
      try {
        originHost = new URL(origin).host;
      } catch {
        throw new HttpError(403, 'cross-site request refused (malformed Origin)');
      }
      if (originHost.toLowerCase() !== String(request.headers.host ?? '').toLowerCase()) {
        throw new HttpError(403, 'cross-site request refused (Origin does not match Host)');
      }
    } else if (origin === 'null') {
      throw new HttpError(403, 'cross-site request refused (opaque Origin)');
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `host:port`, `[v6]:port` or a bare name -> the lower-cased host part. */
function hostName(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}
