import type { Config } from '../../config/schema.ts';
import { createGuardedLlmClient } from '../../llm/create-llm-client.ts';
import type { GuardedLlmClient } from '../../llm/guarded-llm-client.ts';
import type { Store } from '../../store/store.ts';
import type { NetworkGuard } from '../network-guard.ts';
import { adviseOnIncident } from './incident-advisor.ts';
import { InvestigationQueue, type Investigator } from './investigation-queue.ts';
import { InvestigationStore } from './investigation-store.ts';
import { investigationTools } from './investigation-tools.ts';
import { createRecentEventsQueryTool } from './tools/recent-events-query-tool.ts';

export interface InvestigationSetup {
  config: Config;
  store: Store;
  guard: NetworkGuard;
  /** Elasticsearch supplies its own investigator; the file source's is the ReAct advisor over recent events. */
  investigator?: (client: GuardedLlmClient) => Investigator;
  log?: (line: string) => void;
}

/**
 * The background investigation queue for a guard, attached to it, or undefined without an LLM (the deterministic
 * path then runs alone, blocks included). Call `start()` to settle what an earlier run left and begin retries.
 */
export function createInvestigationQueue(setup: InvestigationSetup): InvestigationQueue | undefined {
  const client = createGuardedLlmClient(setup.config, setup.store);
  if (!client) return undefined;
  const queue = new InvestigationQueue({
    client,
    investigations: new InvestigationStore(setup.store),
    context: setup.guard.blockContext,
    llm: setup.config.llm,
    investigate: setup.investigator?.(client) ?? fileInvestigator(client, setup.guard),
    log: setup.log,
  });
  setup.guard.attachInvestigations(queue);
  return queue;
}

/** The file source's agent: the four tools, query_logs over the events this guard observed. */
export function fileInvestigator(client: GuardedLlmClient, guard: NetworkGuard): Investigator {
  const queryLogsTool = createRecentEventsQueryTool(guard.recentEvents) as never;
  return (incident, effects) =>
    adviseOnIncident(client, incident, { tools: investigationTools(guard.blockContext, effects, queryLogsTool) });
}
