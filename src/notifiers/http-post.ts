import { errorMessage } from '../core/errors.ts';
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
  /** Decides whether a 2xx body still means failure (Slack answers 200 "ok"). */
  acceptBody?: (body: string) => string | undefined;
}

const DEFAULT_BACKOFF_MS = 1000;

/**
 * POSTs a body and maps the outcome to a SendResult. Honours rate limits the way chat services announce them:
 * a JSON body `retry_after` in seconds (Discord) or a `Retry-After` header in seconds (Discord, Slack, Teams, HTTP).
 */
export async function postWithRetry(url: string, body: string, options: PostOptions): Promise<SendResult> {
  const maxRetries = options.maxRetries ?? 3;
  const sleep =
    options.sleep ?? ((milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds)));
  let lastError = 'not attempted';
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      text = await response.text();
    } catch (error) {
      lastError = `${options.integration}: request failed (${errorMessage(error)})`;
      if (attempt < maxRetries) await sleep(DEFAULT_BACKOFF_MS * 2 ** attempt);
      continue;
    }
    if (response.ok) {
      const refusal = options.acceptBody?.(text);
      if (refusal) return { status: 'failed', error: `${options.integration}: ${refusal}`, isRetryable: false };
      return { status: 'sent' };
    }
    const detail = text.slice(0, 300).replace(/\s+/g, ' ').trim();
    lastError = `${options.integration}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`;
    if (response.status === 429) {
      const waitMs = retryAfterMs(response.headers.get('retry-after'), text) ?? DEFAULT_BACKOFF_MS * 2 ** attempt;
      if (waitMs > (options.maxRetryWaitMs ?? 60_000)) {
        return {
          status: 'failed',
          error: `${lastError} (rate limited for ${Math.ceil(waitMs / 1000)}s)`,
          isRetryable: true,
        };
      }
      if (attempt < maxRetries) await sleep(waitMs);
      continue;
    }
    if (response.status >= 500) {
      if (attempt < maxRetries) await sleep(DEFAULT_BACKOFF_MS * 2 ** attempt);
      continue;
    }
    // 4xx other than 429: the request itself is wrong (bad URL, revoked token, invalid payload); retrying cannot help.
    return { status: 'failed', error: lastError, isRetryable: false };
  }
  return { status: 'failed', error: `${lastError} (after ${maxRetries + 1} attempts)`, isRetryable: true };
}

/** The wait a 429 asks for: the JSON body's `retry_after` (seconds, may be fractional) wins over the header. */
export function retryAfterMs(header: string | null, body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown };
    if (typeof parsed.retry_after === 'number' && parsed.retry_after >= 0) return Math.ceil(parsed.retry_after * 1000);
  } catch {
    // Not JSON: fall back to the header.
  }
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  return undefined;
}
