import { createHash } from 'node:crypto';
import { redactDeep, redactSecrets } from '../core/redact.ts';
import { type Database, migrate, transaction } from '../store/database.ts';
import { camelFields, optionalCamelFields } from '../store/row-fields.ts';
import type { Store } from '../store/store.ts';
import type { DangerLevel } from './danger-level.ts';

/** The 'exec' table family: approvals bound to the sha256 of the exact command text. */
const EXEC_MIGRATIONS = [
  {
    id: '001-command-approvals',
    sql: `CREATE TABLE exec_command_approvals (
      id INTEGER PRIMARY KEY,
      command TEXT NOT NULL,
      command_hash TEXT NOT NULL,
      task TEXT NOT NULL,
      level TEXT NOT NULL,
      rule TEXT NOT NULL,
      reason TEXT NOT NULL,
      effect TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'used')),
      requested_at TEXT NOT NULL,
      decided_at TEXT,
      approver TEXT,
      decision_note TEXT,
      used_at TEXT
    );
    CREATE INDEX exec_command_approvals_hash ON exec_command_approvals (command_hash, status);`,
  },
  {
    // Refused CRITICAL commands, so /metrics counts CLI runs and survives restarts (the text stays in the audit).
    id: '002-critical-commands',
    sql: `CREATE TABLE exec_critical_commands (
      id INTEGER PRIMARY KEY,
      command_hash TEXT NOT NULL,
      rule TEXT NOT NULL,
      source TEXT NOT NULL,
      refused_at TEXT NOT NULL
    );`,
  },
];

export type ApprovalStore = Pick<Store, 'db' | 'audit'>;
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'used';

export interface CommandApproval {
  id: number;
  /** The command as shown to reviewers: secrets redacted. The approval is bound to `commandHash` of the exact text. */
  command: string;
  commandHash: string;
  task: string;
  level: DangerLevel;
  rule: string;
  reason: string;
  /** What the parser says the command does: programs, redirect targets, paths outside the working directory. */
  effect: CommandEffect;
  status: ApprovalStatus;
  requestedAt: string;
  decidedAt?: string;
  approver?: string;
}

export interface CommandEffect {
  programs: Array<{ program: string; args: string[] }>;
  redirectTargets: string[];
  outsidePaths: string[];
}

export type ApprovalDecisionResult =
  | { status: 'approved' | 'rejected'; approval: CommandApproval }
  | { status: 'not_found'; error: string }
  | { status: 'hash_mismatch'; error: string }
  | { status: 'not_pending'; error: string; approval: CommandApproval };

const migrated = new WeakSet<Database>();

export function ensureTables(db: Database): void {
  if (migrated.has(db)) return;
  migrate(db, 'exec', EXEC_MIGRATIONS);
  migrated.add(db);
}

/** The sha256 an approval is bound to: the exact bytes of the command, nothing normalised. */
export function commandHash(command: string): string {
  return createHash('sha256').update(command, 'utf8').digest('hex');
}

interface Row {
  id: number;
  command: string;
  command_hash: string;
  task: string;
  level: string;
  rule: string;
  reason: string;
  effect: string;
  status: string;
  requested_at: string;
  decided_at: string | null;
  approver: string | null;
}

function fromRow(row: Row): CommandApproval {
  return {
    ...camelFields(row, ['id', 'command', 'command_hash', 'task']),
    level: row.level as DangerLevel,
    ...camelFields(row, ['rule', 'reason']),
    effect: JSON.parse(row.effect) as CommandEffect,
    status: row.status as ApprovalStatus,
    requestedAt: row.requested_at,
    ...optionalCamelFields(row, ['decided_at', 'approver']),
  };
}

function byId(db: Database, id: number): CommandApproval | undefined {
  const row = db.prepare('SELECT * FROM exec_command_approvals WHERE id = ?').get(id) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

export interface ApprovalRequest {
  command: string;
  task: string;
  level: DangerLevel;
  rule: string;
  reason: string;
  effect: CommandEffect;
}

/** Records a pending approval (or returns the one already pending for the same exact command). */
export function requestCommandApproval(store: ApprovalStore, request: ApprovalRequest): CommandApproval {
  ensureTables(store.db);
  const hash = commandHash(request.command);
  return transaction(store.db, () => {
    const existing = store.db
      .prepare("SELECT * FROM exec_command_approvals WHERE command_hash = ? AND status = 'pending' ORDER BY id LIMIT 1")
      .get(hash) as Row | undefined;
    if (existing) return fromRow(existing);
    const now = new Date().toISOString();
    const result = store.db
      .prepare(
        `INSERT INTO exec_command_approvals (command, command_hash, task, level, rule, reason, effect, status, requested_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
      )
      .run(
        redactSecrets(request.command),
        hash,
        redactSecrets(request.task),
        request.level,
        request.rule,
        request.reason,
        JSON.stringify(redactDeep(request.effect)),
        now,
      );
    const approval = byId(store.db, Number(result.lastInsertRowid)) as CommandApproval;
    store.audit.append('exec.approval.requested', {
      approvalId: approval.id,
      task: request.task,
      command: request.command,
      commandHash: hash,
      level: request.level,
      rule: request.rule,
    });
    return approval;
  });
}

export function listPendingCommandApprovals(store: ApprovalStore): CommandApproval[] {
  ensureTables(store.db);
  return (
    store.db
      .prepare("SELECT * FROM exec_command_approvals WHERE status = 'pending' ORDER BY id")
      .all() as unknown as Row[]
  ).map(fromRow);
}

export function getCommandApproval(store: ApprovalStore, id: number): CommandApproval | undefined {
  ensureTables(store.db);
  return byId(store.db, id);
}

function decide(
  store: ApprovalStore,
  id: number,
  approver: string,
  hash: string,
  status: 'approved' | 'rejected',
  note?: string,
): ApprovalDecisionResult {
  ensureTables(store.db);
  if (!approver.trim()) return { status: 'not_found', error: 'an approver name is required' };
  return transaction(store.db, () => {
    const approval = byId(store.db, id);
    if (!approval) return { status: 'not_found', error: `no command approval ${id}` };
    if (approval.commandHash !== hash)
      return {
        status: 'hash_mismatch',
        error: `approval ${id} is for a command with sha256 ${approval.commandHash}, not ${hash}: a different command needs its own approval`,
      };
    if (approval.status !== 'pending')
      return { status: 'not_pending', error: `approval ${id} is already ${approval.status}`, approval };
    const now = new Date().toISOString();
    store.db
      .prepare(
        'UPDATE exec_command_approvals SET status = ?, decided_at = ?, approver = ?, decision_note = ? WHERE id = ?',
      )
      .run(status, now, approver, note ?? null, id);
    store.audit.append(`exec.approval.${status}`, {
      approvalId: id,
      command: approval.command,
      commandHash: hash,
      approver,
      note,
    });
    return { status, approval: byId(store.db, id) as CommandApproval };
  });
}

/** Approves one pending command; `commandHash` must be the sha256 of the exact command the approver saw. */
export function approveCommand(
  store: ApprovalStore,
  id: number,
  approver: string,
  commandHash: string,
): ApprovalDecisionResult {
  return decide(store, id, approver, commandHash, 'approved');
}

export function rejectCommand(
  store: ApprovalStore,
  id: number,
  approver: string,
  commandHash: string,
  note?: string,
): ApprovalDecisionResult {
  return decide(store, id, approver, commandHash, 'rejected', note);
}

/**
 * Takes (single use) an approval granted for exactly this command no longer than `maxAgeSeconds` ago, if there is one:
 * the approval becomes 'used' so a second run needs a second approval.
 */
export function consumeApprovedCommand(
  store: ApprovalStore,
  command: string,
  maxAgeSeconds = Number.POSITIVE_INFINITY,
  now = new Date(),
): CommandApproval | undefined {
  ensureTables(store.db);
  const hash = commandHash(command);
  // An approval given long ago was given for a system that has changed since: it expires.
  const oldest = Number.isFinite(maxAgeSeconds) ? new Date(now.getTime() - maxAgeSeconds * 1000).toISOString() : '';
  return transaction(store.db, () => {
    const row = store.db
      .prepare(
        "SELECT * FROM exec_command_approvals WHERE command_hash = ? AND status = 'approved' AND decided_at >= ? ORDER BY id LIMIT 1",
      )
      .get(hash, oldest) as Row | undefined;
    if (!row) return undefined;
    store.db
      .prepare("UPDATE exec_command_approvals SET status = 'used', used_at = ? WHERE id = ?")
      .run(new Date().toISOString(), row.id);
    return fromRow(row);
  });
}
