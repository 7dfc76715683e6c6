import { type Database, migrate } from '../store/database.ts';

/** The 'workloads' table family. Ids are never edited once committed; add new steps at the end. */
export const WORKLOAD_MIGRATIONS = [
  {
    id: '001-remediations',
    sql: `CREATE TABLE workload_remediations (
      id INTEGER PRIMARY KEY,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      namespace TEXT NOT NULL,
      deployment TEXT NOT NULL,
      container TEXT NOT NULL,
      current_image TEXT NOT NULL,
      target_image TEXT NOT NULL,
      source TEXT NOT NULL,
      explanation TEXT,
      finding TEXT NOT NULL,
      patch_type TEXT NOT NULL,
      patch TEXT NOT NULL,
      plan_hash TEXT NOT NULL,
      diff TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN
        ('pending', 'approved', 'applied', 'rejected', 'failed', 'expired', 'rolled_back')),
      decided_at TEXT,
      decided_by TEXT,
      decision_note TEXT,
      applied_at TEXT,
      error TEXT,
      rolled_back_at TEXT
    );
    CREATE INDEX workload_remediations_target ON workload_remediations (namespace, deployment, status);`,
  },
  {
    id: '002-request-replays',
    // Signatures of chat callbacks and action ids already honoured: a replayed request is refused.
    sql: `CREATE TABLE workload_request_replays (
      key TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      seen_at TEXT NOT NULL
    )`,
  },
  {
    id: '003-rollbacks',
    sql: `CREATE TABLE workload_rollbacks (
      id INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      namespace TEXT NOT NULL,
      deployment TEXT NOT NULL,
      container TEXT NOT NULL,
      from_image TEXT NOT NULL,
      to_image TEXT NOT NULL,
      remediation_id INTEGER REFERENCES workload_remediations (id),
      requested_by TEXT NOT NULL
    )`,
  },
  {
    id: '004-alerts',
    // When each problem (kind, workload, container, CVE set) was last announced, for the alert cooldown.
    sql: 'CREATE TABLE workload_alerts (key TEXT PRIMARY KEY, sent_at TEXT NOT NULL)',
  },
  {
    id: '005-remediation-changes',
    // Every container one plan changes (JSON list of {container, currentImage, targetImage}); NULL: the row's own.
    sql: 'ALTER TABLE workload_remediations ADD COLUMN changes TEXT',
  },
  {
    id: '006-workload-kinds',
    // StatefulSets, DaemonSets and CronJobs are patched too: rows stored before are Deployments. `rollout_note`: how
    // the patch reaches pods when not as a Deployment's rollout (OnDelete, a CronJob's next Job). One transaction.
    sql: `ALTER TABLE workload_remediations ADD COLUMN kind TEXT NOT NULL DEFAULT 'Deployment'
      CHECK (kind IN ('Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'));
    ALTER TABLE workload_remediations ADD COLUMN rollout_note TEXT;
    ALTER TABLE workload_rollbacks ADD COLUMN kind TEXT NOT NULL DEFAULT 'Deployment';
    DROP INDEX workload_remediations_target;
    CREATE INDEX workload_remediations_target ON workload_remediations (namespace, kind, deployment, status);`,
  },
];

const migrated = new WeakSet<Database>();

export function ensureWorkloadTables(db: Database): void {
  if (migrated.has(db)) return;
  migrate(db, 'workloads', WORKLOAD_MIGRATIONS);
  migrated.add(db);
}

/**
 * Records a one-time key (a request signature, an action id, a link token). False when it was seen before: the
 * request is a replay. Old keys are pruned; they are useless anyway once their timestamp is outside the window.
 */
export function rememberOnce(db: Database, kind: string, key: string, now = new Date()): boolean {
  ensureWorkloadTables(db);
  db.prepare('DELETE FROM workload_request_replays WHERE seen_at < ?').run(
    new Date(now.getTime() - 7 * 86400_000).toISOString(),
  );
  const result = db
    .prepare('INSERT OR IGNORE INTO workload_request_replays (key, kind, seen_at) VALUES (?, ?, ?)')
    .run(`${kind}:${key}`, kind, now.toISOString());
  return Number(result.changes) === 1;
}
