import { errorMessage } from '../../core/errors.ts';
import { metrics } from '../../core/metrics.ts';
import type { LlmClient } from '../../llm/llm-client.ts';
import type { Store } from '../../store/store.ts';
import type { IncidentOutcome } from '../network-guard.ts';
import { adviseOnIncident } from './incident-advisor.ts';

/**
 * Asks the LLM for its opinion on each new incident, one at a time, off the detection path. The opinion is advice
 * stored on the incident; when the model is down or misbehaves the incident says so and nothing else changes.
 */
export class IncidentAdviceQueue {
  readonly #client: LlmClient;
  readonly #store: Store;
  readonly #pending: number[] = [];
  #running: Promise<void> | undefined;

  constructor(client: LlmClient, store: Store) {
    this.#client = client;
    this.#store = store;
  }

  offer(outcome: IncidentOutcome): void {
    if (!outcome.created || outcome.decision === 'allowlisted') return;
    this.#pending.push(outcome.incident.id);
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when every offered incident has an opinion (or a recorded failure). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    for (let id = this.#pending.shift(); id !== undefined; id = this.#pending.shift()) {
      const incident = this.#store.incidents.get(id);
      if (!incident) continue;
      const at = new Date().toISOString();
      try {
        const advice = await adviseOnIncident(this.#client, incident);
        metrics.increment('devops_agent_llm_advice_total', { status: advice.status });
        this.#store.incidents.setLlmOpinion(
          id,
          advice.status === 'ok'
            ? { status: 'ok', model: advice.model, at, ...advice.verdict }
            : { status: advice.status, error: advice.error, at },
        );
      } catch (error) {
        this.#store.incidents.setLlmOpinion(id, { status: 'unavailable', error: errorMessage(error), at });
      }
    }
  }
}
