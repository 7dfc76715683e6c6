import type { z } from 'zod';

/**
 * The contract every capability uses to ask a model something. Implementations (src/llm/) handle providers,
 * guardrails (redaction, fencing, size caps), retries, budgets, schema validation with one repair attempt, and the
 * audit of every exchange. Callers never get unvalidated model text back.
 */
export interface LlmClient {
  /** `provider/model`, for headers and evidence. */
  readonly description: string;
  generateJson<T>(request: LlmJsonRequest<T>): Promise<LlmResult<T>>;
}

export interface LlmJsonRequest<T> {
  /** What the call is for (`incident-triage`, `exec-plan`, `monitor-triage`...), recorded in the audit. */
  purpose: string;
  /** Trusted instructions written by us. */
  system: string;
  /** Trusted framing of the question. */
  instruction: string;
  /** Untrusted data (log lines, user agents, tool output): redacted, capped and fenced as data by the client. */
  data?: unknown;
  schema: z.ZodType<T>;
  /** Charged against this incident's token budget when given. */
  incidentId?: number;
}

export type LlmResult<T> =
  | {
      status: 'ok';
      value: T;
      model: string;
      inputTokens: number;
      outputTokens: number;
      latencyMs: number;
      /** Likely prompt injections found in `data` (already recorded in the audit); the answer is still only advice. */
      injections?: Array<{ rule: string; source: string; excerpt: string }>;
    }
  /** `blocked`: the guardrails' input policy refused to send data flagged as prompt injection. */
  | { status: 'unavailable' | 'invalid' | 'over_budget' | 'blocked'; error: string };
