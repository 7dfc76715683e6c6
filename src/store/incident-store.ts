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
const ACTIVE = "status != 'resolved'";

/** The `incidents` table: one active incident per IP and threat, evidence replaced as it grows. */
export class IncidentStore {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }

  findActive(ip: string, threatType: string): Incident | undefined {
    const row = this.#db
      .prepare(`SELECT * FROM incidents WHERE ip_address = ? AND threat_type = ? AND ${ACTIVE}`)
      .get(ip, threatType) as IncidentRow | undefined;
    return row && toIncident(row);
  }

  create(finding: Finding, status: IncidentStatus, decision: Decision, now = new Date()): Incident {
    const time = now.toISOString();
    const result = this.#db
      .prepare(
        `INSERT INTO incidents (ip_address, threat_type, severity, detected_at, updated_at, status, decision, evidence)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        finding.ip,
        finding.threatType,
        finding.severity,
        time,
        time,
        status,
        decision,
        JSON.stringify(finding.evidence),
      );
    return this.get(Number(result.lastInsertRowid))!;
  }

  /** Replaces the evidence; severity only ever rises. */
  updateEvidence(id: number, evidence: Evidence, severity: Severity, now = new Date()): Incident {
    const current = this.get(id);
    if (!current) throw new Error(`incident ${id} does not exist`);
    const next = SEVERITY_RANK[severity] > SEVERITY_RANK[current.severity] ? severity : current.severity;
    this.#db
      .prepare('UPDATE incidents SET evidence = ?, severity = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify(evidence), next, now.toISOString(), id);
    return this.get(id)!;
  }

  setStatus(id: number, status: IncidentStatus, decision?: Decision, reason?: string): void {
    this.#db
      .prepare(
        'UPDATE incidents SET status = ?, decision = COALESCE(?, decision), status_reason = COALESCE(?, status_reason), updated_at = ? WHERE id = ?',
      )
      .run(status, decision ?? null, reason ?? null, new Date().toISOString(), id);
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
    const row = this.#db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
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
      ? this.#db
          .prepare('SELECT * FROM incidents WHERE status = ? ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?')
          .all(query.status, limit, offset)
      : this.#db
          .prepare('SELECT * FROM incidents ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?')
          .all(limit, offset)) as unknown as IncidentRow[];
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
  return {
    id: row.id,
    ip: row.ip_address,
    threatType: row.threat_type as Incident['threatType'],
    severity: row.severity as Severity,
    status: row.status as IncidentStatus,
    detectedAt: row.detected_at,
    updatedAt: row.updated_at,
    decision: row.decision as Decision,
    evidence: JSON.parse(row.evidence) as Evidence,
    llmOpinion: row.llm_opinion ? JSON.parse(row.llm_opinion) : undefined,
  };
}
