import { IntegrationError } from '../../core/errors.ts';
import { redactSecrets } from '../../core/redact.ts';
import { parseRetryAfter, type RetryPolicy } from '../../core/retry.ts';

/** Maps what the official clients throw (ResponseError, ConnectionError, TimeoutError...) to one IntegrationError. */
export function toIntegrationError(error: unknown, what: string): IntegrationError {
  if (error instanceof IntegrationError) return error;
  const name = error instanceof Error ? error.name : '';
  // biome-ignore lint/suspicious/noExplicitAny: client error objects carry `meta` with the HTTP response
  const meta = (error as any)?.meta;
  const statusCode: number | undefined = meta?.statusCode ?? (error as { statusCode?: number })?.statusCode;
  const body = meta?.body;
  const reason = redactSecrets(
    (errorMessageOf(body?.error) ?? (error instanceof Error ? error.message : String(error))).slice(0, 400),
  );
  if (statusCode === 401 || statusCode === 403)
    return new IntegrationError(
      'elasticsearch',
      `${what}: authentication refused (HTTP ${statusCode}); check elasticsearch.username/password, api_key or bearer_token (${reason})`,
      { cause: error, isRetryable: false, statusCode },
    );
  if (statusCode === 404)
    return new IntegrationError('elasticsearch', `${what}: not found (HTTP 404): ${reason}`, {
      cause: error,
      isRetryable: false,
      statusCode,
    });
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500 && statusCode !== 429 && statusCode !== 408)
    return new IntegrationError('elasticsearch', `${what}: request refused (HTTP ${statusCode}): ${reason}`, {
      cause: error,
      isRetryable: false,
      statusCode,
    });
  if (TLS_TRUST.test(`${reason} ${causeCodes(error)}`))
    return new IntegrationError(
      'elasticsearch',
      `${what}: TLS certificate not trusted (${reason}); set elasticsearch.ca_cert to the cluster's CA (or insecure: true, explicitly)`,
      { cause: error, isRetryable: false },
    );
  // A query the server will never run (its clauses past indices.query.bool.max_clause_count): HTTP 500 from
  // OpenSearch, whose shards fail it every time; retrying only repeats it.
  const clauses = /too_many_(nested_)?clauses/.exec(JSON.stringify(body ?? ''));
  if (clauses)
    return new IntegrationError(
      'elasticsearch',
      `${what}: the server refuses the query: ${clauses[0]} (more than indices.query.bool.max_clause_count): ${reason}`,
      { cause: error, isRetryable: false, statusCode },
    );
  const kind = /timeout/i.test(name)
    ? 'timed out'
    : /connection|living/i.test(name)
      ? 'cannot connect'
      : statusCode
        ? `HTTP ${statusCode}`
        : 'failed';
  // 429 (search queue full, circuit breaker) and 503 may say when to come back.
  const retryAfterMs = parseRetryAfter(headerOf(meta?.headers, 'retry-after'));
  return new IntegrationError('elasticsearch', `${what}: ${kind}: ${reason}`, {
    cause: error,
    isRetryable: true,
    statusCode,
    retryAfterMs,
  });
}

const TLS_TRUST =
  /self[- ]signed certificate|unable to verify|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID|unable to get local issuer/i;

/** Error codes along the `cause` chain (TLS failures hide theirs a level or two down). */
function causeCodes(error: unknown): string {
  const codes: string[] = [];
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const record = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof record.code === 'string') codes.push(record.code);
    if (depth > 0 && typeof record.message === 'string') codes.push(record.message);
    current = record.cause;
  }
  return codes.join(' ');
}

/** `error.reason`, `error.root_cause[0].reason`, or a string error, whichever the server sent. */
export function errorMessageOf(error: unknown): string | undefined {
  if (!error) return undefined;
  if (typeof error === 'string') return error;
  if (typeof error !== 'object') return String(error);
  const record = error as { type?: string; reason?: string; root_cause?: Array<{ reason?: string }> };
  const reason = record.reason ?? record.root_cause?.[0]?.reason;
  return reason ? `${record.type ? `${record.type}: ` : ''}${reason}` : record.type;
}

/**
 * The retry policy for one Elasticsearch/OpenSearch call (src/core/retry.ts): `max_retries` after the first try, the
 * clients' own retries off (`maxRetries: 0`), so this is the only layer.
 */
export function searchRetryPolicy(
  settings: { max_retries: number; request_timeout: number },
  baseMs = 250,
): RetryPolicy {
  const attempts = settings.max_retries + 1;
  return {
    attempts,
    baseDelayMs: baseMs,
    maxDelayMs: 5_000,
    totalTimeMs: attempts * (settings.request_timeout * 1000 + 5_000),
  };
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}
