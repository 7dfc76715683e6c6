import type { Database } from './database.ts';

/** Where each source stopped reading (file offset and identity, ES cursor...), so a restart neither repeats nor skips. */
export class PositionStore {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }

  get<T>(source: string): T | undefined {
    const row = this.#db.prepare('SELECT position FROM source_positions WHERE source = ?').get(source) as
      | { position: string }
      | undefined;
    return row ? (JSON.parse(row.position) as T) : undefined;
  }

  set(source: string, position: unknown): void {
    this.#db
      .prepare(
        `INSERT INTO source_positions (source, position, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (source) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      )
      .run(source, JSON.stringify(position), new Date().toISOString());
  }
}
