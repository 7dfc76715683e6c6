import type { StatementSync } from 'node:sqlite';
import type { Database } from './database.ts';
import { camelFields } from './row-fields.ts';

export type ActionStatus = 'planned' | 'applying' | 'applied' | 'unchanged' | 'failed' | 'rejected' | 'reverted';

export interface ActionRecord {
  id: number;
  incidentId: number | null;
  actionType: string;
  mode: string;
  target: string;
  blocker: string;
  status: ActionStatus;
  plan: unknown;
  result: unknown;
  approvedBy: string | null;
  appliedAt: string | null;
  createdAt: string;
}

interface ActionRow {
  id: number;
  incident_id: number | null;
  action_type: string;
  mode: string;
  target: string;
  blocker: string;
  status: string;
  plan: string | null;
  result: string | null;
  approved_by: string | null;
  applied_at: string | null;
  created_at: string;
}

/** The spec's `actions` table: every planned, applied, failed or reverted action with its plan and outcome. */
export class ActionStore {
  readonly #db: Database;
  readonly #statements = new Map<string, StatementSync>();
  constructor(db: Database) {
    this.#db = db;
  }

  /** Statements are prepared once: an incident storm runs the same few thousands of times. */
  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  record(action: Omit<ActionRecord, 'id' | 'createdAt'>): ActionRecord {
    const result = this.#prepare(
      `INSERT INTO actions (incident_id, action_type, mode, target, blocker, status, plan, result, approved_by, applied_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      action.incidentId,
      action.actionType,
      action.mode,
      action.target,
      action.blocker,
      action.status,
      JSON.stringify(action.plan ?? null),
      JSON.stringify(action.result ?? null),
      action.approvedBy,
      action.appliedAt,
      new Date().toISOString(),
    );
    return this.get(Number(result.lastInsertRowid))!;
  }

  update(id: number, changes: Partial<Pick<ActionRecord, 'status' | 'result' | 'approvedBy' | 'appliedAt'>>): void {
    const current = this.get(id);
    if (!current) throw new Error(`action ${id} does not exist`);
    const next = { ...current, ...changes };
    this.#prepare('UPDATE actions SET status = ?, result = ?, approved_by = ?, applied_at = ? WHERE id = ?').run(
      next.status,
      JSON.stringify(next.result ?? null),
      next.approvedBy,
      next.appliedAt,
      id,
    );
  }

  get(id: number): ActionRecord | undefined {
    const row = this.#prepare('SELECT * FROM actions WHERE id = ?').get(id) as ActionRow | undefined;
    return row && toRecord(row);
  }

  forIncident(incidentId: number): ActionRecord[] {
    return (
      this.#prepare('SELECT * FROM actions WHERE incident_id = ? ORDER BY id').all(incidentId) as unknown as ActionRow[]
    ).map(toRecord);
  }

  countsByTypeAndStatus(): Array<{ actionType: string; status: string; count: number }> {
    return (
      this.#prepare(
        'SELECT action_type, status, COUNT(*) AS count FROM actions GROUP BY action_type, status',
      ).all() as Array<{
        action_type: string;
        status: string;
        count: number;
      }>
    ).map((row) => ({ actionType: row.action_type, status: row.status, count: row.count }));
  }
}

function toRecord(row: ActionRow): ActionRecord {
  return {
    ...camelFields(row, ['id', 'incident_id', 'action_type', 'mode', 'target', 'blocker']),
    status: row.status as ActionStatus,
    plan: row.plan ? JSON.parse(row.plan) : null,
    result: row.result ? JSON.parse(row.result) : null,
    ...camelFields(row, ['approved_by', 'applied_at', 'created_at']),
  };
}
