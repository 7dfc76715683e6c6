import { hostname } from 'node:os';
import type { Migration } from '../../store/database.ts';
import { migrate } from '../../store/database.ts';
import type { Store } from '../../store/store.ts';

export const INVESTIGATION_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-incident-investigations',
    sql: `
      CREATE TABLE incident_investigations (
        incident_id INTEGER PRIMARY KEY,
        state TEXT NOT NULL,
        reason TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        retry_at TEXT,
        confirmation TEXT,
        confirmation_detail TEXT,
        confirm_deadline TEXT,
        -- host:pid of the process whose queue holds it, so another process (a scan beside the daemon) leaves it alone
        owner TEXT,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX incident_investigations_retry ON incident_investigations (state, retry_at);
    `,
  },
];

/**
 * queued/running: in the background queue. done: the model gave a verdict. not_investigated: it did not, `reason` says
 * why, and `retry_at` when it will be tried again (null: it will not be, e.g. the incident's own budget is spent).
 */
export type InvestigationState = 'queued' | 'running' | 'done' | 'not_investigated';

/** Why an incident has no model verdict. */
export type NotInvestigatedReason =
  | 'queue_full'
  | 'hourly_budget'
  | 'incident_budget'
  | 'llm_unavailable'
  | 'invalid_answer'
  | 'guardrails_blocked'
  | 'interrupted'
  | 'error';

/**
 * How an automatic block's confirmation ended. `waiting`: the model has until confirm_deadline. The model can only
 * downgrade: `not_scanning` sends the incident to review; every other outcome blocks.
 */
export type ConfirmationOutcome =
  | 'waiting'
  | 'scanning'
  | 'uncertain'
  | 'not_scanning'
  | 'timeout'
  | 'llm_unavailable'
  | 'invalid_answer'
  | 'queue_full'
  | 'budget'
  | 'guardrails_blocked'
  | 'interrupted'
  | 'human_decided';

export interface InvestigationRow {
  incidentId: number;
  state: InvestigationState;
  reason: NotInvestigatedReason | null;
  attempts: number;
  retryAt: string | null;
  confirmation: ConfirmationOutcome | null;
  confirmationDetail: string | null;
  confirmDeadline: string | null;
  owner: string | null;
}

/** This process, as recorded in `owner`. */
export const THIS_PROCESS = `${hostname()}:${process.pid}`;

/** True when the owning process is gone (same host, pid not alive) or unknown: its rows may be taken over. */
export function ownerIsGone(owner: string | null): boolean {
  if (!owner) return true;
  const at = owner.lastIndexOf(':');
  if (owner.slice(0, at) !== hostname()) return false;
  const pid = Number(owner.slice(at + 1));
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

interface Row {
  incident_id: number;
  state: string;
  reason: string | null;
  attempts: number;
  retry_at: string | null;
  confirmation: string | null;
  confirmation_detail: string | null;
  confirm_deadline: string | null;
  owner: string | null;
}

/** The investigation state of every incident offered to the model, so nothing is lost silently, even over a restart. */
export class InvestigationStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
    migrate(store.db, 'network-guard-investigation', INVESTIGATION_MIGRATIONS);
  }

  get(incidentId: number): InvestigationRow | undefined {
    const row = this.#store.db.prepare('SELECT * FROM incident_investigations WHERE incident_id = ?').get(incidentId);
    return row ? toRow(row as unknown as Row) : undefined;
  }

  /** Records a new offer; a confirmation starts `waiting` until `deadline`. */
  enqueue(incidentId: number, confirmDeadline?: Date): void {
    this.#store.db
      .prepare(
        `INSERT INTO incident_investigations (incident_id, state, confirmation, confirm_deadline, owner, updated_at)
         VALUES (?, 'queued', ?, ?, ?, ?)
         ON CONFLICT (incident_id) DO UPDATE SET state = 'queued', reason = NULL, retry_at = NULL,
           owner = excluded.owner, updated_at = excluded.updated_at`,
      )
      .run(
        incidentId,
        confirmDeadline ? 'waiting' : null,
        confirmDeadline?.toISOString() ?? null,
        THIS_PROCESS,
        new Date().toISOString(),
      );
  }

  setState(incidentId: number, state: InvestigationState): void {
    this.#store.db
      .prepare(
        `UPDATE incident_investigations SET state = ?, reason = NULL, retry_at = NULL,
           attempts = attempts + (CASE WHEN ? = 'running' THEN 1 ELSE 0 END), updated_at = ? WHERE incident_id = ?`,
      )
      .run(state, state, new Date().toISOString(), incidentId);
  }

  markNotInvestigated(incidentId: number, reason: NotInvestigatedReason, retryAt: Date | null): void {
    this.#store.db
      .prepare(
        `UPDATE incident_investigations SET state = 'not_investigated', reason = ?, retry_at = ?, updated_at = ?
         WHERE incident_id = ?`,
      )
      .run(reason, retryAt?.toISOString() ?? null, new Date().toISOString(), incidentId);
  }

  /** Compare-and-set from `waiting`: exactly one of verdict, timeout or tool call settles a confirmation. */
  settleConfirmation(incidentId: number, outcome: ConfirmationOutcome, detail: string): boolean {
    const result = this.#store.db
      .prepare(
        `UPDATE incident_investigations SET confirmation = ?, confirmation_detail = ?, updated_at = ?
         WHERE incident_id = ? AND confirmation = 'waiting'`,
      )
      .run(outcome, detail.slice(0, 2000), new Date().toISOString(), incidentId);
    return Number(result.changes) === 1;
  }

  /** Overwrites a settled confirmation (a human acted on the incident before the automatic block could). */
  overrideConfirmation(incidentId: number, outcome: ConfirmationOutcome, detail: string): void {
    this.#store.db
      .prepare(
        'UPDATE incident_investigations SET confirmation = ?, confirmation_detail = ?, updated_at = ? WHERE incident_id = ?',
      )
      .run(outcome, detail.slice(0, 2000), new Date().toISOString(), incidentId);
  }

  /** Incidents marked not investigated whose retry time has come, oldest first. */
  dueForRetry(now: Date, limit: number): InvestigationRow[] {
    return (
      this.#store.db
        .prepare(
          `SELECT * FROM incident_investigations WHERE state = 'not_investigated' AND retry_at IS NOT NULL AND retry_at <= ?
           ORDER BY retry_at, incident_id LIMIT ?`,
        )
        .all(now.toISOString(), limit) as unknown as Row[]
    ).map(toRow);
  }

  /** Queued or running investigations and waiting confirmations whose owning process is gone (see ownerIsGone). */
  orphaned(): InvestigationRow[] {
    return this.#unfinished().filter((row) => ownerIsGone(row.owner));
  }

  #unfinished(): InvestigationRow[] {
    return (
      this.#store.db
        .prepare(
          `SELECT * FROM incident_investigations WHERE state IN ('queued', 'running') OR confirmation = 'waiting'
           ORDER BY incident_id`,
        )
        .all() as unknown as Row[]
    ).map(toRow);
  }

  countsByState(): Record<string, number> {
    const rows = this.#store.db
      .prepare('SELECT state, COUNT(*) AS count FROM incident_investigations GROUP BY state')
      .all() as Array<{ state: string; count: number }>;
    return Object.fromEntries(rows.map((row) => [row.state, Number(row.count)]));
  }
}

function toRow(row: Row): InvestigationRow {
  return {
    incidentId: Number(row.incident_id),
    state: row.state as InvestigationState,
    reason: row.reason as NotInvestigatedReason | null,
    attempts: Number(row.attempts),
    retryAt: row.retry_at,
    confirmation: row.confirmation as ConfirmationOutcome | null,
    confirmationDetail: row.confirmation_detail,
    confirmDeadline: row.confirm_deadline,
    owner: row.owner,
  };
}
