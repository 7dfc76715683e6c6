import { Metrics, metrics } from '../core/metrics.ts';
import type { Route } from '../http/router.ts';
import type { AgentRuntime } from '../network-guard/agent-runtime.ts';

/**
 * Help text for the process-wide counters. Engineers increment these names from their own modules; a name only
 * appears in the output once something has counted it.
 */
const COUNTER_HELP: Record<string, string> = {
  devops_agent_incidents_total: 'Incidents created, by threat type and decision.',
  devops_agent_actions_total: 'Actions applied, failed, rejected or reverted, by action and status.',
  devops_agent_log_lines_total: 'Log lines read, by source.',
  devops_agent_log_lines_skipped_total: 'Log lines skipped (unparsable or filtered), by source.',
  devops_agent_llm_advice_total: 'LLM opinions asked for new incidents, by outcome.',
  devops_agent_parse_errors_total: 'Log lines that could not be parsed (counted and skipped), by source.',
  devops_agent_llm_calls_total: 'LLM calls, by provider and outcome.',
  devops_agent_llm_tokens_total: 'LLM tokens used, by provider and kind (input, output).',
  devops_agent_integration_errors_total:
    'Errors talking to an integration (elasticsearch, kubernetes, llm, notifier...).',
  devops_agent_notifications_total: 'Notifications sent or failed, by notifier and status.',
  devops_agent_http_requests_total: 'Review page and API requests, by method, route and status code.',
};

for (const [name, help] of Object.entries(COUNTER_HELP)) metrics.describe(name, help);

/** Gauges computed from the store at scrape time, in a fresh registry so vanished label sets do not linger. */
export function renderStoreGauges(runtime: AgentRuntime): string {
  const { store } = runtime;
  const gauges = new Metrics();
  gauges.describe('devops_agent_incidents', 'Incidents in the store now, by threat type and status.');
  for (const row of store.incidents.countsByTypeAndStatus()) {
    gauges.set('devops_agent_incidents', row.count, { threat_type: row.threatType, status: row.status });
  }
  gauges.describe('devops_agent_actions', 'Actions in the store now, by action type and status.');
  for (const row of store.actions.countsByTypeAndStatus()) {
    gauges.set('devops_agent_actions', row.count, { action_type: row.actionType, status: row.status });
  }
  gauges.describe('devops_agent_active_blocks', 'Blocks the agent has in place now, by blocker.');
  const byBlocker = new Map<string, number>();
  for (const block of store.blocks.active()) byBlocker.set(block.blocker, (byBlocker.get(block.blocker) ?? 0) + 1);
  if (byBlocker.size === 0) byBlocker.set(runtime.blocker.kind, 0);
  for (const [blocker, count] of byBlocker) gauges.set('devops_agent_active_blocks', count, { blocker });
  gauges.describe('devops_agent_allowlist_entries', 'Active (unexpired) allowlist entries.');
  gauges.set('devops_agent_allowlist_entries', store.allowlist.list().length);
  addRecordedLlmUsage(runtime, gauges);
  return gauges.render();
}

export function metricsRoute(runtime: AgentRuntime): Route {
  return {
    method: 'GET',
    path: '/metrics',
    handler: () => {
      const counters = metrics.render();
      const text = `${counters.trim() === '' ? '' : counters}${renderStoreGauges(runtime)}`;
      return { status: 200, text, contentType: 'text/plain; version=0.0.4; charset=utf-8' };
    },
  };
}

/**
 * LLM calls and tokens as recorded in `llm_exchanges` (every exchange is stored for the audit), so the totals survive
 * restarts and include CLI runs. Absent when the LLM tables were never created.
 */
function addRecordedLlmUsage(runtime: AgentRuntime, registry: Metrics): void {
  const { db } = runtime.store;
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'llm_exchanges'").get();
  if (!table) return;
  const rows = db
    .prepare(
      `SELECT model, validation, COUNT(*) AS calls, SUM(input_tokens) AS input, SUM(output_tokens) AS output
       FROM llm_exchanges GROUP BY model, validation`,
    )
    .all() as Array<{ model: string; validation: string; calls: number; input: number; output: number }>;
  registry.describe(
    'devops_agent_llm_exchanges_recorded_total',
    'LLM calls recorded, by model and validation outcome.',
  );
  registry.describe(
    'devops_agent_llm_tokens_recorded_total',
    'LLM tokens recorded, by model and kind (input, output).',
  );
  for (const row of rows) {
    registry.increment(
      'devops_agent_llm_exchanges_recorded_total',
      { model: row.model, validation: row.validation },
      row.calls,
    );
    registry.increment('devops_agent_llm_tokens_recorded_total', { model: row.model, kind: 'input' }, row.input ?? 0);
    registry.increment('devops_agent_llm_tokens_recorded_total', { model: row.model, kind: 'output' }, row.output ?? 0);
  }
}
