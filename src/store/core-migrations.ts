import type { Migration } from './database.ts';

/** The spec's tables (allowlist_ips, incidents, actions) plus what the network guard needs around them. */
export const CORE_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-spec-tables',
    sql: `
      CREATE TABLE allowlist_ips (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ip_or_cidr TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        expires_at TEXT
      );
      CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ip_address TEXT NOT NULL,
        threat_type TEXT NOT NULL,
        severity TEXT NOT NULL,
        detected_at TEXT NOT NULL,
        status TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        decision TEXT NOT NULL,
        evidence TEXT NOT NULL,
        llm_opinion TEXT,
        status_reason TEXT
      );
      -- one incident per IP and threat until it is resolved (unblocked or expired): evidence updates the same row
      CREATE UNIQUE INDEX incidents_one_active ON incidents (ip_address, threat_type) WHERE status != 'resolved';
      CREATE INDEX incidents_status ON incidents (status, detected_at);
      CREATE TABLE actions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER REFERENCES incidents (id),
        action_type TEXT NOT NULL,
        mode TEXT NOT NULL,
        applied_at TEXT,
        approved_by TEXT,
        target TEXT NOT NULL DEFAULT '',
        blocker TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'planned',
        plan TEXT,
        result TEXT,
        created_at TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX actions_incident ON actions (incident_id);
    `,
  },
  {
    id: '002-blocks-and-positions',
    sql: `
      -- what the agent itself has blocked, so expiry and unblock remove exactly that
      CREATE TABLE blocks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        target TEXT NOT NULL,
        blocker TEXT NOT NULL,
        incident_id INTEGER REFERENCES incidents (id),
        created_at TEXT NOT NULL,
        expires_at TEXT,
        removed_at TEXT,
        removed_reason TEXT
      );
      CREATE UNIQUE INDEX blocks_active ON blocks (target, blocker) WHERE removed_at IS NULL;
      CREATE TABLE source_positions (
        source TEXT PRIMARY KEY,
        position TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
];
