/**
 * What a server said when it failed, read from the body it sent. Error bodies differ: `{"error":{"message"}}` (OpenAI,
 * llama.cpp, vLLM, Ollama's /v1, OpenRouter with a numeric `code`), `{"type":"error","error":{"type","message"}}`
 * (Anthropic), `{"error":"..."}` (Ollama's native API), `{"message"}` or `{"detail"}` (FastAPI-based servers).
 * Some arrive with HTTP 200: OpenRouter once the model started (an upstream provider failed), Anthropic when overloaded.
 */
export interface ServerErrorBody {
  message?: string;
  code?: string | number;
  type?: string;
}

export function readServerErrorBody(body: string | undefined): ServerErrorBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const fields = parsed as { error?: unknown; message?: unknown; detail?: unknown };
  const nested = (fields.error && typeof fields.error === 'object' ? fields.error : {}) as {
    message?: unknown;
    code?: unknown;
    type?: unknown;
  };
  const message = [nested.message, fields.error, fields.message, fields.detail].find(
    (candidate): candidate is string => typeof candidate === 'string' && candidate.trim() !== '',
  );
  return {
    message: message?.slice(0, 300),
    code: typeof nested.code === 'string' || typeof nested.code === 'number' ? nested.code : undefined,
    type: typeof nested.type === 'string' ? nested.type : undefined,
  };
}

// Error types that say "later" whatever the status line said (Anthropic's, OpenAI's).
const TEMPORARY_TYPES = new Set(['overloaded_error', 'rate_limit_error', 'api_error', 'server_error']);

/**
 * Whether asking again can help: 429 and 5xx, and an error in a 200 body whose own code or type says the same; never
 * an exhausted quota (OpenAI's 429 `insufficient_quota`), which only billing ends.
 */
export function isRetryableFailure(status: number, error: ServerErrorBody | undefined): boolean {
  if (error?.type === 'insufficient_quota' || error?.code === 'insufficient_quota') return false;
  if (status >= 200 && status < 300) {
    if (typeof error?.code === 'number') return error.code === 429 || error.code >= 500;
    return error?.type !== undefined && TEMPORARY_TYPES.has(error.type);
  }
  return status === 429 || status >= 500;
}
