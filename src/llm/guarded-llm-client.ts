import type { ModelMessage } from 'ai';
import type { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { redactSecrets } from '../core/redact.ts';
import { UNTRUSTED_DATA_NOTICE } from './guardrails/fence-data.ts';
import type { InjectionFlag } from './guardrails/injection-detector.ts';
import { type GuardedData, InputGuard } from './guardrails/input-guard.ts';
import { parseJsonAnswer, schemaForPrompt } from './json-answer.ts';
import type { LlmClient, LlmJsonRequest, LlmResult } from './llm-client.ts';
import type { ExchangeValidation, LlmExchangeStore } from './llm-exchange-store.ts';
import type { ModelCaller, ModelCallResult, OfferedTool, RawToolCall } from './model-caller.ts';

/** One agent turn: the model either calls tools or answers; an answer is validated against `answerSchema`. */
export interface LlmChatRequest<T> {
  purpose: string;
  system: string;
  messages: ModelMessage[];
  tools: readonly OfferedTool[];
  /** `none`: the forced final turn, an answer without tool calls. */
  toolChoice?: 'auto' | 'none';
  answerSchema: z.ZodType<T>;
  incidentId?: number;
  runId: string;
  turn: number;
  flags?: InjectionFlag[];
}

export type LlmChatResult<T> =
  | { status: 'tool_calls'; text: string; toolCalls: RawToolCall[]; tokens: number }
  | { status: 'answer'; text: string; value: T; tokens: number }
  | { status: 'invalid_answer'; text: string; error: string; tokens: number }
  | { status: 'unavailable'; error: string }
  | { status: 'over_budget'; error: string };

/**
 * The LlmClient every capability uses: guardrails on the way in, a schema on the way out, budgets, and an audit row
 * plus a JSONL entry for every exchange whatever its outcome.
 */
export class GuardedLlmClient implements LlmClient {
  readonly description: string;
  readonly settings: Config['llm'];
  readonly guard: InputGuard;
  readonly records: LlmExchangeStore;
  readonly #caller: ModelCaller;

  constructor(caller: ModelCaller, config: Config, records: LlmExchangeStore) {
    this.#caller = caller;
    this.description = caller.provider.description;
    this.settings = config.llm;
    this.guard = new InputGuard(config.guardrails);
    this.records = records;
  }

  async generateJson<T>(request: LlmJsonRequest<T>): Promise<LlmResult<T>> {
    const guarded = request.data === undefined ? undefined : this.guardData(request.data, 'data', request);
    const base = { purpose: request.purpose, incidentId: request.incidentId, flags: guarded?.flags ?? [] };
    const system = [
      this.guard.trusted(request.system),
      guarded ? UNTRUSTED_DATA_NOTICE : '',
      `Answer with one JSON object only, no prose and no code fence, valid against this JSON Schema: ${schemaForPrompt(request.schema)}`,
    ]
      .filter(Boolean)
      .join('\n\n');
    const messages: ModelMessage[] = [
      {
        role: 'user',
        content: [this.guard.trusted(request.instruction), guarded?.fenced].filter(Boolean).join('\n\n'),
      },
    ];
    if (guarded?.blocked) {
      const error = `input blocked by guardrails: ${guarded.flags.map((flag) => flag.rule).join(', ')}`;
      this.#record({ ...base, system, messages }, undefined, 'blocked', error);
      return { status: 'blocked', error };
    }
    let totals = { inputTokens: 0, outputTokens: 0, latencyMs: 0 };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const budget = this.#checkBudget(system, messages, request.incidentId);
      if (budget) {
        this.#record({ ...base, system, messages }, undefined, 'over_budget', budget);
        return { status: 'over_budget', error: budget };
      }
      const result = await this.#caller.call({ system, messages, json: true });
      if (result.status !== 'ok') {
        this.#record({ ...base, system, messages }, result, 'unavailable', result.error);
        return { status: 'unavailable', error: result.error };
      }
      const usage = this.#usage(system, messages, result);
      totals = {
        inputTokens: totals.inputTokens + usage.inputTokens,
        outputTokens: totals.outputTokens + usage.outputTokens,
        latencyMs: totals.latencyMs + result.latencyMs,
      };
      const refusal = refused(result);
      const answer = this.#cutOff(result) ?? refusal ?? parseJsonAnswer(result.text, request.schema);
      const validation: ExchangeValidation = answer.ok ? (attempt === 1 ? 'valid' : 'repaired') : 'invalid';
      this.#record({ ...base, system, messages }, result, validation, answer.ok ? undefined : answer.error);
      // Asking again with the same data only earns the same refusal, at full price.
      if (refusal) return { status: 'invalid', error: refusal.error };
      if (answer.ok) {
        return {
          status: 'ok',
          value: answer.value,
          model: result.modelId,
          ...totals,
          injections: guarded?.flags ?? [],
        };
      }
      if (attempt === 2) return { status: 'invalid', error: `answer still invalid after one repair: ${answer.error}` };
      messages.push(
        { role: 'assistant', content: result.text.slice(0, 4000) },
        {
          role: 'user',
          content: `Your answer was rejected: ${answer.error}. Reply again with only the corrected JSON object.`,
        },
      );
    }
    return { status: 'invalid', error: 'unreachable' };
  }

  /** One turn of the agent loop (see agent-loop.ts). */
  async chat<T>(request: LlmChatRequest<T>): Promise<LlmChatResult<T>> {
    const base = {
      purpose: request.purpose,
      incidentId: request.incidentId,
      runId: request.runId,
      turn: request.turn,
      flags: request.flags ?? [],
    };
    const prompt = { ...base, system: request.system, messages: request.messages };
    const budget = this.#checkBudget(request.system, request.messages, request.incidentId);
    if (budget) {
      this.#record(prompt, undefined, 'over_budget', budget);
      return { status: 'over_budget', error: budget };
    }
    const result = await this.#caller.call({
      system: request.system,
      messages: request.messages,
      tools: request.tools,
      toolChoice: request.toolChoice,
    });
    if (result.status !== 'ok') {
      this.#record(prompt, result, 'unavailable', result.error);
      return { status: 'unavailable', error: result.error };
    }
    const usage = this.#usage(request.system, request.messages, result);
    const tokens = usage.inputTokens + usage.outputTokens;
    const unread = this.#cutOff(result) ?? refused(result);
    if (unread) {
      this.#record(prompt, result, 'invalid', unread.error);
      return { status: 'invalid_answer', text: result.text, error: unread.error, tokens };
    }
    if (result.toolCalls.length > 0 && request.toolChoice === 'none') {
      const error = 'tool calls in the final turn, where no tool may be called';
      this.#record(prompt, result, 'invalid', error);
      return { status: 'invalid_answer', text: result.text, error, tokens };
    }
    if (result.toolCalls.length > 0) {
      this.#record(prompt, result, 'tool_calls');
      return { status: 'tool_calls', text: result.text, toolCalls: result.toolCalls, tokens };
    }
    const answer = parseJsonAnswer(result.text, request.answerSchema);
    this.#record(prompt, result, answer.ok ? 'valid' : 'invalid', answer.ok ? undefined : answer.error);
    return answer.ok
      ? { status: 'answer', text: result.text, value: answer.value, tokens }
      : { status: 'invalid_answer', text: result.text, error: answer.error, tokens };
  }

  /** Redacts, caps, fences and scans untrusted data; flags go to the audit at once. */
  guardData(
    data: unknown,
    source: string,
    context: { purpose: string; incidentId?: number; runId?: string },
  ): GuardedData {
    const guarded = this.guard.guard(data, source);
    if (guarded.flags.length > 0) {
      this.records.recordEvent('llm_injection_flagged', {
        ...context,
        source,
        flags: guarded.flags,
        blocked: guarded.blocked,
      });
    }
    return guarded;
  }

  tokensUsed(incidentId: number): number {
    return this.records.tokensUsed(incidentId);
  }

  /** Tokens spent on incident investigations in the rolling hour (llm.token_budget_per_hour). */
  hourlyTokensUsed(now = Date.now()): number {
    return this.records.incidentTokensSince(new Date(now - 3600_000));
  }

  #checkBudget(system: string, messages: ModelMessage[], incidentId?: number): string | undefined {
    const estimate = estimateTokens(system, messages) + this.settings.max_output_tokens;
    if (estimate > this.settings.token_budget_per_call) {
      return `estimated ${estimate} tokens exceed llm.token_budget_per_call (${this.settings.token_budget_per_call})`;
    }
    if (incidentId !== undefined) {
      const used = this.records.tokensUsed(incidentId);
      if (used + estimate > this.settings.token_budget_per_incident) {
        return `incident ${incidentId} has used ${used} tokens; ${estimate} more would exceed llm.token_budget_per_incident (${this.settings.token_budget_per_incident})`;
      }
      const hour = this.hourlyTokensUsed();
      if (hour + estimate > this.settings.token_budget_per_hour) {
        return `incident investigations used ${hour} tokens in the last hour; ${estimate} more would exceed llm.token_budget_per_hour (${this.settings.token_budget_per_hour})`;
      }
    }
    return undefined;
  }

  /**
   * An answer the token limit cut off is not read, tool calls included: what parses of it may be a draft the model
   * was about to revise (a cut `{"verdict":"benign"} ... but {"verdict":"malic` reads as benign), and a cut tool call
   * is not the call the model meant.
   */
  #cutOff(result: ModelCallResult & { status: 'ok' }): { ok: false; error: string } | undefined {
    if (result.finishReason !== 'length') return undefined;
    return {
      ok: false,
      error: `the answer was cut off at llm.max_output_tokens (${this.settings.max_output_tokens}) before it ended; answer shorter`,
    };
  }

  #usage(system: string, messages: ModelMessage[], result: ModelCallResult & { status: 'ok' }) {
    // Providers that report no usage are charged an estimate, so a budget cannot be dodged by a silent server.
    return {
      inputTokens: result.inputTokens ?? estimateTokens(system, messages),
      outputTokens: result.outputTokens ?? Math.ceil(result.text.length / 4),
    };
  }

  #record(
    prompt: {
      purpose: string;
      incidentId?: number;
      runId?: string;
      turn?: number;
      flags: unknown[];
      system: string;
      messages: ModelMessage[];
    },
    result: ModelCallResult | undefined,
    validation: ExchangeValidation,
    error?: string,
  ): void {
    const ok = result?.status === 'ok' ? result : undefined;
    const usage = ok ? this.#usage(prompt.system, prompt.messages, ok) : { inputTokens: 0, outputTokens: 0 };
    if (prompt.incidentId !== undefined && ok)
      this.records.chargeTokens(prompt.incidentId, usage.inputTokens + usage.outputTokens);
    const { input_cost_per_million: inputCost, output_cost_per_million: outputCost } = this.settings;
    this.records.recordExchange({
      purpose: prompt.purpose,
      incidentId: prompt.incidentId,
      runId: prompt.runId,
      turn: prompt.turn,
      model: ok?.modelId ?? this.description,
      prompt: { system: prompt.system, messages: prompt.messages },
      rawAnswer: ok ? JSON.stringify({ text: ok.text, toolCalls: ok.toolCalls }) : undefined,
      validation,
      error,
      ...usage,
      latencyMs: result?.latencyMs ?? 0,
      costUsd:
        inputCost !== undefined && outputCost !== undefined
          ? (usage.inputTokens * inputCost + usage.outputTokens * outputCost) / 1_000_000
          : undefined,
      flags: prompt.flags,
    });
  }
}

export function estimateTokens(system: string, messages: ModelMessage[]): number {
  return Math.ceil((system.length + JSON.stringify(messages).length) / 4);
}

/**
 * A refusal (Anthropic `stop_reason: refusal`, OpenAI `message.refusal`, a content filter) is the model declining, not
 * an answer: its text is never read as one, and it is reported as what it is, quoting the model's own words (cut short
 * and redacted like every error: model text may echo what it was shown).
 */
function refused(result: ModelCallResult & { status: 'ok' }): { ok: false; error: string } | undefined {
  if (result.finishReason !== 'content-filter') return undefined;
  const words = redactSecrets(result.text.trim().slice(0, 200));
  return { ok: false, error: `the model refused to answer (content filter)${words ? `: ${words}` : ''}` };
}
