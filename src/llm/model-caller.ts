import type { APICallError } from '@ai-sdk/provider';
import type { LanguageModel, ModelMessage, OutputInterface, ToolSet } from 'ai';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { errorMessage, IntegrationError } from '../core/errors.ts';
import { redactSecrets } from '../core/redact.ts';
import { parseRetryAfter, type RetryPolicy, withRetry } from '../core/retry.ts';
import type { ProviderModel } from './providers/provider-model.ts';
import { withoutReasoning } from './reasoning-text.ts';
import { isRetryableFailure, readServerErrorBody } from './server-error-body.ts';

/** A tool as offered to the model: the arguments' JSON Schema comes from the zod schema we validate with. */
export interface OfferedTool {
  name: string;
  description: string;
  argumentsSchema: z.ZodType;
}

export interface ModelCall {
  system: string;
  messages: ModelMessage[];
  tools?: readonly OfferedTool[];
  /** `none`: the tools stay declared (the history holds tool calls) but the model may not call one. */
  toolChoice?: 'auto' | 'none';
  /** Ask for a JSON response where the provider supports a schema-less JSON mode. */
  json?: boolean;
}

export interface RawToolCall {
  id: string;
  name: string;
  input: unknown;
}

export type ModelCallResult =
  | {
      status: 'ok';
      text: string;
      toolCalls: RawToolCall[];
      /** The AI SDK's unified reason: `length` means the answer was cut at llm.max_output_tokens. */
      finishReason: string;
      modelId: string;
      inputTokens?: number;
      outputTokens?: number;
      latencyMs: number;
      attempts: number;
    }
  | { status: 'unavailable'; error: string; latencyMs: number; attempts: number };

/**
 * One model call with the failure handling callers rely on: a timeout per attempt, bounded retries with exponential
 * backoff (and Retry-After) on 429 and 5xx only, and a cooldown after the server was unreachable so a dead LLM costs
 * callers nothing. Never throws for remote failures.
 */
export class ModelCaller {
  readonly provider: ProviderModel;
  readonly #llm: Config['llm'];
  #unreachableUntil = 0;
  #loadedModel: Promise<LanguageModel> | undefined;

  constructor(provider: ProviderModel, llm: Config['llm']) {
    this.provider = provider;
    this.#llm = llm;
  }

  #model(): Promise<LanguageModel> {
    this.#loadedModel ??= this.provider.loadModel();
    return this.#loadedModel;
  }

  async call(request: ModelCall): Promise<ModelCallResult> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    if (Date.now() < this.#unreachableUntil) {
      return {
        status: 'unavailable',
        error: 'LLM was unreachable moments ago; not retrying yet',
        latencyMs: 0,
        attempts: 0,
      };
    }
    // The AI SDK and the provider's package load on the first call: a process that never calls a model (none
    // configured, or nothing to ask) does not pay for them at start-up.
    const [sdk, providerErrors, model] = await Promise.all([import('ai'), import('@ai-sdk/provider'), this.#model()]);
    let lastError = '';
    let attempts = 0;
    try {
      return await withRetry(async (attempt): Promise<ModelCallResult> => {
        attempts = attempt;
        const timeoutMs = this.#llm.timeout * 1000;
        const signal = AbortSignal.timeout(timeoutMs);
        try {
          const { generateText } = sdk;
          const result = await generateText({
            model,
            system: request.system,
            messages: request.messages,
            tools: request.tools?.length ? toToolSet(sdk, request.tools) : undefined,
            toolChoice: request.tools?.length ? (request.toolChoice ?? 'auto') : undefined,
            temperature: this.#llm.temperature,
            maxOutputTokens: this.#llm.max_output_tokens,
            // The AI SDK's own retries are off: src/core/retry.ts is the one layer.
            maxRetries: 0,
            abortSignal: signal,
            providerOptions: this.provider.providerOptions as never,
            output: request.json && this.provider.jsonMode && !request.tools?.length ? JSON_TEXT_OUTPUT : undefined,
          });
          return {
            status: 'ok',
            text: withoutReasoning(result.text),
            toolCalls: result.toolCalls.map((call) => ({
              id: call.toolCallId,
              name: call.toolName,
              input: call.input,
            })),
            finishReason: result.finishReason,
            modelId: result.response.modelId || this.provider.description,
            // ollama-ai-provider-v2 reads counts Ollama left out (omitempty, e.g. a cached prompt) as 0; no prompt
            // is 0 tokens, so 0 means unknown and the budget charges an estimate instead of nothing.
            inputTokens: result.usage.inputTokens || undefined,
            outputTokens: result.usage.outputTokens || undefined,
            latencyMs: elapsed(),
            attempts: attempt,
          };
        } catch (error) {
          // The model answered, with a tool call where none is allowed (the forced final turn): an answer the caller
          // rejects as invalid, not a model that is down.
          if (sdk.ToolChoiceViolationError.isInstance(error)) {
            return {
              status: 'ok',
              text: '',
              toolCalls: [{ id: 'tool-choice-violation', name: '(tool call where none is allowed)', input: null }],
              finishReason: 'tool-calls',
              modelId: this.provider.description,
              latencyMs: elapsed(),
              attempts: attempt,
            };
          }
          const failure = classify(error, signal, timeoutMs, providerErrors.APICallError, this.provider.description);
          lastError = failure.message;
          if (failure.unreachable) this.#unreachableUntil = Date.now() + this.#llm.unavailable_cooldown * 1000;
          throw new IntegrationError('llm', failure.message, {
            cause: error,
            isRetryable: failure.retryable,
            retryAfterMs: failure.retryAfterMs,
          });
        }
      }, this.#retryPolicy());
    } catch (error) {
      if (!(error instanceof IntegrationError)) lastError = errorMessage(error);
      return { status: 'unavailable', error: redactSecrets(lastError), latencyMs: elapsed(), attempts };
    }
  }

  /** 429 and 5xx only; a timed-out attempt is final (the model is too slow, not failing); see src/core/retry.ts. */
  #retryPolicy(): RetryPolicy {
    const attempts = this.#llm.max_retries + 1;
    const maxDelayMs = this.#llm.retry_max_delay * 1000;
    return {
      attempts,
      baseDelayMs: this.#llm.retry_base_delay * 1000,
      maxDelayMs,
      totalTimeMs: attempts * (this.#llm.timeout * 1000 + maxDelayMs),
    };
  }
}

interface Failure {
  message: string;
  retryable: boolean;
  unreachable: boolean;
  retryAfterMs?: number;
}

function classify(
  error: unknown,
  signal: AbortSignal,
  timeoutMs: number,
  ApiCallError: typeof APICallError,
  model: string,
): Failure {
  if (signal.aborted) {
    return { message: `no answer within ${timeoutMs / 1000}s (llm.timeout)`, retryable: false, unreachable: false };
  }
  const apiError = findApiError(error, ApiCallError);
  if (apiError) {
    const status = apiError.statusCode;
    if (status === undefined) {
      // connection refused, DNS failure, reset: the server is not there, retrying now only delays the caller
      return { message: apiError.message, retryable: false, unreachable: true };
    }
    const body = readServerErrorBody(apiError.responseBody);
    const retryable = isRetryableFailure(status, body);
    // A 200 whose body is an error, not an answer: the server's code says what really happened.
    const inPlace =
      status < 300 && body?.message
        ? ` with an error in place of the answer${body.code !== undefined ? ` (code ${body.code})` : ''}`
        : '';
    const words =
      body?.message ?? `${apiError.message}${apiError.responseBody ? `: ${apiError.responseBody.slice(0, 300)}` : ''}`;
    return {
      message: `HTTP ${status} from ${endpoint(apiError.url)} (${model})${inPlace}: ${words}`,
      retryable,
      unreachable: false,
      retryAfterMs: retryable ? retryAfter(apiError.responseHeaders) : undefined,
    };
  }
  return { message: errorMessage(error), retryable: false, unreachable: false };
}

/** Where the call went, without credentials or query: the user must see which server and path said no. */
function endpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'the LLM server';
  }
}

function findApiError(error: unknown, ApiCallError: typeof APICallError): APICallError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (ApiCallError.isInstance(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function retryAfter(headers: Record<string, string> | undefined): number | undefined {
  // OpenAI-compatible servers may send milliseconds; everyone else the standard header.
  const milliseconds = Number(headers?.['retry-after-ms']);
  if (headers?.['retry-after-ms'] !== undefined && Number.isFinite(milliseconds) && milliseconds >= 0)
    return milliseconds;
  return parseRetryAfter(headers?.['retry-after']);
}

function toToolSet({ tool, jsonSchema }: typeof import('ai'), tools: readonly OfferedTool[]): ToolSet {
  // No validation here on purpose: every call, valid or not, comes back so our guard can judge and record it.
  return Object.fromEntries(
    tools.map((offered) => [
      offered.name,
      tool({
        description: offered.description,
        inputSchema: jsonSchema(z.toJSONSchema(offered.argumentsSchema, { io: 'input', target: 'draft-7' }) as never),
      }),
    ]),
  );
}

/** Requests JSON mode from the provider but leaves parsing and validation to us (we repair once, then give up). */
const JSON_TEXT_OUTPUT: OutputInterface<string, string, never> = {
  name: 'json-text',
  responseFormat: Promise.resolve({ type: 'json' }),
  parseCompleteOutput: async ({ text }) => text,
  parsePartialOutput: async ({ text }) => ({ partial: text }),
  createElementStreamTransform: () => undefined,
};
