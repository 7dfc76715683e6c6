import { hostname } from 'node:os';
import type { MonitorSettings } from '../config/sections/monitor.ts';
import { errorMessage } from '../core/errors.ts';
import type { LlmClient } from '../llm/llm-client.ts';
import { Alerter, type AlertOutcome, type AuditSink, type Channels, type ConcludedFinding } from './alerter.ts';
import { reviewObservations } from './anomaly-review.ts';
import { BaselineTracker } from './baseline.ts';
import type { Clock } from './clock.ts';
import { type CollectOptions, collectObservations } from './collect-observations.ts';
import type { PositionKeeper } from './collectors/log-file-reader.ts';
import { buildRecap, markRecapSent, recapDue } from './daily-recap.ts';
import type { Finding } from './findings.ts';
import { type MonitorContext, matchingKnownIssue } from './monitor-context.ts';
import type { MonitorStore } from './monitor-store.ts';
import type { Observations } from './observations.ts';
import { evaluateRules, type JudgedMetric, judgeMetrics, metricsFrom } from './rules.ts';
import { applyConstraints, buildDigest, triageFinding } from './triage.ts';

export interface MonitorDependencies {
  settings: MonitorSettings;
  store: MonitorStore;
  positions: PositionKeeper;
  clock: Clock;
  channels: Channels;
  context: MonitorContext;
  llm?: LlmClient;
  audit?: AuditSink;
  log?: (line: string) => void;
}

export interface CycleReport {
  at: string;
  observations: Observations;
  metrics: JudgedMetric[];
  findings: ConcludedFinding[];
  alerts: AlertOutcome[];
  recap?: { deliveries: Array<{ notifier: string; status: string; error?: string }> };
  llm: { calls: number; skipped: string[] };
}

/** One host monitor: collect -> rules and baselines -> known issues, constraints, bounded triage -> alerts and recap. */
export class Monitor {
  readonly #deps: MonitorDependencies;
  readonly #tracker: BaselineTracker;
  readonly #alerter: Alerter;

  constructor(deps: MonitorDependencies) {
    this.#deps = deps;
    this.#tracker = new BaselineTracker(deps.store, deps.settings.baseline, deps.settings.timezone);
    this.#alerter = new Alerter(deps.store, deps.channels, deps.settings, deps.audit);
  }

  async runCycle(options: CollectOptions = {}): Promise<CycleReport> {
    const { settings, store, clock, context } = this.#deps;
    const at = clock.now();
    const observations = await collectObservations(settings, store, this.#deps.positions, at, options);
    const { judged, findings: deviations } = store.transaction(() =>
      judgeMetrics(metricsFrom(observations), this.#tracker, at, settings),
    );
    const ruleFindings = [...evaluateRules(observations, settings, store), ...deviations].map((item) =>
      applyConstraints(item, context.severityConstraints),
    );
    const concluded: ConcludedFinding[] = [];
    const llmReport = { calls: 0, skipped: [] as string[] };
    for (const item of ruleFindings) {
      const known = matchingKnownIssue(item, context.knownIssues, at, settings.timezone);
      if (known) {
        concluded.push({ ...item, ruleSeverity: item.severity, finalSeverity: item.severity, suppressedBy: known.id });
        continue;
      }
      concluded.push(await this.#triage(item, ruleFindings, judged, llmReport, at));
    }
    concluded.push(...(await this.#reviewObservations(observations, judged, ruleFindings, llmReport, at)));
    const succeeded = new Set(
      observations.collectors.filter((report) => report.status === 'ok').map((report) => report.name),
    );
    const alerts = await this.#alerter.process(concluded, succeeded, at);
    const report: CycleReport = {
      at: new Date(at).toISOString(),
      observations,
      metrics: judged,
      findings: concluded,
      alerts,
      llm: llmReport,
    };
    const recap = recapDue(store, settings, at);
    if (recap.due) {
      const deliveries = await this.#alerter.sendText(
        buildRecap(store, settings, recap.since, at, hostname()),
        'recap',
        at,
      );
      // Marked sent when a channel took it (or there is none); otherwise the next cycle tries again.
      if (deliveries.length === 0 || deliveries.some((delivery) => delivery.status === 'sent')) {
        markRecapSent(store, settings, at);
      }
      report.recap = { deliveries };
    }
    this.#prune(at);
    return report;
  }

  /** Reuses the triage of an anomaly already open at the same rule severity: one model call per anomaly, not per cycle. */
  async #triage(
    item: Finding,
    all: Finding[],
    judged: JudgedMetric[],
    llmReport: CycleReport['llm'],
    at: number,
  ): Promise<ConcludedFinding> {
    const { settings, store, context, llm } = this.#deps;
    const open = store.activeAnomaly(item.key);
    if (open && open.rule_severity === item.severity) {
      const finalSeverity = open.severity as ConcludedFinding['finalSeverity'];
      return {
        ...item,
        ruleSeverity: item.severity,
        finalSeverity,
        triage: open.reason ? { severity: finalSeverity, reason: open.reason } : undefined,
      };
    }
    if (!llm || !settings.llm_triage.enabled) {
      return { ...item, ruleSeverity: item.severity, finalSeverity: item.severity };
    }
    if (llmReport.calls >= settings.llm_triage.max_calls_per_cycle) {
      llmReport.skipped.push(`${item.key}: max_calls_per_cycle reached`);
      return { ...item, ruleSeverity: item.severity, finalSeverity: item.severity };
    }
    llmReport.calls++;
    let outcome: Awaited<ReturnType<typeof triageFinding>>;
    try {
      outcome = await triageFinding(llm, item, buildDigest(item, all, judged, context));
    } catch (error) {
      outcome = { severity: item.severity, skipped: `error: ${errorMessage(error)}` };
    }
    if (outcome.skipped) llmReport.skipped.push(`${item.key}: ${outcome.skipped}`);
    if (outcome.modelSeverity) {
      const record = {
        at,
        key: item.key,
        ruleSeverity: item.severity,
        modelSeverity: outcome.modelSeverity,
        finalSeverity: outcome.severity,
        bounded: Boolean(outcome.bounded),
        reason: outcome.reason ?? '',
        model: outcome.model ?? llm.description,
      };
      store.recordTriage(record);
      if (record.finalSeverity !== record.ruleSeverity || record.bounded) {
        this.#deps.audit?.append('monitor.triage_override', record);
      }
    }
    return { ...item, ruleSeverity: item.severity, finalSeverity: outcome.severity, triage: outcome };
  }

  /** The model's own anomalies (bounded in anomaly-review.ts), after the rules' findings, through the same alerter. */
  async #reviewObservations(
    observations: Observations,
    judged: JudgedMetric[],
    ruleFindings: Finding[],
    llmReport: CycleReport['llm'],
    at: number,
  ): Promise<ConcludedFinding[]> {
    const { settings, context, llm } = this.#deps;
    if (!llm || !settings.llm_triage.enabled || !settings.llm_triage.review_observations) return [];
    if (llmReport.calls >= settings.llm_triage.max_calls_per_cycle) {
      llmReport.skipped.push('anomaly review: max_calls_per_cycle reached');
      return [];
    }
    llmReport.calls++;
    let review: Awaited<ReturnType<typeof reviewObservations>>;
    try {
      review = await reviewObservations(llm, observations, judged, ruleFindings);
    } catch (error) {
      review = { findings: [], raised: [], skipped: `error: ${errorMessage(error)}` };
    }
    if (review.skipped) llmReport.skipped.push(`anomaly review: ${review.skipped}`);
    if (review.raised.length > 0) this.#deps.audit?.append('monitor.llm_anomaly', { at, raised: review.raised });
    return review.findings.map((item) => {
      const known = matchingKnownIssue(item, context.knownIssues, at, settings.timezone);
      return {
        ...item,
        ruleSeverity: item.severity,
        finalSeverity: item.severity,
        ...(known ? { suppressedBy: known.id } : {}),
        triage: { severity: item.severity, reason: item.detail, model: review.model ?? llm.description },
      };
    });
  }

  #prune(at: number): void {
    const { store, settings } = this.#deps;
    const last = store.getState<number>('prune.last_at');
    if (last !== undefined && at - last < 86_400_000) return;
    store.prune(at - settings.retention * 1000);
    store.setState('prune.last_at', at);
  }

  /**
   * Runs cycles every `interval` until the signal aborts (or `maxCycles` ran). A cycle that throws is logged and the
   * loop goes on: a broken collector must not stop the monitor.
   */
  async run(signal: AbortSignal, options: { maxCycles?: number; onCycle?: (report: CycleReport) => void } = {}) {
    const { clock, settings } = this.#deps;
    let cycles = 0;
    while (!signal.aborted && (options.maxCycles === undefined || cycles < options.maxCycles)) {
      const started = clock.now();
      try {
        const report = await this.runCycle();
        options.onCycle?.(report);
      } catch (error) {
        this.#deps.log?.(`monitor cycle failed: ${errorMessage(error)}`);
      }
      cycles++;
      const wait = Math.max(0, started + settings.interval * 1000 - clock.now());
      if (options.maxCycles !== undefined && cycles >= options.maxCycles) break;
      await clock.sleep(wait, signal);
    }
    return cycles;
  }
}
