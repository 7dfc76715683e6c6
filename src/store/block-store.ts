import type { Database } from './database.ts';
import { camelFields } from './row-fields.ts';

export interface BlockRecord {
  id: number;
  target: string;
  blocker: string;
  incidentId: number | null;
  createdAt: string;
  expiresAt: string | null;
}

interface BlockRow {
  id: number;
  target: string;
  blocker: string;
  incident_id: number | null;
  created_at: string;
  expires_at: string | null;
}

/** Blocks the agent itself made (the owner mark): expiry and unblock remove exactly these and nothing else. */
export class BlockStore {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }

  /** Records an active block; a second call for the same target and blocker keeps the first (idempotent). */
  add(target: string, blocker: string, incidentId: number | null, expiresAt: string | null): BlockRecord {
    this.#db
      .prepare(
        `INSERT INTO blocks (target, blocker, incident_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (target, blocker) WHERE removed_at IS NULL DO NOTHING`,
      )
      .run(target, blocker, incidentId, new Date().toISOString(), expiresAt);
    return this.active(blocker).find((block) => block.target === target)!;
  }

  active(blocker?: string): BlockRecord[] {
    const rows = (blocker
      ? this.#db.prepare('SELECT * FROM blocks WHERE removed_at IS NULL AND blocker = ? ORDER BY id').all(blocker)
      : this.#db.prepare('SELECT * FROM blocks WHERE removed_at IS NULL ORDER BY id').all()) as unknown as BlockRow[];
    return rows.map(toRecord);
  }

  findActive(target: string): BlockRecord[] {
    return (
      this.#db
        .prepare('SELECT * FROM blocks WHERE removed_at IS NULL AND target = ?')
        .all(target) as unknown as BlockRow[]
    ).map(toRecord);
  }

  expired(now = new Date()): BlockRecord[] {
    return (
      this.#db
        .prepare('SELECT * FROM blocks WHERE removed_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?')
        .all(now.toISOString()) as unknown as BlockRow[]
    ).map(toRecord);
  }

  markRemoved(id: number, reason: string): void {
    this.#db
      .prepare('UPDATE blocks SET removed_at = ?, removed_reason = ? WHERE id = ?')
      .run(new Date().toISOString(), reason, id);
  }
}

function toRecord(row: BlockRow): BlockRecord {
  return camelFields(row, ['id', 'target', 'blocker', 'incident_id', 'created_at', 'expires_at']);
}
