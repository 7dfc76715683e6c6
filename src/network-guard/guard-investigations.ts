import { llmConfigured } from '../llm/llm-configured.ts';
import type { AgentRuntime } from './agent-runtime.ts';
import type { ElasticsearchDetector } from './elasticsearch/elasticsearch-detector.ts';
import type { ElasticsearchInvestigator } from './elasticsearch/elasticsearch-investigator.ts';
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
 * No LLM configured: no queue, and the deterministic path decides alone (and none of the investigation code loads).
 */
export async function startGuardInvestigations(
  runtime: AgentRuntime,
  guard: NetworkGuard,
  log?: (line: string) => void,
): Promise<GuardInvestigations> {
  const { config, store } = runtime;
  let elasticsearch: ElasticsearchInvestigator | undefined;
  const off = config.elasticsearch !== undefined && !config.elasticsearch.llm_queries.investigate;
  if (off || !llmConfigured(config.llm)) return { queue: undefined, onDetector: () => {} };
  const { createInvestigationQueue } = await import('./investigation/create-investigation-queue.ts');
  const Investigator = config.elasticsearch
    ? (await import('./elasticsearch/elasticsearch-investigator.ts')).ElasticsearchInvestigator
    : undefined;
  const queue = createInvestigationQueue({
    config,
    store,
    guard,
    log,
    investigator: Investigator
      ? (client) => {
          elasticsearch = new Investigator(runtime, client, guard.blockContext);
          return elasticsearch.investigate;
        }
      : undefined,
  });
  await queue?.start();
  return { queue, onDetector: (detector) => elasticsearch?.attach(detector) };
}
