import type { Incident } from '../../core/incident.ts';
import type { GuardedLlmClient } from '../../llm/guarded-llm-client.ts';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { BlockContext } from '../blocking/block-executor.ts';
import type { IncidentAdvice } from '../investigation/incident-advisor.ts';
import type { InvestigationEffects } from '../investigation/investigation-queue.ts';
import { investigationTools } from '../investigation/investigation-tools.ts';
import type { TimeRange } from './detection-queries.ts';
import type { ElasticsearchDetector } from './elasticsearch-detector.ts';
import { investigateIncident } from './llm-investigation.ts';

/**
 * The background queue's investigator for incidents found in Elasticsearch. The source attaches its connected
 * detector (and detaches it when the connection is dropped); without one the investigation answers `unavailable`
 * and the queue retries later. The window comes from the incident's own evidence, not from the detection cycle, so
 * an investigation may run long after the window that found it.
 */
export class ElasticsearchInvestigator {
  readonly #runtime: AgentRuntime;
  readonly #client: GuardedLlmClient;
  readonly #context: BlockContext;
  #detector: ElasticsearchDetector | undefined;

  constructor(runtime: AgentRuntime, client: GuardedLlmClient, context: BlockContext) {
    this.#runtime = runtime;
    this.#client = client;
    this.#context = context;
  }

  attach(detector: ElasticsearchDetector | undefined): void {
    this.#detector = detector;
  }

  readonly investigate = async (incident: Incident, effects: InvestigationEffects): Promise<IncidentAdvice> => {
    const detector = this.#detector;
    if (!detector) return { status: 'unavailable', error: 'Elasticsearch is not connected' };
    const window = investigationWindow(incident, this.#runtime.config.detection.slow_window * 1000);
    const tools = investigationTools(this.#context, effects, undefined);
    const result = await investigateIncident(this.#runtime, detector, this.#client, incident, window, tools);
    return result.advice;
  };
}

/** The slow window that ends at the incident's last request (and covers its first one when that is older). */
export function investigationWindow(incident: Incident, slowMs: number): TimeRange {
  const { firstSeen, lastSeen } = incident.evidence;
  const end = Number.isFinite(lastSeen) ? lastSeen + 1000 : Date.parse(incident.detectedAt);
  const start = Number.isFinite(firstSeen) ? Math.min(firstSeen, end - slowMs) : end - slowMs;
  return { from: start, to: end };
}
