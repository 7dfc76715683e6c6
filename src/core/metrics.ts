import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

type Labels = Record<string, string>;

/**
 * The process's counters, declared once with their help and labels (prom-client needs both up front). Engineers
 * count from their own modules with `metrics.increment(name, labels)`; a name appears in /metrics with its HELP and
 * TYPE from the start, and with a sample once something counted it.
 */
const COUNTERS = {
  devops_agent_incidents_total: ['Incidents created, by threat type and decision.', ['decision', 'threat_type']],
  devops_agent_actions_total: [
    'Actions applied, failed, rejected or reverted, by action and status.',
    ['action', 'status'],
  ],
  devops_agent_log_lines_total: ['Log lines read, by source.', ['source']],
  devops_agent_log_lines_skipped_total: ['Log lines skipped (unparsable or filtered), by source.', ['source']],
  devops_agent_llm_advice_total: ['LLM opinions asked for new incidents, by outcome.', ['status']],
  devops_agent_block_confirmations_total: [
    'Automatic blocks held for the model, by how the wait ended (scanning, not_scanning, timeout...).',
    ['outcome'],
  ],
  devops_agent_investigations_not_done_total: [
    'Incidents marked as not investigated by the LLM, by reason (queue_full, hourly_budget, llm_unavailable...).',
    ['reason'],
  ],
  devops_agent_parse_errors_total: ['Log lines that could not be parsed (counted and skipped), by source.', ['source']],
  devops_agent_llm_calls_total: ['LLM calls, by provider and outcome.', ['provider', 'status']],
  devops_agent_llm_tokens_total: ['LLM tokens used, by provider and kind (input, output).', ['kind', 'provider']],
  devops_agent_integration_errors_total: [
    'Errors talking to an integration (elasticsearch, kubernetes, llm, notifier...).',
    ['integration'],
  ],
  devops_agent_notifications_total: ['Notifications sent or failed, by notifier and status.', ['notifier', 'status']],
  devops_agent_http_requests_total: [
    'Review page and API requests, by method, route and status code.',
    ['code', 'method', 'route'],
  ],
  devops_agent_exec_critical_commands_total: [
    'CRITICAL commands the command runner refused in this process, by rule and planner (llm, user).',
    ['rule', 'source'],
  ],
} as const satisfies Record<string, readonly [string, readonly string[]]>;

export type CounterName = keyof typeof COUNTERS;

/** Seconds; buckets span a live tail (seconds) to a replay of old logs (hours). */
const DETECTION_LAG_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 21_600, 86_400];
/** Seconds; a file write takes milliseconds, a Kubernetes discovery + dry run + patch (with retries) seconds. */
const BLOCK_LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The one registry of the process (prom-client), with the default process and Node.js metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly #counters = new Map<string, Counter<string>>();
  /** From the newest log line of a finding to the incident being recorded, by threat type. */
  readonly detectionLag: Histogram<'threat_type'>;
  /** One block's apply (plan, apply, retries) until the blocker answered, by blocker and outcome. */
  readonly blockLatency: Histogram<'blocker' | 'status'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    for (const [name, [help, labelNames]] of Object.entries(COUNTERS)) {
      this.#counters.set(name, new Counter({ name, help, labelNames, registers: [this.registry] }));
    }
    this.detectionLag = new Histogram({
      name: 'devops_agent_detection_lag_seconds',
      help: 'Seconds from the newest log line of a finding to the incident being recorded, by threat type.',
      labelNames: ['threat_type'],
      buckets: DETECTION_LAG_BUCKETS,
      registers: [this.registry],
    });
    this.blockLatency = new Histogram({
      name: 'devops_agent_block_latency_seconds',
      help: 'Seconds one block took to apply (plan, apply, retries), by blocker and outcome.',
      labelNames: ['blocker', 'status'],
      buckets: BLOCK_LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  increment(name: CounterName, labels: Labels = {}, by = 1): void {
    const counter = this.#counters.get(name);
    if (!counter) throw new Error(`metrics: unknown counter ${name}`);
    // A zero still creates the sample, so a source that read nothing shows 0 rather than nothing.
    counter.inc(sortedLabels(labels), by);
  }

  /** The current value of one counter sample (tests, the CLI's summaries). */
  async get(name: CounterName, labels: Labels = {}): Promise<number> {
    const metric = await this.#counters.get(name)?.get();
    const wanted = JSON.stringify(sortedLabels(labels));
    const sample = metric?.values.find((value) => JSON.stringify(sortedLabels(value.labels as Labels)) === wanted);
    return sample?.value ?? 0;
  }

  /** Prometheus text exposition of everything in the registry. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * Labels in name order, so the exposition is stable whatever order a caller wrote them in. Label names are ASCII
 * identifiers: a code-unit comparison orders them, and unlike localeCompare it does not page in ICU's collation data
 * (about 8 MB of RSS in a process that otherwise never touches Intl).
 */
function sortedLabels(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The one registry of the process. */
export const metrics = new Metrics();
