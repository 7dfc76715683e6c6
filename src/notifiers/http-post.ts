import { errorMessage } from '../core/errors.ts';
import { parseRetryAfter, withRetry } from '../core/retry.ts';
import type { SendResult } from './notifier.ts';

export interface PostOptions {
  /** For messages: `discord`, `slack`... (never the URL, which often is the secret). */
  integration: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Retries after a 429 or a 5xx/network error; bounded so a dead channel cannot stall a pipeline. */
  maxRetries?: number;
  /** Longest wait we accept from a rate limit before giving up (a retryable failure). */
  maxRetryWaitMs?: number;
  /** Injectable for tests with a fake clock; real timers otherwise. */
  sleep?: (milliseconds: number) => Promise<void>;
  /**
   * Decides whether a 2xx body still means failure: a reason (final), or a reason with `isRetryable` (Teams
   * connectors report throttling as a 200 whose body says `returned HTTP error 429`).
   */
  acceptBody?: (body: string) => string | { reason: string; isRetryable: boolean } | undefined;
}

const DEFAULT_BACKOFF_MS = 1000;

/** One POST's outcome, with what the retry policy needs to know about it. */
type Attempt = { result: SendResult; retryAfterMs?: number; rateLimited?: boolean };

/**
 * POSTs a body and maps the outcome to a SendResult, retried under src/core/retry.ts: network errors, 429 and 5xx are
 * retryable, other 4xx are final. Honours rate limits the way chat services announce them: a JSON body `retry_after`
 * in seconds (Discord) or a `Retry-After` header (Discord, Slack, Teams, HTTP).
 */
export async function postWithRetry(url: string, body: string, options: PostOptions): Promise<SendResult> {
  const maxRetries = options.maxRetries ?? 3;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const policy = {
    attempts: maxRetries + 1,
    baseDelayMs: DEFAULT_BACKOFF_MS,
    maxDelayMs: maxRetryWaitMs,
    totalTimeMs: (maxRetries + 1) * timeoutMs + 2 * maxRetryWaitMs,
  };
  let attempts = 0;
  const last = await withRetry(
    async (attempt) => {
      attempts = attempt;
      return postOnce(url, body, options, timeoutMs);
    },
    policy,
    {
      sleep: options.sleep,
      retryableResult: ({ result, retryAfterMs }) =>
        result.status === 'failed' && result.isRetryable ? { retryAfterMs } : undefined,
    },
  );
  const { result } = last;
  if (result.status !== 'failed' || !result.isRetryable) return result;
  if (last.rateLimited && last.retryAfterMs !== undefined && last.retryAfterMs > maxRetryWaitMs) {
    return { ...result, error: `${result.error} (rate limited for ${Math.ceil(last.retryAfterMs / 1000)}s)` };
  }
  return { ...result, error: `${result.error} (after ${attempts} attempts)` };
}

async function postOnce(url: string, body: string, options: PostOptions, timeoutMs: number): Promise<Attempt> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a TLS error): host, never path.
    const cause = error instanceof Error && error.cause !== undefined ? `: ${errorMessage(error.cause)}` : '';
    const reason = `${options.integration}: request failed (${errorMessage(error)}${cause})`;
    return { result: { status: 'failed', error: reason, isRetryable: true } };
  }
  if (response.ok) {
    const refusal = options.acceptBody?.(text);
    if (!refusal) return { result: { status: 'sent' } };
    const { reason, isRetryable } = typeof refusal === 'string' ? { reason: refusal, isRetryable: false } : refusal;
    return { result: { status: 'failed', error: `${options.integration}: ${reason}`, isRetryable } };
  }
  const detail = text.slice(0, 300).replace(/\s+/g, ' ').trim();
  const error = `${options.integration}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`;
  if (response.status === 429) {
    const retryAfter = retryAfterMs(response.headers.get('retry-after'), text);
    return { result: { status: 'failed', error, isRetryable: true }, retryAfterMs: retryAfter, rateLimited: true };
  }
  if (response.status >= 500) {
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
    return { result: { status: 'failed', error, isRetryable: true }, retryAfterMs: retryAfter };
  }
  // 4xx other than 429: the request itself is wrong (bad URL, revoked token, invalid payload); retrying cannot help.
  return { result: { status: 'failed', error, isRetryable: false } };
}

/**
 * The wait a 429 asks for: the JSON body's `retry_after` (seconds, may be fractional) refines the header's whole
 * seconds, but never exceeds it: Discord documents both as the same wait, and a body far above the header is the
 * old API's milliseconds (docs/topics/Rate_Limits.md, v6).
 */
export function retryAfterMs(header: string | null, body: string): number | undefined {
  const fromHeader = parseRetryAfter(header);
  let fromBody: number | undefined;
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown };
    if (typeof parsed.retry_after === 'number' && parsed.retry_after >= 0)
      fromBody = Math.ceil(parsed.retry_after * 1000);
  } catch {
    // Not JSON: the header alone.
  }
  if (fromBody === undefined) return fromHeader;
  return fromHeader === undefined ? fromBody : Math.min(fromBody, fromHeader);
}
