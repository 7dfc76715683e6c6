import type { Decision, Evidence, Finding, Incident, IncidentStatus, Severity } from '../core/incident.ts';
import type { Database } from './database.ts';

interface IncidentRow {
  id: number;
  ip_address: string;
  threat_type: string;
  severity: string;
  detected_at: string;
  updated_at: string;
  status: string;
  decision: string;
  evidence: string;
  llm_opinion: string | null;
}

export interface IncidentQuery {
  status?: IncidentStatus;
  limit?: number;
  offset?: number;
}

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };
// "Active" is status != 'resolved', written out in each query (tagged statements bind every ${} as a value).

/** The `incidents` table: one active incident per IP and threat, evidence replaced as it grows. */
export class IncidentStore {
  readonly #db: Database;
  /** Cached prepared statements for the hot path (preparing each call cost 10 us, more than the query). */
  readonly #sql: ReturnType<Database['createTagStore']>;
  constructor(db: Database) {
    this.#db = db;
    this.#sql = db.createTagStore();
  }

  /** `ip\0threat` of every active incident: lets a detector skip the look-up for the many clients that have none. */
  activeKeys(): Set<string> {
    const rows = this.#sql.all`SELECT ip_address, threat_type FROM incidents WHERE status != 'resolved'` as Array<{
      ip_address: string;
      threat_type: string;
    }>;
    return new Set(rows.map((row) => activeKey(row.ip_address, row.threat_type)));
  }

  /** The most recent resolved incident of this IP and threat: what an unblock or an expiry closed. */
  findLastResolved(ip: string, threatType: string): Incident | undefined {
    const row = this.#sql
      .get`SELECT * FROM incidents WHERE ip_address = ${ip} AND threat_type = ${threatType} AND status = 'resolved' ORDER BY id DESC LIMIT 1` as
      | IncidentRow
      | undefined;
    return row && toIncident(row);
  }

  findActive(ip: string, threatType: string): Incident | undefined {
    const row = this.#sql
      .get`SELECT * FROM incidents WHERE ip_address = ${ip} AND threat_type = ${threatType} AND status != 'resolved'` as
      | IncidentRow
      | undefined;
    return row && toIncident(row);
  }

  /**
   * Inserts a new incident with its first status, decision and reason in one statement, and returns it without
   * reading the row back: the evidence returned is the caller's object (already what was stored), not a parsed copy.
   */
  create(finding: Finding, status: IncidentStatus, decision: Decision, now = new Date(), reason?: string): Incident {
    const time = now.toISOString();
    const evidence = JSON.stringify(finding.evidence);
    const result = this.#sql.run`
      INSERT INTO incidents (ip_address, threat_type, severity, detected_at, updated_at, status, decision, evidence, status_reason)
      VALUES (${finding.ip}, ${finding.threatType}, ${finding.severity}, ${time}, ${time}, ${status}, ${decision}, ${evidence}, ${reason ?? null})`;
    return {
      id: Number(result.lastInsertRowid),
      ip: finding.ip,
      threatType: finding.threatType,
      severity: finding.severity,
      status,
      detectedAt: time,
      updatedAt: time,
      decision,
      evidence: finding.evidence,
      llmOpinion: undefined,
    };
  }

  /**
   * Replaces the evidence of the active incident of this IP and threat (severity only ever rises) and returns it, or
   * undefined when there is none. The stored evidence is neither read nor parsed (the index answers the look-up).
   */
  updateActiveEvidence(finding: Finding, now = new Date()): Incident | undefined {
    const active = this.#sql
      .get`SELECT id FROM incidents WHERE ip_address = ${finding.ip} AND threat_type = ${finding.threatType} AND status != 'resolved'` as
      | { id: number }
      | undefined;
    return active && this.updateEvidence(active.id, finding.evidence, finding.severity, now);
  }

  /** Replaces the evidence (severity only ever rises) and returns the incident with the caller's evidence object. */
  updateEvidence(id: number, evidence: Evidence, severity: Severity, now = new Date()): Incident {
    const json = JSON.stringify(evidence);
    const rank = SEVERITY_RANK[severity];
    const row = this.#sql.get`
      UPDATE incidents SET evidence = ${json}, updated_at = ${now.toISOString()},
        severity = CASE WHEN ${rank} > CASE severity WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 WHEN 'critical' THEN 3 END THEN ${severity} ELSE severity END
      WHERE id = ${id}
      RETURNING id, ip_address, threat_type, severity, detected_at, updated_at, status, decision, llm_opinion` as
      | Omit<IncidentRow, 'evidence'>
      | undefined;
    if (!row) throw new Error(`incident ${id} does not exist`);
    return withEvidence(row, evidence);
  }

  setStatus(id: number, status: IncidentStatus, decision?: Decision, reason?: string): void {
    this.#sql.run`
      UPDATE incidents SET status = ${status}, decision = COALESCE(${decision ?? null}, decision),
        status_reason = COALESCE(${reason ?? null}, status_reason), updated_at = ${new Date().toISOString()}
      WHERE id = ${id}`;
  }

  /** Moves to `to` only from one of `from` (atomic compare-and-set); false when the incident was elsewhere. */
  transition(
    id: number,
    from: readonly IncidentStatus[],
    to: IncidentStatus,
    decision?: Decision,
    reason?: string,
  ): boolean {
    const placeholders = from.map(() => '?').join(', ');
    const result = this.#db
      .prepare(
        `UPDATE incidents SET status = ?, decision = COALESCE(?, decision), status_reason = COALESCE(?, status_reason), updated_at = ?
         WHERE id = ? AND status IN (${placeholders})`,
      )
      .run(to, decision ?? null, reason ?? null, new Date().toISOString(), id, ...from);
    return Number(result.changes) === 1;
  }

  setLlmOpinion(id: number, opinion: unknown): void {
    this.#db.prepare('UPDATE incidents SET llm_opinion = ? WHERE id = ?').run(JSON.stringify(opinion), id);
  }

  get(id: number): Incident | undefined {
    const row = this.#sql.get`SELECT * FROM incidents WHERE id = ${id}` as IncidentRow | undefined;
    return row && toIncident(row);
  }

  statusReason(id: number): string | undefined {
    const row = this.#db.prepare('SELECT status_reason FROM incidents WHERE id = ?').get(id) as
      | { status_reason: string | null }
      | undefined;
    return row?.status_reason ?? undefined;
  }

  /** Newest first. */
  list(query: IncidentQuery = {}): Incident[] {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const offset = Math.max(query.offset ?? 0, 0);
    const rows = (query.status
      ? this.#sql
          .all`SELECT * FROM incidents WHERE status = ${query.status} ORDER BY updated_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}`
      : this.#sql
          .all`SELECT * FROM incidents ORDER BY updated_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}`) as unknown as IncidentRow[];
    return rows.map(toIncident);
  }

  countsByStatus(): Record<string, number> {
    const rows = this.#db.prepare('SELECT status, COUNT(*) AS count FROM incidents GROUP BY status').all() as Array<{
      status: string;
      count: number;
    }>;
    return Object.fromEntries(rows.map((row) => [row.status, row.count]));
  }

  countsByTypeAndStatus(): Array<{ threatType: string; status: string; count: number }> {
    return (
      this.#db
        .prepare('SELECT threat_type, status, COUNT(*) AS count FROM incidents GROUP BY threat_type, status')
        .all() as Array<{ threat_type: string; status: string; count: number }>
    ).map((row) => ({ threatType: row.threat_type, status: row.status, count: row.count }));
  }
}

function toIncident(row: IncidentRow): Incident {
  return withEvidence(row, JSON.parse(row.evidence) as Evidence);
}

/** The incident of a row read without its evidence column, with evidence the caller already holds. */
function withEvidence(row: Omit<IncidentRow, 'evidence'>, evidence: Evidence): Incident {
  return {
    id: row.id,
    ip: row.ip_address,
    threatType: row.threat_type as Incident['threatType'],
    severity: row.severity as Severity,
    status: row.status as IncidentStatus,
    detectedAt: row.detected_at,
    updatedAt: row.updated_at,
    decision: row.decision as Decision,
    evidence,
    llmOpinion: row.llm_opinion ? JSON.parse(row.llm_opinion) : undefined,
  };
}

export function activeKey(ip: string, threatType: string): string {
  return `${ip}\u0000${threatType}`;
}
