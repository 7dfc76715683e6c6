import type { Route, RouteReply, RouteRequest } from '../../http/router.ts';
import type { Store } from '../../store/store.ts';
import { type BouncerRecord, BouncerStore } from './bouncer-store.ts';
import { parseDecisionFilter } from './decision-filter.ts';
import { pullDecisionStream, queryDecisions } from './decision-stream.ts';
import { RefusedKeyAudit } from './refused-key-audit.ts';
import { parseUsageReport } from './usage-metrics.ts';

export interface BouncerApiOptions {
  store: Store;
  now?: () => Date;
}

/** What the handlers read from a request: the HTTP stack adapts to this (HEAD must stay visible as HEAD). */
export interface BouncerRequest {
  method: string;
  url: URL;
  header(name: string): string | undefined;
  remoteAddress: string;
}

export type BouncerReply = { status: number; json: unknown };

/**
 * The bouncer side of the CrowdSec Local API (`/v1/decisions`, `/v1/decisions/stream`, HEAD for health, and the
 * bouncers' `POST /v1/usage-metrics` reports), so existing
 * CrowdSec bouncers enforce our blocks. Bouncers authenticate with `X-Api-Key` (keys from `devops-agent bouncers
 * add`), not the review page's bearer token; Host checks and the server's binding still apply.
 */
export function createBouncerApi(options: BouncerApiOptions) {
  const bouncers = new BouncerStore(options.store.db);
  const now = options.now ?? (() => new Date());
  const refusals = new RefusedKeyAudit(options.store.audit);

  function stream(request: BouncerRequest): BouncerReply {
    const bouncer = authenticate(request);
    if (!bouncer) return FORBIDDEN;
    // HEAD is a health probe: it must not move the bouncer's position (CrowdSec does the same).
    if (request.method === 'HEAD') return { status: 200, json: null };
    const filter = parseDecisionFilter(request.url.searchParams, { scopes: 'ip,range' });
    if (!filter.ok) return { status: 400, json: { message: filter.message } };
    const at = now();
    const agent = userAgent(request);
    const startup = request.url.searchParams.get('startup') === 'true';
    const answer = pullDecisionStream(
      options.store,
      bouncers,
      bouncer,
      { startup, predicate: filter.predicate, userAgent: agent },
      at,
    );
    bouncers.recordPull(bouncer.id, request.remoteAddress, agent, at);
    return { status: 200, json: answer };
  }

  function decisions(request: BouncerRequest): BouncerReply {
    const bouncer = authenticate(request);
    if (!bouncer) return FORBIDDEN;
    const filter = parseDecisionFilter(request.url.searchParams);
    if (!filter.ok) return { status: 400, json: { message: filter.message } };
    const at = now();
    const found = queryDecisions(options.store, filter.predicate, at);
    if (request.method !== 'HEAD') bouncers.recordPull(bouncer.id, request.remoteAddress, userAgent(request), at);
    // The Local API answers `null` when nothing matches, and bouncers in live mode test for exactly that.
    return { status: 200, json: found.length > 0 ? found : null };
  }

  /** POST /v1/usage-metrics: the bouncer's counters for a window (usage-metrics.ts), added to what it sent before. */
  function usageMetrics(request: BouncerRequest, body: string): BouncerReply | RouteReply {
    const bouncer = authenticate(request);
    if (!bouncer) return FORBIDDEN;
    const report = parseUsageReport(body);
    if (!report.ok) return { status: report.status, json: { message: report.message } };
    bouncers.recordUsage(bouncer.id, report.component, now());
    return CREATED;
  }

  /** The key's bouncer; a missing or unknown key is audited (address, agent and path, never the key itself). */
  function authenticate(request: BouncerRequest): BouncerRecord | undefined {
    const key = request.header('x-api-key');
    const bouncer = key ? bouncers.authenticate(key.trim()) : undefined;
    if (!bouncer) {
      const attempt = {
        address: request.remoteAddress,
        userAgent: userAgent(request),
        path: request.url.pathname.slice(0, 100),
        keyPresented: Boolean(key),
      };
      refusals.record(attempt, now().getTime());
    }
    return bouncer;
  }

  return { stream, decisions, usageMetrics };
}

/**
 * The API as routes of the one HTTP stack. `access: 'self'`: bouncers send `X-Api-Key`, never the review page's bearer
 * token; the stack's Host check, headers and limits still apply. GET routes answer HEAD too (health probes).
 */
export function bouncerApiRoutes(options: BouncerApiOptions): Route[] {
  const api = createBouncerApi(options);
  return [
    { method: 'GET', path: '/v1/decisions/stream', access: 'self', handler: (request) => api.stream(adapt(request)) },
    { method: 'GET', path: '/v1/decisions', access: 'self', handler: (request) => api.decisions(adapt(request)) },
    {
      method: 'POST',
      path: '/v1/usage-metrics',
      access: 'self',
      handler: async (request) => api.usageMetrics(adapt(request), await request.text()),
    },
  ];
}

function adapt(request: RouteRequest): BouncerRequest {
  return {
    method: request.sentMethod,
    url: request.url,
    header: (name) => request.header(name.toLowerCase()),
    remoteAddress: request.remoteAddress,
  };
}

const FORBIDDEN: RouteReply & BouncerReply = { status: 403, json: { message: 'access forbidden' } };
/** The Local API answers a stored report with 201 and no body. */
const CREATED: RouteReply = { status: 201, text: '', contentType: 'text/plain' };

/** Capped and stripped of control characters: it is the client's text and ends up in `bouncers ls` and the audit. */
function userAgent(request: BouncerRequest): string {
  return (request.header('user-agent') ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 200);
}
