import { metrics } from '../core/metrics.ts';
import { redactSecrets } from '../core/redact.ts';
import { sendToAll } from '../notifiers/create-notifier.ts';
import type { Notification, Notifier } from '../notifiers/notifier.ts';
import type { Database } from '../store/database.ts';
import { commandHash, ensureTables } from './command-approvals.ts';
import type { CommandClassification } from './command-classifier.ts';

export const CRITICAL_COMMANDS_METRIC = 'devops_agent_exec_critical_commands_total';

/** What an alert says about a refused command: redacted and capped, because the command text came from a model. */
export function criticalCommandNotification(
  task: string,
  source: 'llm' | 'user',
  classification: CommandClassification,
): Notification {
  return {
    title: 'CRITICAL command refused',
    message: `The command runner refused a CRITICAL command planned ${source === 'llm' ? 'by the LLM' : 'by the user'}: ${redactSecrets(classification.command).slice(0, 500)}`,
    severity: 'critical',
    category: 'alert',
    fields: [
      { name: 'Rule', value: classification.rule },
      { name: 'Reason', value: redactSecrets(classification.reason).slice(0, 300) },
      { name: 'Task', value: redactSecrets(task).slice(0, 200) },
    ],
    speech: 'The command runner refused a critical command.',
    source: 'command-runner',
  };
}

/**
 * Every CRITICAL attempt is counted (by rule and by who planned it) and sent to every configured channel, so a model
 * that tries `rm -rf /` or a pager escape is seen by a person even though nothing ran. Channel failures are returned.
 */
export async function alertCriticalCommand(
  db: Database,
  notifiers: readonly Notifier[],
  task: string,
  source: 'llm' | 'user',
  classification: CommandClassification,
): Promise<{ sent: number; failed: string[] }> {
  metrics.increment(CRITICAL_COMMANDS_METRIC, { rule: classification.rule, source });
  ensureTables(db);
  db.prepare('INSERT INTO exec_critical_commands (command_hash, rule, source, refused_at) VALUES (?, ?, ?, ?)').run(
    commandHash(classification.command),
    classification.rule,
    source,
    new Date().toISOString(),
  );
  if (notifiers.length === 0) return { sent: 0, failed: [] };
  const results = await sendToAll(notifiers, criticalCommandNotification(task, source, classification));
  return {
    sent: results.filter((item) => item.result.status === 'sent').length,
    failed: results
      .filter((item) => item.result.status === 'failed')
      .map((item) => `${item.notifier}: ${item.result.status === 'failed' ? item.result.error : ''}`),
  };
}

/** Refused CRITICAL commands recorded in the store, by rule and planner (empty before the first exec run). */
export function recordedCriticalCommands(db: Database): Array<{ rule: string; source: string; count: number }> {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'exec_critical_commands'")
    .get();
  if (!table) return [];
  const rows = db
    .prepare('SELECT rule, source, COUNT(*) AS count FROM exec_critical_commands GROUP BY rule, source')
    .all() as Array<{ rule: string; source: string; count: number }>;
  return rows.map((row) => ({ rule: row.rule, source: row.source, count: Number(row.count) }));
}
