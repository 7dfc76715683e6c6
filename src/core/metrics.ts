import type { Counter, Histogram, Registry } from 'prom-client';
import { lazyModule } from './lazy-module.ts';

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

const promClient = lazyModule<typeof import('prom-client')>('prom-client');
type Exported = { registry: Registry; counters: Map<string, Counter<string>> };

/** Observations kept per histogram until something exports them (a one-shot command never does). */
const MAX_PENDING_OBSERVATIONS = 100_000;

/**
 * A histogram of the process: observed at once into prom-client when the registry exists, else kept until it does.
 */
export class LazyHistogram<L extends string> {
  readonly #pending: Array<[Partial<Record<L, string>>, number]> = [];
  #target: Histogram<L> | undefined;

  /** Past MAX_PENDING_OBSERVATIONS waiting for a registry, an observation is not kept. */
  observe(labels: Partial<Record<L, string>>, value: number): void {
    if (this.#target) this.#target.observe(labels, value);
    else if (this.#pending.length < MAX_PENDING_OBSERVATIONS) this.#pending.push([labels, value]);
  }

  /** From now on observations go to `target`, those kept first. */
  attach(target: Histogram<L>): void {
    for (const [labels, value] of this.#pending) target.observe(labels, value);
    this.#pending.length = 0;
    this.#target = target;
  }
}

const HISTOGRAMS = {
  devops_agent_detection_lag_seconds: [
    'Seconds from the newest log line of a finding to the incident being recorded, by threat type.',
    ['threat_type'],
    DETECTION_LAG_BUCKETS,
  ],
  devops_agent_block_latency_seconds: [
    'Seconds one block took to apply (plan, apply, retries), by blocker and outcome.',
    ['blocker', 'status'],
    BLOCK_LATENCY_BUCKETS,
  ],
} as const;

/**
 * The counters and histograms of the process. They are counted here, in plain maps; prom-client (with the default
 * process and Node.js metrics) is loaded when something first asks for the registry: the web server's /metrics does,
 * at start. A one-shot command counts without ever loading it (prom-client and its OpenTelemetry API are about 8 MB
 * of a scan's peak RSS).
 */
export class Metrics {
  readonly #defaultMetrics: boolean;
  /** Counter name -> labels key -> the labels and their total. */
  readonly #counts = new Map<string, Map<string, { labels: Labels; value: number }>>();
  #exported: Exported | undefined;
  /** From the newest log line of a finding to the incident being recorded, by threat type. */
  readonly detectionLag = new LazyHistogram<'threat_type'>();
  /** One block's apply (plan, apply, retries) until the blocker answered, by blocker and outcome. */
  readonly blockLatency = new LazyHistogram<'blocker' | 'status'>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.#defaultMetrics = options.defaultMetrics !== false;
    for (const name of Object.keys(COUNTERS)) this.#counts.set(name, new Map());
  }

  increment(name: CounterName, labels: Labels = {}, by = 1): void {
    const samples = this.#counts.get(name);
    if (!samples) throw new Error(`metrics: unknown counter ${name}`);
    // A zero still creates the sample, so a source that read nothing shows 0 rather than nothing.
    const sorted = sortedLabels(labels);
    const key = JSON.stringify(sorted);
    const sample = samples.get(key);
    if (sample) sample.value += by;
    else samples.set(key, { labels: sorted, value: by });
    this.#exported?.counters.get(name)?.inc(sorted, by);
  }

  /** The current value of one counter sample (tests, the CLI's summaries). */
  async get(name: CounterName, labels: Labels = {}): Promise<number> {
    return this.#counts.get(name)?.get(JSON.stringify(sortedLabels(labels)))?.value ?? 0;
  }

  /** The prom-client registry of everything counted, built (and kept in step from then on) on first use. */
  get registry(): Registry {
    this.#exported ??= this.#export(promClient());
    return this.#exported.registry;
  }

  /** Prometheus text exposition of everything in the registry. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  #export(client: typeof import('prom-client')): Exported {
    const registry = new client.Registry();
    if (this.#defaultMetrics) client.collectDefaultMetrics({ register: registry });
    const counters = new Map<string, Counter<string>>();
    for (const [name, [help, labelNames]] of Object.entries(COUNTERS)) {
      const counter = new client.Counter({ name, help, labelNames, registers: [registry] });
      for (const { labels, value } of this.#counts.get(name)!.values()) counter.inc(labels, value);
      counters.set(name, counter);
    }
    const histogram = (name: keyof typeof HISTOGRAMS) => {
      const [help, labelNames, buckets] = HISTOGRAMS[name];
      return new client.Histogram({
        name,
        help,
        labelNames: [...labelNames],
        buckets: [...buckets],
        registers: [registry],
      });
    };
    this.detectionLag.attach(histogram('devops_agent_detection_lag_seconds'));
    this.blockLatency.attach(histogram('devops_agent_block_latency_seconds'));
    return { registry, counters };
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
