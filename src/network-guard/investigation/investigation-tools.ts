import type { AgentTool } from '../../llm/tool-registry.ts';
import type { Store } from '../../store/store.ts';
import type { BlockContext } from '../blocking/block-executor.ts';
import type { KubernetesBlocker } from '../blocking/kubernetes/kubernetes-blocker.ts';
import type { AdviseOptions } from './incident-advisor.ts';
import type { InvestigationEffects } from './investigation-queue.ts';
import type { InspectPatterns } from './tools/inspect-patterns-tool.ts';

/**
 * The agent's tools as configured: check_allowlist and apply_block always (apply_block through the guard's own
 * BlockPolicy and mode, only on the incident's address), query_logs from the source, inspect_patterns with Kubernetes.
 */
export function investigationTools(
  context: BlockContext,
  effects: InvestigationEffects,
  queryLogsTool: AgentTool<never> | undefined,
): NonNullable<AdviseOptions['tools']> {
  return {
    mode: context.mode,
    policy: context.policy,
    allowlist: context.store.allowlist,
    queryLogsTool,
    inspectPatterns: inspectPatternsFor(context),
    applyBlock: effects.applyBlock,
    recommendBlock: effects.recommendBlock,
    onRefused: (attempt) => auditRefusedBlock(context.store, attempt),
  };
}

/** A model's refused block attempt is an audit event of its own, not only a tool-call row. */
export function auditRefusedBlock(
  store: Store,
  attempt: { target: string; rule: string; reason: string; incidentId?: number },
): void {
  store.audit.append('llm_block_refused', {
    incidentId: attempt.incidentId,
    target: String(attempt.target).slice(0, 80),
    rule: attempt.rule,
    reason: attempt.reason.slice(0, 500),
  });
}

/** Only the Kubernetes blocker has patterns to inspect; the summary is what a reviewer would want to see. */
function inspectPatternsFor(context: BlockContext): InspectPatterns | undefined {
  // duck-typed so the Kubernetes client is not loaded for a file blocker
  const blocker = context.blocker as Partial<Pick<KubernetesBlocker, 'inspect'>>;
  if (context.blocker.kind !== 'kubernetes' || typeof blocker.inspect !== 'function') return undefined;
  const inspect = blocker.inspect.bind(context.blocker);
  return async () => {
    const { inventory, choice } = await inspect();
    return {
      chosen: choice.chosen,
      candidates: choice.candidates.slice(0, 10),
      warnings: choice.warnings.slice(0, 10),
      middlewares: inventory.middlewares.slice(0, 30).map((item) => ({
        middleware: `${item.namespace}/${item.name}`,
        types: item.types,
        denyList: item.denyList ? { pattern: item.denyList.pattern, entries: item.denyList.entries.length } : undefined,
        usedBy: item.usedBy.slice(0, 5),
      })),
      ipLists: inventory.ipLists.length,
      networkPolicies: inventory.networkPolicies.length,
    };
  };
}
