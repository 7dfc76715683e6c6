import { HttpError, optionalString, parsePositiveId, requiredString } from '../http/http-response.ts';
import type { Route } from '../http/router.ts';
import type { Store } from '../store/store.ts';
import { approveCommand, listPendingCommandApprovals, rejectCommand } from './command-approvals.ts';

/**
 * Pending shell-command approvals (command runner). A decision is bound to the sha256 of the exact command the
 * reviewer saw, so a command changed after it was shown needs its own approval.
 */
export function commandApprovalRoutes(runtime: { store: Store }): Route[] {
  const decide = (verb: 'approve' | 'reject'): Route => ({
    method: 'POST',
    path: `/api/commands/:id/${verb}`,
    handler: async (request) => {
      const id = parsePositiveId(request.params.id, 'command');
      const body = await request.body();
      const hash = requiredString(body, 'commandHash', 64);
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new HttpError(400, 'commandHash: expected a sha256 in hex');
      const by = optionalString(body, 'by', 80)
        ?.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
        .trim();
      const approver = by ? `web (${by})` : 'web';
      const result =
        verb === 'approve'
          ? approveCommand(runtime.store, id, approver, hash)
          : rejectCommand(runtime.store, id, approver, hash, requiredString(body, 'reason', 1000));
      switch (result.status) {
        case 'approved':
        case 'rejected':
          return { status: 200, json: { result } };
        case 'not_found':
          return { status: 404, json: { error: result.error, result } };
        default:
          return { status: 409, json: { error: result.error, result } };
      }
    },
  });
  return [
    {
      method: 'GET',
      path: '/api/commands/pending',
      handler: () => ({
        status: 200,
        json: { available: true, approvals: listPendingCommandApprovals(runtime.store) },
      }),
    },
    decide('approve'),
    decide('reject'),
  ];
}
