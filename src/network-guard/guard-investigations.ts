import type { AgentRuntime } from './agent-runtime.ts';
import type { ElasticsearchDetector } from './elasticsearch/elasticsearch-detector.ts';
import { ElasticsearchInvestigator } from './elasticsearch/elasticsearch-investigator.ts';
import { createInvestigationQueue } from './investigation/create-investigation-queue.ts';
import type { InvestigationQueue } from './investigation/investigation-queue.ts';
import type { NetworkGuard } from './network-guard.ts';

export interface GuardInvestigations {
  queue: InvestigationQueue | undefined;
  /** For the Elasticsearch source's `onDetector`: the investigator queries through the connected detector. */
  onDetector: (detector: ElasticsearchDetector | undefined) => void;
}

/**
 * The LLM investigations of a guard, by source: Elasticsearch incidents get the multi-turn query investigation (unless
 * `elasticsearch.llm_queries.investigate: false`), file incidents the ReAct advisor over the file's recent events.
 * No LLM configured: no queue, and the deterministic path decides alone.
 */
export async function startGuardInvestigations(
  runtime: AgentRuntime,
  guard: NetworkGuard,
  log?: (line: string) => void,
): Promise<GuardInvestigations> {
  const { config, store } = runtime;
  let elasticsearch: ElasticsearchInvestigator | undefined;
  const off = config.elasticsearch !== undefined && !config.elasticsearch.llm_queries.investigate;
  const queue = off
    ? undefined
    : createInvestigationQueue({
        config,
        store,
        guard,
        log,
        investigator: config.elasticsearch
          ? (client) => {
              elasticsearch = new ElasticsearchInvestigator(runtime, client, guard.blockContext);
              return elasticsearch.investigate;
            }
          : undefined,
      });
  await queue?.start();
  return { queue, onDetector: (detector) => elasticsearch?.attach(detector) };
}
