import { createHash, randomBytes } from 'node:crypto';
import { type Database, type Migration, migrate, transaction } from '../../store/database.ts';
import { camelFields } from '../../store/row-fields.ts';
import { type BouncerUsage, type UsageComponent, withReport } from './usage-metrics.ts';

/** Bouncer API keys (only their SHA-256 is kept) and, per key, the decisions that bouncer was last told about. */
export const BOUNCER_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-bouncer-keys-and-seen-decisions',
    sql: `
      CREATE TABLE bouncers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        key_sha256 TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_pull_at TEXT,
        last_address TEXT,
        last_user_agent TEXT
      );
      -- what each bouncer holds after its last pull: the next pull sends only the difference
      CREATE TABLE bouncer_seen_decisions (
        bouncer_id INTEGER NOT NULL REFERENCES bouncers (id) ON DELETE CASCADE,
        value TEXT NOT NULL,
        decision TEXT NOT NULL,
        PRIMARY KEY (bouncer_id, value)
      );
    `,
  },
  {
    id: '002-bouncer-usage-metrics',
    sql: `
      -- what the bouncer reported through POST /v1/usage-metrics (usage-metrics.ts), and when
      ALTER TABLE bouncers ADD COLUMN usage_json TEXT;
      ALTER TABLE bouncers ADD COLUMN last_usage_at TEXT;
    `,
  },
];

export interface BouncerRecord {
  id: number;
  name: string;
  createdAt: string;
  lastPullAt: string | null;
  lastAddress: string | null;
  lastUserAgent: string | null;
  lastUsageAt: string | null;
  /** Its usage reports (POST /v1/usage-metrics), summed; null before the first. */
  usage: BouncerUsage | null;
}

interface BouncerRow {
  id: number;
  name: string;
  created_at: string;
  last_pull_at: string | null;
  last_address: string | null;
  last_user_agent: string | null;
  last_usage_at: string | null;
  usage_json: string | null;
}

/** Names as `cscli bouncers add` accepts them: no spaces or control characters, so `ls` output stays one line each. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export class BouncerStore {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
    migrate(db, 'bouncers', BOUNCER_MIGRATIONS);
  }

  static isValidName(name: string): boolean {
    return NAME_PATTERN.test(name);
  }

  /**
   * Registers a bouncer and returns its key, shown once: only the hash is stored. A caller-chosen key (to match an
   * existing bouncer config) must be at least 16 characters, as guessable keys would defeat the point.
   */
  add(name: string, chosenKey?: string): { bouncer: BouncerRecord; key: string } {
    if (!BouncerStore.isValidName(name)) throw new RangeError(`invalid bouncer name ${JSON.stringify(name)}`);
    if (chosenKey !== undefined && chosenKey.length < 16) throw new RangeError('a chosen key needs 16 characters');
    const key = chosenKey ?? randomBytes(32).toString('hex');
    this.#db
      .prepare('INSERT INTO bouncers (name, key_sha256, created_at) VALUES (?, ?, ?)')
      .run(name, hashKey(key), new Date().toISOString());
    return { bouncer: this.get(name)!, key };
  }

  get(name: string): BouncerRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM bouncers WHERE name = ?').get(name) as BouncerRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  list(): BouncerRecord[] {
    return (this.#db.prepare('SELECT * FROM bouncers ORDER BY name').all() as unknown as BouncerRow[]).map(toRecord);
  }

  /** Deletes the key and what its bouncer had seen; false when no such bouncer. */
  remove(name: string): boolean {
    return transaction(this.#db, () => {
      const bouncer = this.get(name);
      if (!bouncer) return false;
      this.#db.prepare('DELETE FROM bouncer_seen_decisions WHERE bouncer_id = ?').run(bouncer.id);
      this.#db.prepare('DELETE FROM bouncers WHERE id = ?').run(bouncer.id);
      return true;
    });
  }

  /** The bouncer a presented key belongs to. The lookup is by hash, so timing says nothing about stored keys. */
  authenticate(key: string): BouncerRecord | undefined {
    if (key.length === 0 || key.length > 512) return undefined;
    const row = this.#db.prepare('SELECT * FROM bouncers WHERE key_sha256 = ?').get(hashKey(key)) as
      | BouncerRow
      | undefined;
    return row ? toRecord(row) : undefined;
  }

  recordPull(id: number, address: string, userAgent: string, at: Date): void {
    this.#db
      .prepare('UPDATE bouncers SET last_pull_at = ?, last_address = ?, last_user_agent = ? WHERE id = ?')
      .run(at.toISOString(), address.slice(0, 64), userAgent.slice(0, 200), id);
  }

  /** value -> the decision (JSON) this bouncer was last sent for it. */
  seen(id: number): Map<string, string> {
    const rows = this.#db
      .prepare('SELECT value, decision FROM bouncer_seen_decisions WHERE bouncer_id = ?')
      .all(id) as Array<{ value: string; decision: string }>;
    return new Map(rows.map((row) => [row.value, row.decision]));
  }

  /** Makes the stored view equal to `next`, writing only what changed (most pulls change nothing). */
  updateSeen(id: number, previous: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): void {
    transaction(this.#db, () => {
      const remove = this.#db.prepare('DELETE FROM bouncer_seen_decisions WHERE bouncer_id = ? AND value = ?');
      const upsert = this.#db.prepare(
        `INSERT INTO bouncer_seen_decisions (bouncer_id, value, decision) VALUES (?, ?, ?)
         ON CONFLICT (bouncer_id, value) DO UPDATE SET decision = excluded.decision`,
      );
      for (const value of previous.keys()) if (!next.has(value)) remove.run(id, value);
      for (const [value, decision] of next) if (previous.get(value) !== decision) upsert.run(id, value, decision);
    });
  }

  /** Adds one usage report to what the bouncer reported before (one transaction: reports never lose each other). */
  recordUsage(id: number, report: UsageComponent, at: Date): void {
    transaction(this.#db, () => {
      const row = this.#db.prepare('SELECT usage_json FROM bouncers WHERE id = ?').get(id) as
        | { usage_json: string | null }
        | undefined;
      if (!row) return;
      const usage = withReport(parseUsage(row.usage_json), report);
      this.#db
        .prepare('UPDATE bouncers SET usage_json = ?, last_usage_at = ? WHERE id = ?')
        .run(JSON.stringify(usage), at.toISOString(), id);
    });
  }

  seenCount(id: number): number {
    return (
      this.#db.prepare('SELECT COUNT(*) AS count FROM bouncer_seen_decisions WHERE bouncer_id = ?').get(id) as {
        count: number;
      }
    ).count;
  }
}

/** Keys are 256 random bits, so a plain SHA-256 is enough (no password stretching needed). */
function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function toRecord(row: BouncerRow): BouncerRecord {
  const fields = camelFields(row, [
    'id',
    'name',
    'created_at',
    'last_pull_at',
    'last_address',
    'last_user_agent',
    'last_usage_at',
  ]);
  return { ...fields, usage: parseUsage(row.usage_json) };
}

/** The stored usage; null when none, or when the row holds something else (it is never trusted to be well-formed). */
function parseUsage(json: string | null): BouncerUsage | null {
  if (!json) return null;
  try {
    const usage = JSON.parse(json) as BouncerUsage;
    return Array.isArray(usage?.series) ? usage : null;
  } catch {
    return null;
  }
}
