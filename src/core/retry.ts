/**
 * The one retry policy for every outbound call (LLM, Elasticsearch, Kubernetes, notifiers; the block executor relies
 * on them). The rules, here and nowhere else (CONTRIBUTING.md points here):
 *
 * 1. Retry only what says it is retryable: a thrown error with `isRetryable: true` (IntegrationError and its
 *    subclasses), or a result value the caller's `retryableResult` marks. Everything else is final at once.
 * 2. Bounded twice: at most `attempts` tries, and no pause that would end beyond `totalTimeMs` after the first try
 *    started (then the last failure is returned as it is).
 * 3. Pauses grow exponentially from `baseDelayMs`, capped at `maxDelayMs`, with jitter (a random 50-100 % of the step)
 *    so many clients failing together do not retry in lockstep.
 * 4. A server's `Retry-After` (seconds or an HTTP date; see `parseRetryAfter`) replaces the computed pause, without
 *    jitter. If it asks for longer than `maxDelayMs` or the time left, we stop now instead of waiting past our bounds.
 * 5. One layer per failure: retries live in the client that talks to the remote system (one request), never again
 *    in the layers above it. A failure this function gave up on is marked (`retriesExhausted`) and an outer
 *    `withRetry` never retries it again, so no layer multiplies another's attempts.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries in all, the first included (1 = no retry). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Budget from the first try: no pause is started that would end after it. */
  totalTimeMs: number;
}

/** Why a failed try may be retried, and how long the server asked us to wait (ms), if it did. */
export interface RetryHint {
  retryAfterMs?: number;
}

export interface RetryHooks<T> {
  /** For calls that return failures as values: a hint when this value is a retryable failure, else undefined. */
  retryableResult?: (value: T) => RetryHint | undefined;
  /** Called before each pause (logging, tests). */
  onRetry?: (event: { attempt: number; delayMs: number; reason: unknown }) => void;
  /** Injectable clock and randomness for tests; real ones otherwise. */
  sleep?: (milliseconds: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** Marks a failure an inner `withRetry` already gave up on: outer layers treat it as final. */
export const RETRIES_EXHAUSTED = Symbol.for('devops-agent.retriesExhausted');

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  totalTimeMs: 30_000,
};

/** Runs `operation` (given the 1-based attempt number) under `policy`; returns its value or throws its last error. */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks<T> = {},
): Promise<T> {
  const now = hooks.now ?? Date.now;
  const sleep = hooks.sleep ?? ((milliseconds: number) => sleepFor(milliseconds));
  const random = hooks.random ?? Math.random;
  const started = now();
  const attempts = Math.max(1, Math.floor(policy.attempts));
  for (let attempt = 1; ; attempt++) {
    let hint: RetryHint | undefined;
    let failure: { error: unknown } | { value: T };
    try {
      const value = await operation(attempt);
      hint = hooks.retryableResult?.(value);
      if (!hint || isExhausted(value)) return value;
      failure = { value };
    } catch (error) {
      hint = retryHintOf(error);
      if (!hint) throw error;
      failure = { error };
    }
    const delayMs = pauseBefore(attempt, hint, policy, random);
    const stop =
      attempt >= attempts || delayMs === undefined || now() - started + delayMs > Math.max(0, policy.totalTimeMs);
    if (stop) {
      markRetriesExhausted('error' in failure ? failure.error : failure.value);
      if ('error' in failure) throw failure.error;
      return failure.value;
    }
    hooks.onRetry?.({ attempt, delayMs, reason: 'error' in failure ? failure.error : failure.value });
    await sleep(delayMs);
  }
}

/** The pause after failed try `attempt`; undefined when the server asks for more than we accept. */
export function pauseBefore(
  attempt: number,
  hint: RetryHint,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (hint.retryAfterMs !== undefined) {
    return hint.retryAfterMs > policy.maxDelayMs ? undefined : Math.max(0, hint.retryAfterMs);
  }
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(step * (0.5 + random() / 2));
}

/** A thrown error's hint: only errors that say `isRetryable: true`, and not ones an inner layer gave up on. */
export function retryHintOf(error: unknown): RetryHint | undefined {
  if (typeof error !== 'object' || error === null || isExhausted(error)) return undefined;
  const record = error as { isRetryable?: unknown; retryAfterMs?: unknown };
  if (record.isRetryable !== true) return undefined;
  return typeof record.retryAfterMs === 'number' ? { retryAfterMs: record.retryAfterMs } : {};
}

/** `Retry-After` as sent by HTTP servers: delta-seconds (fractions accepted) or an HTTP date; ms, or undefined. */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // An HTTP date names a weekday and month; bare numbers like "-3" are junk, not years.
  const date = /[a-z]{3}/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function isExhausted(failure: unknown): boolean {
  return typeof failure === 'object' && failure !== null && RETRIES_EXHAUSTED in failure;
}

/** Marks a failure as final for every outer layer (a result that carries an inner layer's exhausted failure). */
export function markRetriesExhausted(failure: unknown): void {
  if (typeof failure !== 'object' || failure === null || !Object.isExtensible(failure)) return;
  Object.defineProperty(failure, RETRIES_EXHAUSTED, { value: true, enumerable: false });
}
