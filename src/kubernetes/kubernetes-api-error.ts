import { ApiException } from '@kubernetes/client-node';
import { errorMessage, IntegrationError } from '../core/errors.ts';
import { parseRetryAfter } from '../core/retry.ts';

/** One API request, described the way RBAC sees it, so a failure can say exactly what was refused. */
export interface KubeOperation {
  verb: 'get' | 'list' | 'watch' | 'create' | 'patch' | 'update' | 'delete';
  /** Plural resource, with its group when it has one: `middlewares.traefik.io`, `configmaps`. */
  resource: string;
  namespace?: string;
  name?: string;
  dryRun?: boolean;
}

const JSON_PATCH_NOT_APPLICABLE = 'the server rejected our request due to an error in our request';

export type KubeFailureReason =
  | 'forbidden'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'invalid'
  | 'unreachable'
  | 'timeout'
  | 'server_error'
  | 'throttled'
  | 'other';

/** A failed Kubernetes request: names the verb, resource and object; `reason` tells callers what to do next. */
export class KubernetesApiError extends IntegrationError {
  readonly operation: KubeOperation;
  readonly reason: KubeFailureReason;
  constructor(
    operation: KubeOperation,
    reason: KubeFailureReason,
    message: string,
    options: { cause?: unknown; isRetryable: boolean; statusCode?: number; retryAfterMs?: number },
  ) {
    super('kubernetes', message, options);
    this.name = 'KubernetesApiError';
    this.operation = operation;
    this.reason = reason;
  }
}

export function describeOperation(operation: KubeOperation): string {
  const object = operation.name ? `${operation.resource}/${operation.name}` : operation.resource;
  const where = operation.namespace ? ` in namespace ${operation.namespace}` : ' (cluster-wide)';
  return `${operation.verb}${operation.dryRun ? ' (dry run)' : ''} ${object}${where}`;
}

/** Turns whatever the client threw into a KubernetesApiError with a message a human can act on. */
export function describeKubeFailure(
  error: unknown,
  operation: KubeOperation,
  context: { server: string; user: string; attempt: number; attempts: number; rbacManifest?: string },
): KubernetesApiError {
  if (error instanceof KubernetesApiError) return error;
  const what = describeOperation(operation);
  if (error instanceof ApiException) {
    const status = (error as ApiException<unknown>).code;
    const detail = statusMessage((error as ApiException<unknown>).body) ?? `HTTP ${status}`;
    const options = { cause: error, statusCode: status };
    // 429 (API priority and fairness) and 503 may say when to come back; src/core/retry.ts honours it.
    const retryAfterMs = parseRetryAfter(headerValue((error as ApiException<unknown>).headers, 'retry-after'));
    if (status === 403) {
      return new KubernetesApiError(
        operation,
        'forbidden',
        `forbidden: user "${context.user}" may not ${what}; grant verb "${operation.verb}" on "${operation.resource}" (see ${context.rbacManifest ?? 'the RBAC manifests in deploy/kubernetes/'}). Server said: ${detail}`,
        { ...options, isRetryable: false },
      );
    }
    if (status === 401) {
      return new KubernetesApiError(
        operation,
        'unauthorized',
        `unauthorized: the credentials for ${context.server} were rejected (${what})`,
        { ...options, isRetryable: false },
      );
    }
    if (status === 404)
      return new KubernetesApiError(operation, 'not_found', `not found: ${what}: ${detail}`, {
        ...options,
        isRetryable: false,
      });
    if (status === 409) {
      return new KubernetesApiError(operation, 'conflict', `conflict: ${what}: ${detail}`, {
        ...options,
        isRetryable: false,
      });
    }
    // A JSON patch that cannot be applied (a failed `test` precondition, a path that is gone) comes back as a bare
    // 422 with this generic text, unlike schema errors, which name the field: the object changed since it was read.
    if (status === 422 && operation.verb === 'patch' && detail === JSON_PATCH_NOT_APPLICABLE) {
      return new KubernetesApiError(
        operation,
        'conflict',
        `conflict: ${what}: the patch preconditions failed (the object changed since it was read)`,
        { ...options, isRetryable: false },
      );
    }
    if (status === 400 || status === 422)
      return new KubernetesApiError(operation, 'invalid', `rejected: ${what}: ${detail}`, {
        ...options,
        isRetryable: false,
      });
    if (status === 429)
      return new KubernetesApiError(operation, 'throttled', `throttled: ${what}: ${detail}`, {
        ...options,
        isRetryable: true,
        retryAfterMs,
      });
    if (status >= 500) {
      return new KubernetesApiError(
        operation,
        'server_error',
        `server error ${status}: ${what}: ${detail} (attempt ${context.attempt}/${context.attempts})`,
        { ...options, isRetryable: true, retryAfterMs },
      );
    }
    return new KubernetesApiError(operation, 'other', `HTTP ${status}: ${what}: ${detail}`, {
      ...options,
      isRetryable: false,
    });
  }
  const code = networkCode(error);
  if (code === 'TimeoutError' || code === 'AbortError' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new KubernetesApiError(
      operation,
      'timeout',
      `timed out: ${what} at ${context.server} (attempt ${context.attempt}/${context.attempts})`,
      { cause: error, isRetryable: true },
    );
  }
  if (!code && !(error instanceof TypeError)) {
    // Not a network failure (a bad kubeconfig, a client-side refusal): retrying cannot help.
    return new KubernetesApiError(
      operation,
      'other',
      `${what} failed before reaching ${context.server}: ${errorMessage(error)}`,
      {
        cause: error,
        isRetryable: false,
      },
    );
  }
  return new KubernetesApiError(
    operation,
    'unreachable',
    `cannot reach the API server ${context.server}${code ? ` (${code})` : ''}: ${what} failed (attempt ${context.attempt}/${context.attempts}): ${errorMessage(error)}`,
    { cause: error, isRetryable: true },
  );
}

/** The `message` of a Kubernetes Status body (the client gives it as text or as parsed JSON). */
function statusMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.slice(0, 500) || undefined;
    }
  }
  if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    return (value as { message: string }).message.slice(0, 500);
  }
  return undefined;
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof Error) {
      // DOMException (abort, timeout) carries a numeric legacy code: its name is what tells.
      if (current.name === 'TimeoutError' || current.name === 'AbortError') return current.name;
      const code = (current as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code) return code;
      current = current.cause;
    } else break;
  }
  return undefined;
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}
