import { redactDeep, redactSecrets } from '../core/redact.ts';
import type { Migration } from '../store/database.ts';
import { migrate } from '../store/database.ts';
import type { Store } from '../store/store.ts';

export const LLM_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-exchanges-tool-calls-budgets',
    sql: `
      CREATE TABLE llm_exchanges (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        purpose TEXT NOT NULL,
        incident_id INTEGER,
        run_id TEXT,
        turn INTEGER NOT NULL DEFAULT 0,
        model TEXT NOT NULL,
        prompt TEXT NOT NULL,
        raw_answer TEXT,
        validation TEXT NOT NULL,
        error TEXT,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        latency_ms INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL,
        flags TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX llm_exchanges_incident ON llm_exchanges (incident_id, created_at);
      CREATE TABLE llm_tool_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        run_id TEXT NOT NULL,
        incident_id INTEGER,
        turn INTEGER NOT NULL,
        tool TEXT NOT NULL,
        arguments TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        output TEXT
      );
      CREATE INDEX llm_tool_calls_run ON llm_tool_calls (run_id);
      -- tokens charged per incident, so the budget holds across runs and processes
      CREATE TABLE llm_incident_tokens (
        incident_id INTEGER PRIMARY KEY,
        tokens INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    // the hourly budget sums recent incident exchanges
    id: '002-exchanges-by-time',
    sql: 'CREATE INDEX llm_exchanges_time ON llm_exchanges (created_at, incident_id);',
  },
];

/** What `validation` says about an exchange. */
export type ExchangeValidation =
  | 'valid'
  | 'repaired'
  | 'invalid'
  | 'tool_calls'
  | 'unavailable'
  | 'over_budget'
  | 'blocked';

export interface ExchangeRecord {
  purpose: string;
  incidentId?: number;
  runId?: string;
  turn?: number;
  model: string;
  /** Already redacted and fenced: exactly what was sent. */
  prompt: unknown;
  rawAnswer?: string;
  validation: ExchangeValidation;
  error?: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  costUsd?: number;
  flags?: unknown[];
}

export type ToolCallStatus = 'ok' | 'recommended' | 'refused' | 'failed';

export interface ToolCallRecord {
  runId: string;
  incidentId?: number;
  turn: number;
  tool: string;
  arguments: unknown;
  status: ToolCallStatus;
  reason?: string;
  output?: unknown;
}

/** SQLite tables of the LLM layer; every row also goes to the hash-chained JSONL audit. */
export class LlmExchangeStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
    migrate(store.db, 'llm', LLM_MIGRATIONS);
  }

  recordExchange(input: ExchangeRecord): number {
    // the prompt was redacted before it was sent; the answer and errors are redacted here, as the audit does
    const record = {
      ...input,
      prompt: redactDeep(input.prompt),
      rawAnswer: input.rawAnswer && redactSecrets(input.rawAnswer),
    };
    const prompt = JSON.stringify(record.prompt);
    const flags = JSON.stringify(record.flags ?? []);
    const id = this.#store.transaction(() => {
      const result = this.#store.db
        .prepare(
          `INSERT INTO llm_exchanges (created_at, purpose, incident_id, run_id, turn, model, prompt, raw_answer, validation,
             error, input_tokens, output_tokens, latency_ms, cost_usd, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          new Date().toISOString(),
          record.purpose,
          record.incidentId ?? null,
          record.runId ?? null,
          record.turn ?? 0,
          record.model,
          prompt,
          record.rawAnswer ?? null,
          record.validation,
          record.error ?? null,
          record.inputTokens,
          record.outputTokens,
          Math.round(record.latencyMs),
          record.costUsd ?? null,
          flags,
        );
      return Number(result.lastInsertRowid);
    });
    this.#store.audit.append('llm_exchange', { exchangeId: id, ...record });
    return id;
  }

  recordToolCall(input: ToolCallRecord): number {
    const record = { ...input, arguments: redactDeep(input.arguments), output: redactDeep(input.output) };
    const result = this.#store.db
      .prepare(
        `INSERT INTO llm_tool_calls (created_at, run_id, incident_id, turn, tool, arguments, status, reason, output)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        new Date().toISOString(),
        record.runId,
        record.incidentId ?? null,
        record.turn,
        record.tool.slice(0, 200),
        JSON.stringify(record.arguments ?? null).slice(0, 20000),
        record.status,
        record.reason ?? null,
        record.output === undefined ? null : JSON.stringify(record.output).slice(0, 20000),
      );
    const id = Number(result.lastInsertRowid);
    this.#store.audit.append('llm_tool_call', { toolCallId: id, ...record });
    return id;
  }

  /** Audit-only events (injection flags, run outcomes). */
  recordEvent(type: string, data: Record<string, unknown>): void {
    this.#store.audit.append(type, data);
  }

  tokensUsed(incidentId: number): number {
    const row = this.#store.db
      .prepare('SELECT tokens FROM llm_incident_tokens WHERE incident_id = ?')
      .get(incidentId) as { tokens: number } | undefined;
    return row?.tokens ?? 0;
  }

  /** Tokens spent on incident investigations (exchanges that name an incident) since `since`, in every process. */
  incidentTokensSince(since: Date): number {
    const row = this.#store.db
      .prepare(
        `SELECT COALESCE(SUM(input_tokens + output_tokens), 0) AS tokens FROM llm_exchanges
         WHERE created_at >= ? AND incident_id IS NOT NULL`,
      )
      .get(since.toISOString()) as { tokens: number };
    return Number(row.tokens);
  }

  chargeTokens(incidentId: number, tokens: number): number {
    this.#store.db
      .prepare(
        `INSERT INTO llm_incident_tokens (incident_id, tokens, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (incident_id) DO UPDATE SET tokens = tokens + excluded.tokens, updated_at = excluded.updated_at`,
      )
      .run(incidentId, tokens, new Date().toISOString());
    return this.tokensUsed(incidentId);
  }

  exchanges(filter: { incidentId?: number; runId?: string } = {}): Array<Record<string, unknown>> {
    if (filter.runId)
      return this.#store.db.prepare('SELECT * FROM llm_exchanges WHERE run_id = ? ORDER BY id').all(filter.runId);
    if (filter.incidentId !== undefined) {
      return this.#store.db
        .prepare('SELECT * FROM llm_exchanges WHERE incident_id = ? ORDER BY id')
        .all(filter.incidentId);
    }
    return this.#store.db.prepare('SELECT * FROM llm_exchanges ORDER BY id').all();
  }

  toolCalls(runId: string): Array<Record<string, unknown>> {
    return this.#store.db.prepare('SELECT * FROM llm_tool_calls WHERE run_id = ? ORDER BY id').all(runId);
  }
}
