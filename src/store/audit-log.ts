import { createHash, randomUUID } from 'node:crypto';
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
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { redactDeep } from '../core/redact.ts';
import { type Database, migrate, transaction } from './database.ts';

export interface AuditEntry {
  seq: number;
  time: string;
  agentId: string;
  type: string;
  data: Record<string, unknown>;
  /** The chain's id (entries written before it existed have none). */
  chain?: string;
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

/** What the database knows of a file's chain: the last entry it wrote (seq 0: none yet) and the chain's id. */
interface Head {
  seq: number;
  hash: string;
  chain: string | null;
}

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
      // A random id per chain, written in each entry: a database recognises its own first entry after a crash.
      { id: '002-audit-chain-id', sql: 'ALTER TABLE audit_head ADD COLUMN chain TEXT' },
    ]);
    mkdirSync(dirname(path), { recursive: true });
    // Claim a file that holds no chain yet, so a crash during our very first append is recoverable, while a file
    // that already holds entries this database never recorded (another database's chain) is not adopted.
    if (!existsSync(path) || statSync(path).size === 0) this.#claim();
  }

  #claim(): void {
    this.#db
      .prepare('INSERT OR IGNORE INTO audit_head (path, seq, hash, chain) VALUES (?, 0, ?, ?)')
      .run(this.path, GENESIS, randomUUID());
  }

  /** Appends one entry (secrets redacted) and returns it; throws AuditChainError when the file is not this chain. */
  append(type: string, data: Record<string, unknown>): AuditEntry {
    return this.appendMany([{ type, data }])[0];
  }

  /**
   * Appends entries in order with one write and one fsync (a batch of incidents costs one disk flush, not one each),
   * the chain and the head exactly as if they had been appended one by one.
   */
  appendMany(records: ReadonlyArray<{ type: string; data: Record<string, unknown> }>): AuditEntry[] {
    if (records.length === 0) return [];
    return transaction(this.#db, () => {
      const { head, problem } = this.#reconcileHead();
      if (problem) throw new AuditChainError(this.path, problem);
      let seq = head?.seq ?? 0;
      let prev = head?.hash ?? GENESIS;
      const entries: AuditEntry[] = [];
      for (const { type, data } of records) {
        const body = {
          seq: ++seq,
          time: new Date().toISOString(),
          agentId: this.#agentId,
          type,
          data: redactDeep(data),
          ...(head?.chain ? { chain: head.chain } : {}),
          prev,
        };
        const entry: AuditEntry = { ...body, hash: hashEntry(body) };
        entries.push(entry);
        prev = entry.hash;
      }
      const fd = openSync(this.path, 'a');
      try {
        appendFileSync(fd, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.#saveHead(entries[entries.length - 1]);
      return entries;
    });
  }

  /** Throws AuditChainError now, rather than at the first append, when the file does not continue this chain. */
  assertAppendable(): void {
    const { problem } = transaction(this.#db, () => this.#reconcileHead());
    if (problem) throw new AuditChainError(this.path, problem);
  }

  verify(): AuditVerification {
    const { head } = transaction(this.#db, () => this.#reconcileHead());
    return verifyAuditFile(this.path, head);
  }

  #saveHead(head: { seq: number; hash: string }): void {
    this.#db
      .prepare(
        'INSERT INTO audit_head (path, seq, hash) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
      )
      .run(this.path, head.seq, head.hash);
  }

  /**
   * Compares the file's last entry with the head this database recorded. A crash can land between the file append
   * and the SQLite commit of the new head: a torn last line (no newline) was never committed and is cut off; one
   * complete entry beyond the head that chains correctly was written by us just before the crash and becomes the
   * head. Any other difference means the file is not (or no longer) this database's chain: appending would fork it.
   */
  #reconcileHead(): { head?: Head; problem?: string } {
    const select = () =>
      this.#db.prepare('SELECT seq, hash, chain FROM audit_head WHERE path = ?').get(this.path) as Head | undefined;
    let head = select();
    const last: LastEntry = existsSync(this.path) ? readLastEntry(this.path) : { status: 'empty' };
    if (last.status === 'empty') {
      if (!head) {
        this.#claim();
        head = select() as Head;
      }
      if (head.seq === 0) return { head };
      return { head, problem: `the file is missing or empty, but this database wrote ${head.seq} entries` };
    }
    if (last.status === 'unreadable') return { head, problem: 'its last line is not an audit entry' };
    const entry = last.entry;
    if (head && entry.seq === head.seq && entry.hash === head.hash) return { head };
    const { hash, ...body } = entry;
    // The first entry is ours only if it names our chain: another database that claimed the same empty file
    // wrote the same genesis link.
    const ours = head && (head.seq > 0 || (head.chain !== null && entry.chain === head.chain));
    // One entry past the head links to it; a batch (appendMany) can leave several, ours when they chain from it.
    if (
      head &&
      ours &&
      hashEntry(body) === hash &&
      (entry.seq === head.seq + 1
        ? entry.prev === head.hash
        : entry.seq > head.seq + 1 && chainsFrom(this.path, head, entry.seq))
    ) {
      this.#saveHead(entry);
      return { head: { seq: entry.seq, hash: entry.hash, chain: head.chain } };
    }
    const problem = head
      ? `the file ends at entry ${entry.seq}, this database last wrote entry ${head.seq}`
      : `the file ends at entry ${entry.seq}, but this database has never written to it (another database's chain?)`;
    return { head, problem };
  }
}

/** True when the file's entries head.seq+1 .. last (line n holds entry n) chain, one by one, from the head. */
function chainsFrom(path: string, head: { seq: number; hash: string }, last: number): boolean {
  const lines = readFileSync(path, 'utf8').split('\n');
  let prev = head.hash;
  for (let seq = head.seq + 1; seq <= last; seq++) {
    try {
      const entry = JSON.parse(lines[seq - 1] ?? '') as AuditEntry;
      const { hash, ...body } = entry;
      if (entry.seq !== seq || entry.prev !== prev || hashEntry(body) !== hash) return false;
      prev = hash;
    } catch {
      return false;
    }
  }
  return true;
}

/** The CLI exits 2 on it: the configuration points two chains at one file. */
export class AuditChainError extends ConfigError {
  constructor(path: string, problem: string) {
    super([
      `audit.path: ${path} does not continue this database's audit chain: ${problem}. Each database keeps its own ` +
        'chain; point audit.path at the file this database wrote, or at a new file. Nothing was appended.',
    ]);
    this.name = 'AuditChainError';
  }
}

const CHUNK_BYTES = 64 * 1024;

/** Byte offset of the last newline before `end`, or -1; read backwards in chunks, so a line may be any length. */
function lastNewlineBefore(fd: number, end: number): number {
  const buffer = Buffer.alloc(CHUNK_BYTES);
  for (let position = end; position > 0; ) {
    const start = Math.max(0, position - CHUNK_BYTES);
    const read = readSync(fd, buffer, 0, position - start, start);
    const index = buffer.subarray(0, read).lastIndexOf(0x0a);
    if (index >= 0) return start + index;
    position = start;
  }
  return -1;
}

type LastEntry = { status: 'ok'; entry: AuditEntry } | { status: 'empty' } | { status: 'unreadable' };

/**
 * Cuts a torn last line (a crash mid-append: no newline) and parses the last complete one. Offsets are bytes
 * throughout: entries hold non-ASCII text, where a string's length is not its size in the file.
 */
function readLastEntry(path: string): LastEntry {
  const fd = openSync(path, 'r+');
  try {
    let size = fstatSync(fd).size;
    if (size === 0) return { status: 'empty' };
    const lastByte = Buffer.alloc(1);
    readSync(fd, lastByte, 0, 1, size - 1);
    if (lastByte[0] !== 0x0a) {
      size = lastNewlineBefore(fd, size) + 1;
      ftruncateSync(fd, size);
      if (size === 0) return { status: 'empty' };
    }
    const start = lastNewlineBefore(fd, size - 1) + 1;
    const line = Buffer.alloc(size - 1 - start);
    readSync(fd, line, 0, line.length, start);
    try {
      return { status: 'ok', entry: JSON.parse(line.toString('utf8')) as AuditEntry };
    } catch {
      return { status: 'unreadable' };
    }
  } finally {
    closeSync(fd);
  }
}

/** Checks the whole chain; with the recorded head, also that nothing was cut from the end. */
export function verifyAuditFile(path: string, head?: { seq: number; hash: string }): AuditVerification {
  if (!existsSync(path)) {
    return head && head.seq > 0
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
