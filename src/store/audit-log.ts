import { createHash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { redactDeep } from '../core/redact.ts';
import { type Database, migrate, transaction } from './database.ts';

export interface AuditEntry {
  seq: number;
  time: string;
  agentId: string;
  type: string;
  data: Record<string, unknown>;
  prev: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** First problem found (edited, deleted, reordered or truncated entries), with its line number. */
  problem?: string;
}

const GENESIS = '0'.repeat(64);

/**
 * Append-only JSONL where every entry carries the hash of the previous one, so any edit, deletion or reordering is
 * detectable. The chain head is also kept in SQLite, which catches truncation of the tail and serialises writers
 * across processes (daemon and CLI append to the same file).
 */
export class AuditLog {
  readonly path: string;
  readonly #db: Database;
  readonly #agentId: string;

  constructor(db: Database, path: string, agentId = 'devops-agent') {
    this.#db = db;
    this.path = path;
    this.#agentId = agentId;
    migrate(db, 'audit', [
      {
        id: '001-audit-head',
        sql: 'CREATE TABLE audit_head (path TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL)',
      },
    ]);
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Appends one entry (secrets redacted) and returns it. */
  append(type: string, data: Record<string, unknown>): AuditEntry {
    return transaction(this.#db, () => {
      const head = this.#recoverHead();
      const body = {
        seq: (head?.seq ?? 0) + 1,
        time: new Date().toISOString(),
        agentId: this.#agentId,
        type,
        data: redactDeep(data),
        prev: head?.hash ?? GENESIS,
      };
      const entry: AuditEntry = { ...body, hash: hashEntry(body) };
      const fd = openSync(this.path, 'a');
      try {
        appendFileSync(fd, `${JSON.stringify(entry)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.#db
        .prepare(
          'INSERT INTO audit_head (path, seq, hash) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
        )
        .run(this.path, entry.seq, entry.hash);
      return entry;
    });
  }

  verify(): AuditVerification {
    const head = transaction(this.#db, () => this.#recoverHead());
    return verifyAuditFile(this.path, head);
  }

  /**
   * A crash can land between the file append and the SQLite commit of the new head. On the next use: a torn last line
   * (no newline) was never committed and is cut off; one complete entry beyond the head that chains correctly was
   * written by us just before the crash and becomes the head. Anything else is left for verify() to report.
   */
  #recoverHead(): { seq: number; hash: string } | undefined {
    const head = this.#db.prepare('SELECT seq, hash FROM audit_head WHERE path = ?').get(this.path) as
      | { seq: number; hash: string }
      | undefined;
    if (!existsSync(this.path)) return head;
    const fd = openSync(this.path, 'r+');
    try {
      const size = fstatSync(fd).size;
      if (size === 0) return head;
      const length = Math.min(size, 256 * 1024);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      let tail = buffer.toString('utf8');
      if (!tail.endsWith('\n')) {
        const cut = tail.lastIndexOf('\n');
        ftruncateSync(fd, cut < 0 && length === size ? 0 : size - (tail.length - cut - 1));
        tail = cut < 0 ? '' : tail.slice(0, cut + 1);
      }
      const lastLine = tail.trimEnd().split('\n').at(-1);
      if (!lastLine) return head;
      const last = JSON.parse(lastLine) as AuditEntry;
      const { hash, ...body } = last;
      const expectedPrev = head?.hash ?? GENESIS;
      if (last.seq === (head?.seq ?? 0) + 1 && last.prev === expectedPrev && hashEntry(body) === hash) {
        this.#db
          .prepare(
            'INSERT INTO audit_head (path, seq, hash) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
          )
          .run(this.path, last.seq, last.hash);
        return { seq: last.seq, hash: last.hash };
      }
      return head;
    } catch {
      return head;
    } finally {
      closeSync(fd);
    }
  }
}

/** Checks the whole chain; with the recorded head, also that nothing was cut from the end. */
export function verifyAuditFile(path: string, head?: { seq: number; hash: string }): AuditVerification {
  if (!existsSync(path)) {
    return head
      ? { ok: false, entries: 0, problem: `${path} is missing but ${head.seq} entries were written` }
      : { ok: true, entries: 0 };
  }
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  let prev = GENESIS;
  for (const [index, line] of lines.entries()) {
    const lineNo = index + 1;
    let entry: AuditEntry;
    try {
      entry = JSON.parse(line) as AuditEntry;
    } catch {
      return { ok: false, entries: index, problem: `line ${lineNo}: not valid JSON` };
    }
    const { hash, ...body } = entry;
    if (entry.seq !== lineNo)
      return {
        ok: false,
        entries: index,
        problem: `line ${lineNo}: sequence ${entry.seq}, expected ${lineNo} (entry deleted or reordered)`,
      };
    if (entry.prev !== prev)
      return {
        ok: false,
        entries: index,
        problem: `line ${lineNo}: previous-hash link broken (an earlier entry was changed or removed)`,
      };
    if (hashEntry(body) !== hash)
      return { ok: false, entries: index, problem: `line ${lineNo}: content does not match its hash (entry edited)` };
    prev = hash;
  }
  if (head && (head.seq !== lines.length || head.hash !== prev)) {
    return {
      ok: false,
      entries: lines.length,
      problem: `file ends at entry ${lines.length} but ${head.seq} were written (tail truncated or replaced)`,
    };
  }
  return { ok: true, entries: lines.length };
}

function hashEntry(body: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(body.prev).update(JSON.stringify(body)).digest('hex');
}
