import type { AgentRuntime } from '../pipeline/agent-runtime.ts';
import { parseId } from './api-routes.ts';
import { HttpError, optionalString, requiredString } from './http-response.ts';
import type { Route } from './router.ts';

type DecisionResult = { status: string; error?: string; approval?: unknown };

/** The part of src/exec/command-approvals.ts the page uses; the command runner may be left out of a build. */
interface CommandApprovalsModule {
  listPendingCommandApprovals(store: AgentRuntime['store']): unknown[];
  approveCommand(store: AgentRuntime['store'], id: number, approver: string, commandHash: string): DecisionResult;
  rejectCommand(
    store: AgentRuntime['store'],
    id: number,
    approver: string,
    commandHash: string,
    note?: string,
  ): DecisionResult;
}

// A variable specifier keeps the type checker and the loader from requiring the module to exist.
const MODULE_PATH = '../exec/command-approvals.ts';

async function loadModule(): Promise<CommandApprovalsModule | undefined> {
  try {
    const loaded = (await import(MODULE_PATH)) as Partial<CommandApprovalsModule>;
    const complete =
      typeof loaded.listPendingCommandApprovals === 'function' &&
      typeof loaded.approveCommand === 'function' &&
      typeof loaded.rejectCommand === 'function';
    return complete ? (loaded as CommandApprovalsModule) : undefined;
  } catch {
    return undefined;
  }
}

/** Pending shell-command approvals (command runner), bound to the sha256 of the exact command shown. */
export async function commandApprovalRoutes(runtime: AgentRuntime): Promise<Route[]> {
  const approvals = await loadModule();
  const unavailable = () => {
    throw new HttpError(404, 'command approvals are not available in this build');
  };
  const decide = (verb: 'approve' | 'reject'): Route => ({
    method: 'POST',
    path: `/api/commands/:id/${verb}`,
    handler: async (request) => {
      if (!approvals) return unavailable();
      const id = parseId(request.params.id);
      const body = await request.body();
      const hash = requiredString(body, 'commandHash', 64);
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new HttpError(400, 'commandHash: expected a sha256 in hex');
      const by = optionalString(body, 'by', 80)
        ?.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
        .trim();
      const approver = by ? `web (${by})` : 'web';
      const result =
        verb === 'approve'
          ? approvals.approveCommand(runtime.store, id, approver, hash)
          : approvals.rejectCommand(runtime.store, id, approver, hash, requiredString(body, 'reason', 1000));
      const statusCode =
        result.status === 'approved' || result.status === 'rejected' ? 200 : result.status === 'not_found' ? 404 : 409;
      return { status: statusCode, json: statusCode === 200 ? { result } : { error: result.error, result } };
    },
  });
  return [
    {
      method: 'GET',
      path: '/api/commands/pending',
      handler: () => ({
        status: 200,
        json: approvals
          ? { available: true, approvals: approvals.listPendingCommandApprovals(runtime.store) }
          : { available: false, approvals: [] },
      }),
    },
    decide('approve'),
    decide('reject'),
  ];
}
