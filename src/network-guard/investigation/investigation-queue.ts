import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../config/schema.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Incident } from '../../core/incident.ts';
import { metrics } from '../../core/metrics.ts';
import type { GuardedLlmClient } from '../../llm/guarded-llm-client.ts';
import type { BlockContext } from '../blocking/block-executor.ts';
import { settleBlockConfirmation } from './block-confirmation.ts';
import type { IncidentAdvice } from './incident-advisor.ts';
import type { ConfirmationOutcome, InvestigationStore, NotInvestigatedReason } from './investigation-store.ts';
import type { ApplyBlock, RecommendBlock } from './tools/apply-block-tool.ts';

/** The effects an investigation may ask for; the queue binds them to the confirmation state of the incident. */
export interface InvestigationEffects {
  applyBlock: ApplyBlock;
  recommendBlock: RecommendBlock;
}

/** Runs one investigation (file source: the ReAct advisor; Elasticsearch: the multi-turn query investigation). */
export type Investigator = (incident: Incident, effects: InvestigationEffects) => Promise<IncidentAdvice>;

export interface InvestigationQueueOptions {
  client: GuardedLlmClient;
  investigations: InvestigationStore;
  context: BlockContext;
  llm: Config['llm'];
  investigate: Investigator;
  log?: (line: string) => void;
}

/** After this many attempts an incident stays marked and is not tried again. */
const MAX_ATTEMPTS = 3;

type Settle = Exclude<ConfirmationOutcome, 'waiting' | 'human_decided'>;

/**
 * The bounded background queue of LLM investigations. Detection only calls `offer`, which never waits for a model.
 * At most `llm.investigation_concurrency` run at once and `llm.investigation_queue_size` wait; the per-incident and
 * per-hour token budgets are checked before a run starts. An incident that cannot be investigated is marked with why
 * (in `incident_investigations` and on the incident's LLM opinion) and retried when that can help.
 *
 * In auto mode with `llm.confirm_before_block`, a new incident arrives here pending: its block waits for the verdict
 * until `llm.confirm_timeout`, then happens whatever the model is doing (see block-confirmation.ts).
 */
export class InvestigationQueue {
  /** Auto mode with llm.confirm_before_block: NetworkGuard hands new incidents over pending, for the verdict. */
  readonly confirmsBlocks: boolean;
  readonly #options: InvestigationQueueOptions;
  readonly #waiting: number[] = [];
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #settling = new Set<Promise<unknown>>();
  #running = 0;
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: InvestigationQueueOptions) {
    this.#options = options;
    this.confirmsBlocks = options.context.mode === 'auto' && options.llm.confirm_before_block;
  }

  /**
   * Settles what a stopped process left behind (a live one, such as the daemon beside a scan, keeps its own), then
   * retries marked incidents every investigation_retry_interval.
   */
  async start(): Promise<void> {
    await this.#reclaimOrphans();
    this.#sweep = setInterval(() => {
      void this.#reclaimOrphans().then(() => this.retryDue());
    }, this.#options.llm.investigation_retry_interval * 1000);
    this.#sweep.unref();
    this.retryDue();
  }

  async #reclaimOrphans(): Promise<void> {
    for (const row of this.#options.investigations.orphaned()) {
      if (row.confirmation === 'waiting') await this.#settle(row.incidentId, 'interrupted', 'the agent restarted');
      if (row.state === 'queued' || row.state === 'running') this.#mark(row.incidentId, 'interrupted', new Date());
    }
  }

  /** A new incident: investigate it in the background; `confirm` holds its automatic block for the verdict. */
  offer(incident: Incident, options: { confirm: boolean }): void {
    const { investigations, llm } = this.#options;
    const deadline = options.confirm ? new Date(Date.now() + llm.confirm_timeout * 1000) : undefined;
    investigations.enqueue(incident.id, deadline);
    if (deadline) {
      const timer = setTimeout(() => {
        this.#timers.delete(incident.id);
        void this.#settle(incident.id, 'timeout', `no verdict within llm.confirm_timeout (${llm.confirm_timeout}s)`);
      }, llm.confirm_timeout * 1000);
      // idle() and stop() account for pending confirmations; the timer alone must not keep a finished process alive
      timer.unref();
      this.#timers.set(incident.id, timer);
    }
    this.#admit(incident.id);
  }

  /** Puts incidents whose retry time has come back in the queue, as far as there is room. */
  retryDue(): void {
    const room = this.#options.llm.investigation_queue_size - this.#waiting.length;
    if (room <= 0) return;
    for (const row of this.#options.investigations.dueForRetry(new Date(), room)) {
      const incident = this.#options.context.store.incidents.get(row.incidentId);
      if (!incident || incident.status === 'resolved') {
        this.#options.investigations.markNotInvestigated(row.incidentId, row.reason ?? 'error', null);
        continue;
      }
      this.#options.investigations.enqueue(row.incidentId);
      this.#admit(row.incidentId);
    }
  }

  /** Resolves when nothing runs, waits or awaits a confirmation (retries due later are not waited for). */
  async idle(): Promise<void> {
    while (this.#running > 0 || this.#waiting.length > 0 || this.#timers.size > 0 || this.#settling.size > 0) {
      await sleep(10);
    }
  }

  /** Shutdown: confirmations still waiting block now (the deterministic path), then running work finishes. */
  async stop(): Promise<void> {
    if (this.#sweep) clearInterval(this.#sweep);
    for (const id of [...this.#timers.keys()]) await this.#settle(id, 'interrupted', 'the agent is stopping');
    this.#waiting.length = 0;
    await this.idle();
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  #admit(id: number): void {
    const { client, llm } = this.#options;
    if (this.#waiting.length >= llm.investigation_queue_size) {
      this.#refuse(id, 'queue_full', 'queue_full', 'the investigation queue is full');
      return;
    }
    if (client.tokensUsed(id) >= llm.token_budget_per_incident) {
      this.#refuse(id, 'incident_budget', 'budget', 'llm.token_budget_per_incident is spent');
      return;
    }
    if (client.hourlyTokensUsed() >= llm.token_budget_per_hour) {
      this.#refuse(id, 'hourly_budget', 'budget', 'llm.token_budget_per_hour is spent');
      return;
    }
    this.#waiting.push(id);
    this.#pump();
  }

  #refuse(id: number, reason: NotInvestigatedReason, outcome: Settle, detail: string): void {
    this.#mark(id, reason, retryAt(reason, this.#options.llm));
    void this.#settle(id, outcome, detail);
  }

  #pump(): void {
    while (this.#running < this.#options.llm.investigation_concurrency && this.#waiting.length > 0) {
      const id = this.#waiting.shift()!;
      this.#running++;
      void this.#run(id).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  async #run(id: number): Promise<void> {
    const { investigations, context, investigate } = this.#options;
    const incident = context.store.incidents.get(id);
    if (!incident) return;
    investigations.setState(id, 'running');
    let advice: IncidentAdvice;
    try {
      advice = await investigate(incident, this.#effects(id));
    } catch (error) {
      advice = { status: 'unavailable', error: `investigation failed: ${errorMessage(error)}` };
      this.#options.log?.(`investigation of incident ${id} failed: ${errorMessage(error)}`);
    }
    metrics.increment('devops_agent_llm_advice_total', { status: advice.status });
    const at = new Date().toISOString();
    if (advice.status === 'ok') {
      investigations.setState(id, 'done');
      this.#setOpinion(id, {
        status: 'ok',
        model: advice.model,
        at,
        ...advice.verdict,
        ...(advice.runId ? { runId: advice.runId, turns: advice.turns, forcedFinal: Boolean(advice.forcedFinal) } : {}),
        ...advice.details,
      });
      const { verdict, reasons } = advice.verdict;
      const detail = reasons.join('; ') || verdict;
      // The attacker writes the paths and user agents the model reads: a veto given over text flagged as a likely
      // prompt injection may be that text speaking, so it does not hold the block back (a person can still unblock).
      const injected = verdict === 'benign' && advice.injections.length > 0;
      await this.#settle(
        id,
        injected
          ? 'uncertain'
          : verdict === 'benign'
            ? 'not_scanning'
            : verdict === 'uncertain'
              ? 'uncertain'
              : 'scanning',
        injected
          ? `the model said benign over evidence flagged as prompt injection (${[...new Set(advice.injections.map((flag) => flag.rule))].join(', ').slice(0, 200)}): veto ignored; ${detail}`
          : detail,
      );
    } else {
      const reason = reasonFor(advice);
      const row = investigations.get(id);
      const retry = (row?.attempts ?? 0) < MAX_ATTEMPTS ? retryAt(reason, this.#options.llm) : null;
      this.#mark(id, reason, retry, advice.error);
      await this.#settle(id, settleFor(reason), advice.error);
    }
    this.retryDue();
  }

  /** apply_block in auto mode confirms a waiting block (the tool already checked policy and evidence). */
  #effects(id: number): InvestigationEffects {
    const { context, investigations } = this.#options;
    return {
      applyBlock: async (target) => {
        if (investigations.get(id)?.confirmation === 'waiting') {
          const result = await this.#settle(id, 'scanning', `the model called apply_block on ${target}`);
          return result;
        }
        const current = context.store.incidents.get(id);
        return current?.status === 'blocked'
          ? { status: 'already_blocked', target }
          : { status: 'not_applied', reason: `incident ${id} is ${current?.status}: a person decides it` };
      },
      recommendBlock: (target, incidentId, reason) => {
        context.store.audit.append('llm_block_recommended', { incidentId, target, reason: reason.slice(0, 500) });
        return { recorded: true };
      },
    };
  }

  #mark(id: number, reason: NotInvestigatedReason, retry: Date | null, error?: string): void {
    this.#options.investigations.markNotInvestigated(id, reason, retry);
    metrics.increment('devops_agent_investigations_not_done_total', { reason });
    this.#setOpinion(id, {
      status: 'not_investigated',
      reason,
      ...(error ? { error: error.slice(0, 500) } : {}),
      retryAt: retry?.toISOString() ?? null,
      at: new Date().toISOString(),
    });
  }

  async #settle(id: number, outcome: Settle, detail: string) {
    const timer = this.#timers.get(id);
    if (timer) clearTimeout(timer);
    this.#timers.delete(id);
    const { context, investigations } = this.#options;
    const settling = settleBlockConfirmation(id, outcome, detail, context, investigations).catch((error) => {
      this.#options.log?.(`confirmation of incident ${id} failed: ${errorMessage(error)}`);
      return { settled: false as const };
    });
    this.#settling.add(settling);
    try {
      const result = await settling;
      if (result.settled) {
        const opinion = context.store.incidents.get(id)?.llmOpinion as Record<string, unknown> | undefined;
        this.#setOpinion(id, opinion ?? { status: 'pending', at: new Date().toISOString() });
      }
      return result;
    } finally {
      this.#settling.delete(settling);
    }
  }

  /** The opinion shown with the incident carries how its automatic block's confirmation ended, when it had one. */
  #setOpinion(id: number, opinion: Record<string, unknown>): void {
    const row = this.#options.investigations.get(id);
    const confirmation =
      row?.confirmation && row.confirmation !== 'waiting'
        ? { confirmation: row.confirmation, confirmationDetail: row.confirmationDetail }
        : {};
    this.#options.context.store.incidents.setLlmOpinion(id, { ...opinion, ...confirmation });
  }
}

function reasonFor(advice: Exclude<IncidentAdvice, { status: 'ok' }>): NotInvestigatedReason {
  if (advice.status === 'unavailable') return 'llm_unavailable';
  if (advice.status === 'invalid') return 'invalid_answer';
  if (advice.status === 'blocked') return 'guardrails_blocked';
  return /token_budget_per_hour/.test(advice.error) ? 'hourly_budget' : 'incident_budget';
}

function settleFor(reason: NotInvestigatedReason): Settle {
  if (reason === 'hourly_budget' || reason === 'incident_budget') return 'budget';
  if (reason === 'invalid_answer' || reason === 'guardrails_blocked' || reason === 'llm_unavailable') return reason;
  if (reason === 'queue_full' || reason === 'interrupted') return reason;
  return 'llm_unavailable';
}

/** When trying again can help: soon for a full queue or a model that was down; never for a spent incident budget. */
function retryAt(reason: NotInvestigatedReason, llm: Config['llm']): Date | null {
  const now = Date.now();
  switch (reason) {
    case 'incident_budget':
    case 'guardrails_blocked':
      return null;
    case 'llm_unavailable':
      return new Date(now + Math.max(llm.investigation_retry_interval, llm.unavailable_cooldown) * 1000);
    default:
      return new Date(now + llm.investigation_retry_interval * 1000);
  }
}
