import { type Database, migrate, transaction } from '../../store/database.ts';
import type { EchoFallback, SitePath, SiteProfile } from './site-profile.ts';

const MIGRATIONS = [
  {
    id: '001-site-paths',
    sql: `
      CREATE TABLE site_paths (
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        clients INTEGER NOT NULL,
        ok_requests INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        public INTEGER NOT NULL,
        members TEXT NOT NULL,
        PRIMARY KEY (host, path)
      );
      CREATE TABLE site_fallback_sizes (host TEXT NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY (host, bytes));
    `,
  },
  {
    id: '002-site-echo-fallbacks',
    sql: `
      CREATE TABLE site_echo_fallbacks (
        host TEXT NOT NULL,
        repeats INTEGER NOT NULL,
        low INTEGER NOT NULL,
        PRIMARY KEY (host, repeats, low)
      );
    `,
  },
];

interface Row {
  host: string;
  path: string;
  clients: number;
  ok_requests: number;
  first_seen: number;
  last_seen: number;
  public: number;
  members: string;
}

/**
 * The site profile in SQLite, so a restart keeps what the site taught us: one row per profiled path (with its client
 * set while it is not yet public), one per learned fallback size, one per echo fallback. Saves only what changed, one transaction per save.
 */
export class SiteProfileStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
    migrate(db, 'site-profile', MIGRATIONS);
  }

  load(profile: SiteProfile): number {
    const rows = this.#db.prepare('SELECT * FROM site_paths ORDER BY last_seen').all() as unknown as Row[];
    for (const row of rows) profile.restore({ ...sitePathOf(row), members: JSON.parse(row.members) as string[] });
    const sizes = this.#db.prepare('SELECT host, bytes FROM site_fallback_sizes').all() as Array<{
      host: string;
      bytes: number;
    }>;
    for (const { host, bytes } of sizes) profile.restoreFallbackSize(host, bytes);
    for (const { host, repeats, low } of this.echoFallbacks()) profile.restoreEchoFallback(host, repeats, low);
    return rows.length;
  }

  save(profile: SiteProfile): number {
    const dirty = profile.takeDirty();
    const sizes = profile.fallbackSizes();
    const echoes = profile.echoFallbacks();
    if (dirty.length === 0 && sizes.length === 0 && echoes.length === 0) return 0;
    transaction(this.#db, () => {
      const upsert = this.#db.prepare(
        `INSERT INTO site_paths (host, path, clients, ok_requests, first_seen, last_seen, public, members)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (host, path) DO UPDATE SET clients = excluded.clients, ok_requests = excluded.ok_requests,
           first_seen = MIN(first_seen, excluded.first_seen), last_seen = MAX(last_seen, excluded.last_seen),
           public = MAX(public, excluded.public), members = excluded.members`,
      );
      for (const row of dirty) {
        upsert.run(
          row.host,
          row.path,
          row.clients,
          row.okRequests,
          row.firstSeen,
          row.lastSeen,
          row.public ? 1 : 0,
          JSON.stringify(row.members),
        );
      }
      const size = this.#db.prepare('INSERT OR IGNORE INTO site_fallback_sizes (host, bytes) VALUES (?, ?)');
      for (const { host, bytes } of sizes) size.run(host, bytes);
      const echo = this.#db.prepare('INSERT OR IGNORE INTO site_echo_fallbacks (host, repeats, low) VALUES (?, ?, ?)');
      for (const { host, repeats, low } of echoes) echo.run(host, repeats, low);
    });
    return dirty.length;
  }

  /** Rows as stored, for `devops-agent site paths` without replaying anything. */
  list(host?: string): SitePath[] {
    const rows = (host
      ? this.#db.prepare('SELECT * FROM site_paths WHERE host = ? ORDER BY clients DESC, path').all(host.toLowerCase())
      : this.#db.prepare('SELECT * FROM site_paths ORDER BY clients DESC, host, path').all()) as unknown as Row[];
    return rows.map(sitePathOf);
  }

  fallbackSizes(): Array<{ host: string; bytes: number }> {
    return this.#db.prepare('SELECT host, bytes FROM site_fallback_sizes ORDER BY host, bytes').all() as Array<{
      host: string;
      bytes: number;
    }>;
  }

  /** Echo fallbacks as stored: sizes whose `bytes - repeats * path length` is in [low, low + ECHO_WIDTH). */
  echoFallbacks(): Array<{ host: string } & EchoFallback> {
    return this.#db
      .prepare('SELECT host, repeats, low FROM site_echo_fallbacks ORDER BY host, repeats, low')
      .all() as unknown as Array<{ host: string } & EchoFallback>;
  }
}

function sitePathOf(row: Row): SitePath {
  return {
    host: row.host,
    path: row.path,
    clients: row.clients,
    okRequests: row.ok_requests,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    public: row.public === 1,
  };
}
