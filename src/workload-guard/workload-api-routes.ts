import { HttpError, optionalString, requiredString } from '../http/http-response.ts';
import type { Route } from '../http/router.ts';
import {
  approveRemediation,
  getRemediation,
  isRemediationStatus,
  listRemediations,
  REMEDIATION_STATUSES,
  type RemediationDecision,
  rejectRemediation,
  type WorkloadRuntime,
} from './remediation-approvals.ts';

/**
 * The review page's JSON API for workload remediations, as routes for the web server's router (pass them as
 * `extraRoutes`: the bearer token, Host and CSRF checks of the review API apply):
 *   GET  /api/workloads/remediations[?status=pending]
 *   GET  /api/workloads/remediations/:id
 *   POST /api/workloads/remediations/:id/approve   {planHash, by?}   approves and applies
 *   POST /api/workloads/remediations/:id/reject    {planHash, reason, by?}
 * `planHash` binds the decision to the plan the page showed (a newer plan for the same deployment is another id).
 */
export function workloadApiRoutes(runtime: WorkloadRuntime): Route[] {
  const decide = (verb: 'approve' | 'reject'): Route => ({
    method: 'POST',
    path: `/api/workloads/remediations/:id/${verb}`,
    handler: async (request) => {
      const id = parseId(request.params.id);
      const body = await request.body();
      const planHash = requiredString(body, 'planHash', 64).toLowerCase();
      if (!/^[0-9a-f]{12,64}$/.test(planHash)) throw new HttpError(400, 'planHash: expected 12 to 64 hex digits');
      const by = optionalString(body, 'by', 80)
        ?.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
        .trim();
      const approver = by ? `web (${by})` : 'web';
      const decision: RemediationDecision =
        verb === 'approve'
          ? await approveRemediation(runtime, id, approver, planHash)
          : rejectRemediation(runtime, id, approver, requiredString(body, 'reason', 1000), planHash);
      const status =
        decision.status === 'not_found'
          ? 404
          : ['applied', 'already_applied', 'rejected'].includes(decision.status)
            ? 200
            : decision.status === 'failed'
              ? 502
              : 409;
      return { status, json: decision };
    },
  });
  return [
    {
      method: 'GET',
      path: '/api/workloads/remediations',
      handler: (request) => {
        const status = request.url.searchParams.get('status') ?? undefined;
        if (status !== undefined && !isRemediationStatus(status)) {
          throw new HttpError(400, `status: expected one of ${REMEDIATION_STATUSES.join(', ')}`);
        }
        return { status: 200, json: { remediations: listRemediations(runtime.store, { status }) } };
      },
    },
    {
      method: 'GET',
      path: '/api/workloads/remediations/:id',
      handler: (request) => {
        const remediation = getRemediation(runtime.store, parseId(request.params.id));
        if (!remediation) throw new HttpError(404, `no remediation #${request.params.id}`);
        return { status: 200, json: { remediation } };
      },
    },
    decide('approve'),
    decide('reject'),
  ];
}

function parseId(text: string | undefined): number {
  if (!text || !/^\d{1,12}$/.test(text)) throw new HttpError(400, 'id: expected a positive integer');
  return Number(text);
}
