import type { IncomingMessage } from 'node:http';
import type { Route, RouteReply, RouteRequest } from '../../http/router.ts';
import type { Store } from '../../store/store.ts';
import { type BouncerRecord, BouncerStore } from './bouncer-store.ts';
import { parseDecisionFilter } from './decision-filter.ts';
import { pullDecisionStream, queryDecisions } from './decision-stream.ts';

export interface BouncerApiOptions {
  store: Store;
  now?: () => Date;
}

/**
 * The bouncer side of the CrowdSec Local API (`/v1/decisions`, `/v1/decisions/stream`, HEAD for health), so existing
 * CrowdSec bouncers enforce our blocks. Public to the bearer-token check: bouncers authenticate with `X-Api-Key`
 * (keys from `devops-agent bouncers add`); Host checks and the server's binding still apply. Handlers stay thin: the
 * work is in decision-stream.ts, so they move to another HTTP stack unchanged.
 */
export function bouncerApiRoutes(options: BouncerApiOptions): Route[] {
  const bouncers = new BouncerStore(options.store.db);
  const now = options.now ?? (() => new Date());
  return [
    {
      method: 'GET',
      path: '/v1/decisions/stream',
      public: true,
      handler: (request) => {
        const bouncer = authenticate(request.raw, options.store, bouncers);
        if (!bouncer) return FORBIDDEN;
        // HEAD is a health probe: it must not move the bouncer's position (CrowdSec does the same).
        if (request.raw.method === 'HEAD') return { status: 200, json: null };
        const filter = parseDecisionFilter(request.url.searchParams, { scopes: 'ip,range' });
        if (!filter.ok) return { status: 400, json: { message: filter.message } };
        const at = now();
        const stream = pullDecisionStream(
          options.store,
          bouncers,
          bouncer,
          {
            startup: request.url.searchParams.get('startup') === 'true',
            predicate: filter.predicate,
            userAgent: userAgent(request.raw),
          },
          at,
        );
        bouncers.recordPull(bouncer.id, remoteAddress(request.raw), userAgent(request.raw), at);
        return { status: 200, json: stream };
      },
    },
    {
      method: 'GET',
      path: '/v1/decisions',
      public: true,
      handler: (request) => decisionsHandler(request, options.store, bouncers, now),
    },
  ];
}

function decisionsHandler(request: RouteRequest, store: Store, bouncers: BouncerStore, now: () => Date): RouteReply {
  const bouncer = authenticate(request.raw, store, bouncers);
  if (!bouncer) return FORBIDDEN;
  const filter = parseDecisionFilter(request.url.searchParams);
  if (!filter.ok) return { status: 400, json: { message: filter.message } };
  const decisions = queryDecisions(store, filter.predicate, now());
  if (request.raw.method !== 'HEAD') {
    bouncers.recordPull(bouncer.id, remoteAddress(request.raw), userAgent(request.raw), now());
  }
  // The Local API answers `null` when nothing matches, and bouncers in live mode test for exactly that.
  return { status: 200, json: decisions.length > 0 ? decisions : null };
}

const FORBIDDEN: RouteReply = { status: 403, json: { message: 'access forbidden' } };

/** The bouncer a request's key belongs to; a missing or unknown key is audited (address and agent, never the key). */
function authenticate(request: IncomingMessage, store: Store, bouncers: BouncerStore): BouncerRecord | undefined {
  const header = request.headers['x-api-key'];
  const key = Array.isArray(header) ? header[0] : header;
  const bouncer = key ? bouncers.authenticate(key.trim()) : undefined;
  if (!bouncer) {
    store.audit.append('bouncer_auth_failed', {
      address: remoteAddress(request),
      userAgent: userAgent(request),
      path: (request.url ?? '').split('?')[0].slice(0, 100),
      keyPresented: Boolean(key),
    });
  }
  return bouncer;
}

function remoteAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

/** Capped and stripped of control characters: it is the client's text and ends up in `bouncers ls` and the audit. */
function userAgent(request: IncomingMessage): string {
  return (request.headers['user-agent'] ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 200);
}
