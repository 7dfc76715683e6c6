/** A configuration problem: the CLI maps it to exit code 2 and prints every message. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Bad command-line usage (unknown flag, missing argument): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A remote system (Elasticsearch, Kubernetes, an LLM, a chat service) failed; knows whether retrying can help. */
export class IntegrationError extends Error {
  readonly integration: string;
  readonly isRetryable: boolean;
  readonly statusCode?: number;
  /** How long the server asked us to wait before retrying (Retry-After), in ms; see src/core/retry.ts. */
  readonly retryAfterMs?: number;
  constructor(
    integration: string,
    message: string,
    options: { cause?: unknown; isRetryable: boolean; statusCode?: number; retryAfterMs?: number },
  ) {
    super(`${integration}: ${message}`, { cause: options.cause });
    this.name = 'IntegrationError';
    this.integration = integration;
    this.isRetryable = options.isRetryable;
    this.statusCode = options.statusCode;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A request the policy refused (allowlisted IP, protected range, CRITICAL command...). Expected, not a bug. */
export class PolicyRefusal extends Error {
  readonly rule: string;
  constructor(rule: string, message: string) {
    super(message);
    this.name = 'PolicyRefusal';
    this.rule = rule;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
