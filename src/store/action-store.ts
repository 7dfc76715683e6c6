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
  /** node:sqlite's statement cache, as IncidentStore uses: an incident storm runs the same few thousands of times. */
  readonly #sql: ReturnType<Database['createTagStore']>;
  constructor(db: Database) {
    this.#sql = db.createTagStore();
  }

  record(action: Omit<ActionRecord, 'id' | 'createdAt'>): ActionRecord {
    const plan = JSON.stringify(action.plan ?? null);
    const result = JSON.stringify(action.result ?? null);
    const inserted = this.#sql.run`
      INSERT INTO actions (incident_id, action_type, mode, target, blocker, status, plan, result, approved_by, applied_at, created_at)
      VALUES (${action.incidentId}, ${action.actionType}, ${action.mode}, ${action.target}, ${action.blocker},
        ${action.status}, ${plan}, ${result}, ${action.approvedBy}, ${action.appliedAt}, ${new Date().toISOString()})`;
    return this.get(Number(inserted.lastInsertRowid))!;
  }

  update(id: number, changes: Partial<Pick<ActionRecord, 'status' | 'result' | 'approvedBy' | 'appliedAt'>>): void {
    const current = this.get(id);
    if (!current) throw new Error(`action ${id} does not exist`);
    const next = { ...current, ...changes };
    const result = JSON.stringify(next.result ?? null);
    this.#sql.run`UPDATE actions SET status = ${next.status}, result = ${result}, approved_by = ${next.approvedBy},
      applied_at = ${next.appliedAt} WHERE id = ${id}`;
  }

  get(id: number): ActionRecord | undefined {
    const row = this.#sql.get`SELECT * FROM actions WHERE id = ${id}` as ActionRow | undefined;
    return row && toRecord(row);
  }

  forIncident(incidentId: number): ActionRecord[] {
    const rows = this.#sql.all`SELECT * FROM actions WHERE incident_id = ${incidentId} ORDER BY id` as unknown;
    return (rows as ActionRow[]).map(toRecord);
  }

  countsByTypeAndStatus(): Array<{ actionType: string; status: string; count: number }> {
    const rows = this.#sql
      .all`SELECT action_type, status, COUNT(*) AS count FROM actions GROUP BY action_type, status` as unknown;
    return (rows as Array<{ action_type: string; status: string; count: number }>).map((row) => ({
      actionType: row.action_type,
      status: row.status,
      count: row.count,
    }));
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
