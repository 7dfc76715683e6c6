import { INCIDENT_STATUSES, type Incident, type IncidentStatus } from '../core/incident.ts';
import { parseCidr } from '../core/ip-address.ts';
import { HttpError, optionalString, parsePositiveId, requiredString } from '../http/http-response.ts';
import type { Route, RouteReply, RouteRequest } from '../http/router.ts';
import type { AgentRuntime } from './agent-runtime.ts';
import { SiteProfileStore } from './detection/site-profile-store.ts';
import { approveIncident, rejectIncident, unblockTarget } from './incident-actions.ts';
import { incidentDetail, incidentRecommendation, incidentSummary } from './incident-view.ts';

const MAX_PAGE = 200;

/** The review API over the same pipeline functions the CLI uses; every outcome maps to one HTTP status. */
export function reviewApiRoutes(runtime: AgentRuntime, startedAt: Date): Route[] {
  const { store } = runtime;
  const context = runtime.blockContext;

  const findIncident = (request: RouteRequest): Incident => {
    const id = parseId(request.params.id);
    const incident = store.incidents.get(id);
    if (!incident) throw new HttpError(404, `incident ${id} does not exist`);
    return incident;
  };

  return [
    {
      method: 'GET',
      path: '/api/health',
      access: 'public',
      handler: () => ({
        status: 200,
        json: { status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000) },
      }),
    },
    {
      method: 'GET',
      path: '/api/status',
      handler: () => ({
        status: 200,
        json: {
          mode: runtime.config.mode,
          blocker: runtime.blocker.kind,
          blockSeconds: context.blockSeconds,
          counts: store.incidents.countsByStatus(),
          activeBlocks: store.blocks.active().length,
          startedAt: startedAt.toISOString(),
        },
      }),
    },
    {
      method: 'GET',
      path: '/api/incidents',
      handler: (request) => {
        const query = request.url.searchParams;
        const status = parseStatus(query.get('status'));
        const limit = parseInteger(query.get('limit'), 'limit', 1, MAX_PAGE, 50);
        const offset = parseInteger(query.get('offset'), 'offset', 0, 1_000_000, 0);
        const counts = store.incidents.countsByStatus();
        const total = status ? (counts[status] ?? 0) : Object.values(counts).reduce((sum, count) => sum + count, 0);
        const incidents = store.incidents.list({ status, limit, offset }).map(incidentSummary);
        return {
          status: 200,
          json: { incidents, counts, total, limit, offset, status: status ?? null, mode: runtime.config.mode },
        };
      },
    },
    {
      method: 'GET',
      path: '/api/incidents/:id',
      handler: (request) => ({ status: 200, json: incidentDetail(findIncident(request), runtime) }),
    },
    {
      method: 'GET',
      path: '/api/incidents/:id/recommendation',
      handler: async (request) => ({ status: 200, json: await incidentRecommendation(findIncident(request), runtime) }),
    },
    {
      method: 'POST',
      path: '/api/incidents/:id/approve',
      handler: async (request) => {
        const id = parseId(request.params.id);
        const approver = reviewerName(await request.body());
        const outcome = await approveIncident(id, approver, context);
        const incident = store.incidents.get(id);
        const view = incident ? incidentDetail(incident, runtime) : null;
        switch (outcome.status) {
          case 'blocked':
          case 'already_blocked':
            return { status: 200, json: { outcome, incident: view } };
          case 'not_found':
            return { status: 404, json: { error: outcome.error, outcome } };
          case 'conflict':
            return { status: 409, json: { error: outcome.error, outcome, incident: view } };
          case 'refused':
            return {
              status: 409,
              json: { error: `block refused by policy (${outcome.rule}): ${outcome.reason}`, outcome, incident: view },
            };
          case 'failed':
            return {
              status: 502,
              json: { error: `the block could not be applied: ${outcome.error}`, outcome, incident: view },
            };
          default:
            return { status: 500, json: { error: `unexpected outcome ${outcome.status}` } };
        }
      },
    },
    {
      method: 'POST',
      path: '/api/incidents/:id/reject',
      handler: async (request) => {
        const id = parseId(request.params.id);
        const body = await request.body();
        const reason = requiredString(body, 'reason', 1000);
        const outcome = rejectIncident(id, reviewerName(body), reason, context);
        const incident = store.incidents.get(id);
        const view = incident ? incidentDetail(incident, runtime) : null;
        if (outcome.status === 'rejected') return { status: 200, json: { outcome, incident: view } };
        if (outcome.status === 'not_found') return { status: 404, json: { error: outcome.error, outcome } };
        return {
          status: 409,
          json: { error: 'error' in outcome ? outcome.error : outcome.status, outcome, incident: view },
        };
      },
    },
    {
      method: 'POST',
      path: '/api/unblock',
      handler: async (request) => {
        const body = await request.body();
        const target = requiredString(body, 'target', 100);
        if (!parseCidr(target))
          throw new HttpError(400, `target: ${JSON.stringify(target)} is not an IP address or CIDR`);
        const reason = optionalString(body, 'reason', 500)?.trim() || 'unblocked from the review page';
        const outcome = await unblockTarget(target, reviewerName(body), reason, context);
        if (outcome.status === 'unblocked') return { status: 200, json: { outcome } };
        if (outcome.status === 'not_ours') return { status: 409, json: { error: outcome.error, outcome } };
        return { status: 502, json: { error: `the block could not be removed: ${outcome.error}`, outcome } };
      },
    },
    {
      method: 'GET',
      path: '/api/site/paths',
      handler: (request) => {
        const profile = new SiteProfileStore(store.db);
        const host = request.url.searchParams.get('host') ?? undefined;
        const paths = profile.list(host).slice(0, 500);
        return {
          status: 200,
          json: { paths, fallbackSizes: profile.fallbackSizes(), echoFallbacks: profile.echoFallbacks() },
        };
      },
    },
    {
      method: 'GET',
      path: '/api/blocks',
      handler: () => ({ status: 200, json: { blocks: store.blocks.active() } }),
    },
    {
      method: 'GET',
      path: '/api/allowlist',
      handler: (request) => {
        const includeExpired = request.url.searchParams.get('include_expired') === 'true';
        return { status: 200, json: { entries: store.allowlist.list(includeExpired) } };
      },
    },
    {
      method: 'POST',
      path: '/api/allowlist',
      handler: async (request): Promise<RouteReply> => {
        const body = await request.body();
        const ipOrCidr = requiredString(body, 'ipOrCidr', 100);
        const description = optionalString(body, 'description', 500)?.trim() ?? '';
        const expiresAt = parseExpiry(optionalString(body, 'expiresAt', 40));
        const entry = store.allowlist.add(ipOrCidr, description, expiresAt);
        if (!entry) throw new HttpError(400, `ipOrCidr: ${JSON.stringify(ipOrCidr)} is not an IP address or CIDR`);
        store.audit.append('allowlist_added', { ipOrCidr: entry.ipOrCidr, description, expiresAt, by: 'web' });
        return { status: 201, json: { entry } };
      },
    },
    {
      method: 'DELETE',
      path: '/api/allowlist',
      handler: async (request) => {
        const ipOrCidr = requiredString(await request.body(), 'ipOrCidr', 100);
        if (!parseCidr(ipOrCidr)) {
          throw new HttpError(400, `ipOrCidr: ${JSON.stringify(ipOrCidr)} is not an IP address or CIDR`);
        }
        if (!store.allowlist.remove(ipOrCidr)) throw new HttpError(404, `${ipOrCidr} is not in the allowlist`);
        store.audit.append('allowlist_removed', { ipOrCidr, by: 'web' });
        return { status: 200, json: { removed: ipOrCidr } };
      },
    },
  ];
}

function parseId(text: string | undefined): number {
  return parsePositiveId(text, 'incident');
}

function parseStatus(text: string | null): IncidentStatus | undefined {
  if (text === null || text === '' || text === 'all') return undefined;
  if (!INCIDENT_STATUSES.includes(text as IncidentStatus)) {
    throw new HttpError(400, `status: expected one of ${INCIDENT_STATUSES.join(', ')} (or all)`);
  }
  return text as IncidentStatus;
}

function parseInteger(text: string | null, name: string, min: number, max: number, fallback: number): number {
  if (text === null || text === '') return fallback;
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new HttpError(400, `${name}: expected an integer from ${min} to ${max}`);
  }
  return Number(text);
}

function parseExpiry(text: string | undefined): string | null {
  if (!text) return null;
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new HttpError(400, 'expiresAt: expected an ISO date-time');
  if (time <= Date.now()) throw new HttpError(400, 'expiresAt: must be in the future');
  return new Date(time).toISOString();
}

/** Who acted, for the audit: `web`, or `web (alice)` when the page sends a name; control characters removed. */
function reviewerName(body: Record<string, unknown>): string {
  const name = optionalString(body, 'by', 80)
    ?.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim();
  return name ? `web (${name})` : 'web';
}
