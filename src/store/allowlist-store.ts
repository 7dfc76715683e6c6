import { formatCidr, IpSet, parseCidr } from '../core/ip-address.ts';
import type { Database } from './database.ts';

export interface AllowlistEntry {
  id: number;
  ipOrCidr: string;
  description: string;
  createdAt: string;
  expiresAt: string | null;
}

/** The spec's `allowlist_ips`: an allowlisted IP is never blocked. Expired entries are ignored, not deleted. */
export class AllowlistStore {
  readonly #db: Database;
  #cache?: { set: IpSet; entries: AllowlistEntry[]; builtAt: number };

  constructor(db: Database) {
    this.#db = db;
  }

  /** Adds or updates an entry; returns undefined when the text is not an IP or CIDR. */
  add(ipOrCidr: string, description = '', expiresAt: string | null = null): AllowlistEntry | undefined {
    const cidr = parseCidr(ipOrCidr);
    if (!cidr) return undefined;
    const canonical = formatCidr(cidr);
    this.#db
      .prepare(
        `INSERT INTO allowlist_ips (ip_or_cidr, description, created_at, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (ip_or_cidr) DO UPDATE SET description = excluded.description, expires_at = excluded.expires_at`,
      )
      .run(canonical, description, new Date().toISOString(), expiresAt);
    this.#cache = undefined;
    return this.list(true).find((entry) => entry.ipOrCidr === canonical);
  }

  remove(ipOrCidr: string): boolean {
    const cidr = parseCidr(ipOrCidr);
    const canonical = cidr ? formatCidr(cidr) : ipOrCidr;
    const result = this.#db.prepare('DELETE FROM allowlist_ips WHERE ip_or_cidr = ?').run(canonical);
    this.#cache = undefined;
    return Number(result.changes) > 0;
  }

  list(includeExpired = false, now = new Date()): AllowlistEntry[] {
    const rows = this.#db.prepare('SELECT * FROM allowlist_ips ORDER BY id').all() as Array<{
      id: number;
      ip_or_cidr: string;
      description: string;
      created_at: string;
      expires_at: string | null;
    }>;
    return rows
      .map((row) => ({
        id: row.id,
        ipOrCidr: row.ip_or_cidr,
        description: row.description,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      }))
      .filter((entry) => includeExpired || !entry.expiresAt || Date.parse(entry.expiresAt) > now.getTime());
  }

  /**
   * The active entry covering `ip`, or sharing any address with a CIDR (blocking a /64 must not block an allowlisted
   * address inside it), if any. Re-reads the table at most once a second.
   */
  match(ipOrCidr: string, now = new Date()): AllowlistEntry | undefined {
    if (!this.#cache || now.getTime() - this.#cache.builtAt > 1000) {
      const entries = this.list(false, now);
      this.#cache = { set: new IpSet(entries.map((entry) => entry.ipOrCidr)), entries, builtAt: now.getTime() };
    }
    if (!this.#cache.set.overlapping(ipOrCidr)) return undefined;
    return this.#cache.entries.find((entry) => new IpSet([entry.ipOrCidr]).overlapping(ipOrCidr));
  }
}
