import { type Database, type Migration, migrate, transaction } from '../store/database.ts';
import type { AuthEvent, NmapScan } from './observations.ts';

/** The 'monitor' table family. Migration ids are never edited once committed; add new ones at the end. */
export const MONITOR_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-monitor-tables',
    sql: `
      CREATE TABLE monitor_samples (metric TEXT NOT NULL, at INTEGER NOT NULL, value REAL NOT NULL,
        hour_of_week INTEGER NOT NULL);
      CREATE INDEX monitor_samples_metric_at ON monitor_samples (metric, at);
      CREATE TABLE monitor_baselines (metric TEXT PRIMARY KEY, ewma REAL NOT NULL, count INTEGER NOT NULL,
        updated_at INTEGER NOT NULL);
      CREATE TABLE monitor_auth_events (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, type TEXT NOT NULL,
        user TEXT, source_ip TEXT, program TEXT NOT NULL, method TEXT);
      CREATE INDEX monitor_auth_events_ip_at ON monitor_auth_events (source_ip, at);
      CREATE TABLE monitor_nmap_scans (id INTEGER PRIMARY KEY, target TEXT NOT NULL, at INTEGER NOT NULL,
        scan TEXT NOT NULL);
      CREATE INDEX monitor_nmap_scans_target_at ON monitor_nmap_scans (target, at);
      CREATE TABLE monitor_anomalies (id INTEGER PRIMARY KEY, key TEXT NOT NULL, rule TEXT NOT NULL,
        subject TEXT NOT NULL, collector TEXT NOT NULL, title TEXT NOT NULL, detail TEXT NOT NULL,
        rule_severity TEXT NOT NULL, severity TEXT NOT NULL, reason TEXT, suppressed_by TEXT,
        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, occurrences INTEGER NOT NULL DEFAULT 1,
        missing_cycles INTEGER NOT NULL DEFAULT 0, flapping INTEGER NOT NULL DEFAULT 0, event INTEGER NOT NULL DEFAULT 0,
        alerted_at INTEGER, alert_count INTEGER NOT NULL DEFAULT 0, resolved_at INTEGER, resolve_notified INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX monitor_anomalies_key ON monitor_anomalies (key, resolved_at);
      CREATE INDEX monitor_anomalies_last_seen ON monitor_anomalies (last_seen);
      CREATE TABLE monitor_triage (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, anomaly_key TEXT NOT NULL,
        rule_severity TEXT NOT NULL, model_severity TEXT NOT NULL, final_severity TEXT NOT NULL,
        bounded INTEGER NOT NULL, reason TEXT NOT NULL, model TEXT NOT NULL);
      CREATE TABLE monitor_deliveries (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, anomaly_id INTEGER,
        category TEXT NOT NULL, notifier TEXT NOT NULL, status TEXT NOT NULL, error TEXT);
      CREATE TABLE monitor_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
  {
    // The client port identifies one connection, whose lines can arrive in two cycles (settleAuthEvent).
    id: '002-auth-event-port',
    sql: `ALTER TABLE monitor_auth_events ADD COLUMN port INTEGER;
      CREATE INDEX monitor_auth_events_connection ON monitor_auth_events (source_ip, port, at);`,
  },
];

export interface AnomalyRow {
  id: number;
  key: string;
  rule: string;
  subject: string;
  collector: string;
  title: string;
  detail: string;
  rule_severity: string;
  severity: string;
  reason: string | null;
  suppressed_by: string | null;
  first_seen: number;
  last_seen: number;
  occurrences: number;
  missing_cycles: number;
  flapping: number;
  /** A one-off change (a port opened): it ends quietly, without a resolve message. */
  event: number;
  alerted_at: number | null;
  alert_count: number;
  resolved_at: number | null;
  resolve_notified: number;
}

export interface TriageRecord {
  at: number;
  key: string;
  ruleSeverity: string;
  modelSeverity: string;
  finalSeverity: string;
  bounded: boolean;
  reason: string;
  model: string;
}

/** Everything the monitor remembers: metric history, auth events, scans, anomalies, triage and deliveries. */
export class MonitorStore {
  readonly db: Database;
  constructor(db: Database) {
    this.db = db;
    migrate(db, 'monitor', MONITOR_MIGRATIONS);
  }

  transaction<T>(work: () => T): T {
    return transaction(this.db, work);
  }

  addSample(metric: string, at: number, value: number, hourOfWeek: number): void {
    this.db
      .prepare('INSERT INTO monitor_samples (metric, at, value, hour_of_week) VALUES (?, ?, ?, ?)')
      .run(metric, at, value, hourOfWeek);
  }

  /** Newest first, bounded: median/MAD over thousands of samples is plenty. */
  samples(metric: string, since: number, limit = 5000): Array<{ value: number; hourOfWeek: number }> {
    return (
      this.db
        .prepare(
          'SELECT value, hour_of_week FROM monitor_samples WHERE metric = ? AND at >= ? ORDER BY at DESC LIMIT ?',
        )
        .all(metric, since, limit) as Array<{ value: number; hour_of_week: number }>
    ).map((row) => ({ value: row.value, hourOfWeek: row.hour_of_week }));
  }

  ewma(metric: string): { ewma: number; count: number } | undefined {
    return this.db.prepare('SELECT ewma, count FROM monitor_baselines WHERE metric = ?').get(metric) as
      | { ewma: number; count: number }
      | undefined;
  }

  setEwma(metric: string, ewma: number, count: number, at: number): void {
    this.db
      .prepare(
        `INSERT INTO monitor_baselines (metric, ewma, count, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (metric) DO UPDATE SET ewma = excluded.ewma, count = excluded.count, updated_at = excluded.updated_at`,
      )
      .run(metric, ewma, count, at);
  }

  addAuthEvent(at: number, event: AuthEvent): void {
    this.db
      .prepare(
        'INSERT INTO monitor_auth_events (at, type, user, source_ip, program, method, port) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        at,
        event.type,
        event.user ?? null,
        event.sourceIp ?? null,
        event.program,
        event.method ?? null,
        event.port ?? null,
      );
  }

  /** Stored events of one connection (address and client port) since `since`, of these types. */
  connectionEvents(since: number, ip: string, port: number, types: readonly string[]): number {
    const placeholders = types.map(() => '?').join(', ');
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM monitor_auth_events WHERE at >= ? AND source_ip = ? AND port = ? AND type IN (${placeholders})`,
      )
      .get(since, ip, port, ...types) as { n: number };
    return row.n;
  }

  /**
   * Deletes stored events since `since` from `ip` of these types: of one connection (`port`), or with no port for the
   * user `user` (the DenyUsers line carries none); `method` narrows to one method. Returns how many went.
   */
  forgetAuthEvents(
    since: number,
    ip: string,
    types: readonly string[],
    match: { port: number; method?: string; user?: string } | { user: string; portless: true },
  ): number {
    const placeholders = types.map(() => '?').join(', ');
    const where =
      'portless' in match
        ? 'port IS NULL AND user = ?'
        : `port = ?${match.method ? ' AND method = ?' : ''}${match.user !== undefined ? ' AND user = ?' : ''}`;
    const parameters =
      'portless' in match
        ? [match.user]
        : [match.port, ...(match.method ? [match.method] : []), ...(match.user !== undefined ? [match.user] : [])];
    const result = this.db
      .prepare(
        `DELETE FROM monitor_auth_events WHERE at >= ? AND source_ip = ? AND type IN (${placeholders}) AND ${where}`,
      )
      .run(since, ip, ...types, ...parameters);
    return Number(result.changes);
  }

  /** Failed attempts per source IP since `since`, with the users tried. */
  authFailuresByIp(since: number, types: readonly string[]): Array<{ ip: string; failures: number; users: string[] }> {
    const placeholders = types.map(() => '?').join(', ');
    const rows = this.db
      .prepare(
        `SELECT source_ip AS ip, COUNT(*) AS failures, GROUP_CONCAT(DISTINCT user) AS users FROM monitor_auth_events
         WHERE at >= ? AND source_ip IS NOT NULL AND type IN (${placeholders}) GROUP BY source_ip ORDER BY failures DESC`,
      )
      .all(since, ...types) as Array<{ ip: string; failures: number; users: string | null }>;
    return rows.map((row) => ({ ip: row.ip, failures: row.failures, users: row.users ? row.users.split(',') : [] }));
  }

  lastNmapScan(target: string): NmapScan | undefined {
    const row = this.db
      .prepare('SELECT scan FROM monitor_nmap_scans WHERE target = ? ORDER BY at DESC, id DESC LIMIT 1')
      .get(target) as { scan: string } | undefined;
    return row ? (JSON.parse(row.scan) as NmapScan) : undefined;
  }

  saveNmapScan(at: number, scan: NmapScan): void {
    this.db
      .prepare('INSERT INTO monitor_nmap_scans (target, at, scan) VALUES (?, ?, ?)')
      .run(scan.target, at, JSON.stringify(scan));
  }

  getState<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM monitor_state WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setState(key: string, value: unknown): void {
    this.db
      .prepare(
        'INSERT INTO monitor_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, JSON.stringify(value));
  }

  activeAnomaly(key: string): AnomalyRow | undefined {
    return this.db
      .prepare('SELECT * FROM monitor_anomalies WHERE key = ? AND resolved_at IS NULL ORDER BY id DESC LIMIT 1')
      .get(key) as AnomalyRow | undefined;
  }

  activeAnomalies(): AnomalyRow[] {
    return this.db
      .prepare('SELECT * FROM monitor_anomalies WHERE resolved_at IS NULL ORDER BY id')
      .all() as unknown as AnomalyRow[];
  }

  /** How many times this finding became active since `since` (flap detection). */
  activations(key: string, since: number): number {
    const row = this.db
      .prepare('SELECT COUNT(*) AS count FROM monitor_anomalies WHERE key = ? AND first_seen >= ?')
      .get(key, since) as { count: number };
    return row.count;
  }

  insertAnomaly(
    row: Pick<
      AnomalyRow,
      | 'key'
      | 'rule'
      | 'subject'
      | 'collector'
      | 'title'
      | 'detail'
      | 'rule_severity'
      | 'severity'
      | 'reason'
      | 'suppressed_by'
      | 'flapping'
      | 'event'
    > & { at: number },
  ): number {
    const result = this.db
      .prepare(
        `INSERT INTO monitor_anomalies (key, rule, subject, collector, title, detail, rule_severity, severity, reason,
          suppressed_by, first_seen, last_seen, flapping, event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.key,
        row.rule,
        row.subject,
        row.collector,
        row.title,
        row.detail,
        row.rule_severity,
        row.severity,
        row.reason,
        row.suppressed_by,
        row.at,
        row.at,
        row.flapping,
        row.event,
      );
    return Number(result.lastInsertRowid);
  }

  /** Updates the columns given (names are our own constants, never input). */
  updateAnomaly(id: number, changes: Partial<Omit<AnomalyRow, 'id' | 'key'>>): void {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    const assignments = entries.map(([column]) => `${column} = ?`).join(', ');
    this.db
      .prepare(`UPDATE monitor_anomalies SET ${assignments} WHERE id = ?`)
      .run(...(entries.map(([, value]) => value) as Array<string | number | null>), id);
  }

  /** Anomalies seen since `since` (for the daily recap), most severe first. */
  anomaliesSeenSince(since: number): AnomalyRow[] {
    return this.db
      .prepare(
        `SELECT * FROM monitor_anomalies WHERE last_seen >= ? ORDER BY
          CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END, first_seen`,
      )
      .all(since) as unknown as AnomalyRow[];
  }

  recordTriage(record: TriageRecord): void {
    this.db
      .prepare(
        `INSERT INTO monitor_triage (at, anomaly_key, rule_severity, model_severity, final_severity, bounded, reason, model)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.at,
        record.key,
        record.ruleSeverity,
        record.modelSeverity,
        record.finalSeverity,
        record.bounded ? 1 : 0,
        record.reason,
        record.model,
      );
  }

  triageRecords(key?: string): TriageRecord[] {
    const rows = (
      key
        ? this.db.prepare('SELECT * FROM monitor_triage WHERE anomaly_key = ? ORDER BY id').all(key)
        : this.db.prepare('SELECT * FROM monitor_triage ORDER BY id').all()
    ) as Array<Record<string, string | number>>;
    return rows.map((row) => ({
      at: Number(row.at),
      key: String(row.anomaly_key),
      ruleSeverity: String(row.rule_severity),
      modelSeverity: String(row.model_severity),
      finalSeverity: String(row.final_severity),
      bounded: row.bounded === 1,
      reason: String(row.reason),
      model: String(row.model),
    }));
  }

  recordDelivery(
    at: number,
    anomalyId: number | null,
    category: string,
    notifier: string,
    status: string,
    error?: string,
  ) {
    this.db
      .prepare(
        'INSERT INTO monitor_deliveries (at, anomaly_id, category, notifier, status, error) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(at, anomalyId, category, notifier, status, error ?? null);
  }

  /** Notifiers that already took this anomaly's message of `category` since `since` (for partial retries). */
  sentNotifiers(anomalyId: number, category: string, since: number): Set<string> {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT notifier FROM monitor_deliveries
         WHERE anomaly_id = ? AND category = ? AND status = 'sent' AND at >= ?`,
      )
      .all(anomalyId, category, since) as Array<{ notifier: string }>;
    return new Set(rows.map((row) => row.notifier));
  }

  /** Cycles in which delivering this anomaly's alert failed somewhere. */
  failedAttempts(anomalyId: number): number {
    const row = this.db
      .prepare(
        `SELECT COUNT(DISTINCT at) AS count FROM monitor_deliveries WHERE anomaly_id = ? AND category = 'alert' AND status = 'failed'`,
      )
      .get(anomalyId) as { count: number };
    return row.count;
  }

  deliveries(): Array<{ at: number; anomaly_id: number | null; category: string; notifier: string; status: string }> {
    return this.db.prepare('SELECT * FROM monitor_deliveries ORDER BY id').all() as never;
  }

  /** Drops history older than the retention (resolved anomalies only; open ones stay until they resolve). */
  prune(before: number): void {
    this.transaction(() => {
      this.db.prepare('DELETE FROM monitor_samples WHERE at < ?').run(before);
      this.db.prepare('DELETE FROM monitor_auth_events WHERE at < ?').run(before);
      this.db.prepare('DELETE FROM monitor_anomalies WHERE resolved_at IS NOT NULL AND resolved_at < ?').run(before);
      this.db.prepare('DELETE FROM monitor_triage WHERE at < ?').run(before);
      this.db.prepare('DELETE FROM monitor_deliveries WHERE at < ?').run(before);
      // Keep the newest scan per target: it is the reference for the next diff.
      this.db
        .prepare(
          `DELETE FROM monitor_nmap_scans WHERE at < ? AND id NOT IN
            (SELECT MAX(id) FROM monitor_nmap_scans GROUP BY target)`,
        )
        .run(before);
    });
  }
}
