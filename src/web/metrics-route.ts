import { Counter, Gauge, Registry } from 'prom-client';
import { recordedCriticalCommands } from '../command-runner/critical-command-alert.ts';
import { metrics } from '../core/metrics.ts';
import type { Route } from '../http/router.ts';
import type { AgentRuntime } from '../network-guard/agent-runtime.ts';

type GaugeRow = { labels: Record<string, string>; value: number };

/** Gauges computed from the store at scrape time, in a fresh registry so vanished label sets do not linger. */
export function storeGauges(runtime: AgentRuntime): Registry {
  const { store } = runtime;
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[], rows: GaugeRow[]) => {
    const metric = new Gauge({ name, help, labelNames, registers: [registry] });
    for (const row of rows) metric.set(row.labels, row.value);
  };
  gauge(
    'devops_agent_incidents',
    'Incidents in the store now, by threat type and status.',
    ['status', 'threat_type'],
    store.incidents
      .countsByTypeAndStatus()
      .map((row) => ({ labels: { status: row.status, threat_type: row.threatType }, value: row.count })),
  );
  gauge(
    'devops_agent_actions',
    'Actions in the store now, by action type and status.',
    ['action_type', 'status'],
    store.actions
      .countsByTypeAndStatus()
      .map((row) => ({ labels: { action_type: row.actionType, status: row.status }, value: row.count })),
  );
  const byBlocker = new Map<string, number>();
  for (const block of store.blocks.active()) byBlocker.set(block.blocker, (byBlocker.get(block.blocker) ?? 0) + 1);
  if (byBlocker.size === 0) byBlocker.set(runtime.blocker.kind, 0);
  gauge(
    'devops_agent_active_blocks',
    'Blocks the agent has in place now, by blocker.',
    ['blocker'],
    [...byBlocker].map(([blocker, value]) => ({ labels: { blocker }, value })),
  );
  gauge(
    'devops_agent_allowlist_entries',
    'Active (unexpired) allowlist entries.',
    [],
    [{ labels: {}, value: store.allowlist.list().length }],
  );
  addRecordedLlmUsage(runtime, registry);
  addRecordedCriticalCommands(runtime, registry);
  return registry;
}

export function metricsRoute(runtime: AgentRuntime): Route {
  // Loads prom-client and starts its process and Node.js collectors now, not at the first scrape.
  const { registry } = metrics;
  return {
    method: 'GET',
    path: '/metrics',
    handler: async () => {
      const merged = Registry.merge([registry, storeGauges(runtime)]);
      return { status: 200, text: await merged.metrics(), contentType: merged.contentType };
    },
  };
}

/**
 * LLM calls and tokens as recorded in `llm_exchanges` (every exchange is stored for the audit), so the totals survive
 * restarts and include CLI runs. Absent when the LLM tables were never created. Counters (the table only grows),
 * rebuilt from the table at each scrape.
 */
function addRecordedLlmUsage(runtime: AgentRuntime, registry: Registry): void {
  const { db } = runtime.store;
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'llm_exchanges'").get();
  if (!table) return;
  const rows = db
    .prepare(
      `SELECT model, validation, COUNT(*) AS calls, SUM(input_tokens) AS input, SUM(output_tokens) AS output
       FROM llm_exchanges GROUP BY model, validation`,
    )
    .all() as Array<{ model: string; validation: string; calls: number; input: number; output: number }>;
  const exchanges = new Counter({
    name: 'devops_agent_llm_exchanges_recorded_total',
    help: 'LLM calls recorded, by model and validation outcome.',
    labelNames: ['model', 'validation'],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'devops_agent_llm_tokens_recorded_total',
    help: 'LLM tokens recorded, by model and kind (input, output).',
    labelNames: ['kind', 'model'],
    registers: [registry],
  });
  for (const row of rows) {
    exchanges.inc({ model: row.model, validation: row.validation }, row.calls);
    tokens.inc({ kind: 'input', model: row.model }, row.input ?? 0);
    tokens.inc({ kind: 'output', model: row.model }, row.output ?? 0);
  }
}

/** CRITICAL commands refused, as recorded in the store: CLI `exec` runs count too, and survive restarts. */
function addRecordedCriticalCommands(runtime: AgentRuntime, registry: Registry): void {
  const refused = new Counter({
    name: 'devops_agent_exec_critical_commands_recorded_total',
    help: 'CRITICAL commands the command runner refused, by rule and planner (llm, user).',
    labelNames: ['rule', 'source'],
    registers: [registry],
  });
  for (const row of recordedCriticalCommands(runtime.store.db))
    refused.inc({ rule: row.rule, source: row.source }, row.count);
}
