import { commandApprovalRoutes } from '../command-runner/command-approval-routes.ts';
import type { Route } from '../http/router.ts';
import type { AgentRuntime } from '../network-guard/agent-runtime.ts';
import { bouncerApiRoutes } from '../network-guard/bouncer-api/bouncer-api-routes.ts';
import { reviewApiRoutes } from '../network-guard/review-api-routes.ts';

type Capability = 'network-guard' | 'workload-guard' | 'host-monitor' | 'command-runner';

export interface RouteContext {
  runtime: AgentRuntime;
  startedAt: Date;
}

/** A capability's HTTP routes; an empty list when the capability is off. A capability that is off loads nothing. */
export type RouteContribution = (context: RouteContext) => Route[] | Promise<Route[]>;

/**
 * The routes each capability contributes, mounted by the web server on the one HTTP stack (src/http/http-app.ts).
 * A new endpoint goes into its capability's list; src/web/README.md says how.
 */
export const CAPABILITY_ROUTES = {
  // The review API, and the CrowdSec bouncer API that lets existing bouncers enforce the same blocks.
  'network-guard': ({ runtime, startedAt }) => [
    ...reviewApiRoutes(runtime, startedAt),
    ...bouncerApiRoutes({ store: runtime.store }),
  ],
  'command-runner': ({ runtime }) => commandApprovalRoutes(runtime),
  // The workload guard needs a cluster; it runs (and answers) when `kubernetes:` is configured.
  'workload-guard': async ({ runtime }) => {
    if (!workloadGuardEnabled(runtime)) return [];
    const { workloadApiRoutes } = await import('../workload-guard/workload-api-routes.ts');
    const { workloadApprovalRoutes } = await import('../workload-guard/approval-routes.ts');
    return [...workloadApiRoutes(runtime), ...workloadApprovalRoutes(runtime)];
  },
  'host-monitor': () => [],
} satisfies Record<Capability, RouteContribution>;

export function workloadGuardEnabled(runtime: AgentRuntime): boolean {
  return Boolean(runtime.config.kubernetes) && runtime.config.workloads?.enabled !== false;
}

export async function capabilityRoutes(context: RouteContext): Promise<Route[]> {
  const contributions = await Promise.all(Object.values(CAPABILITY_ROUTES).map((contribute) => contribute(context)));
  return contributions.flat();
}
