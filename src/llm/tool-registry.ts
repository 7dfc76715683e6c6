import type { z } from 'zod';
import { describeIssues } from './json-answer.ts';
import type { OfferedTool, RawToolCall } from './model-caller.ts';

export interface ToolContext {
  runId: string;
  incidentId?: number;
  turn: number;
}

/** A gate is deterministic policy run before a tool: the model's wish never reaches `run` unless it passes. */
export type GateResult = { allowed: true } | { allowed: false; reason: string };

export type ToolOutcome =
  | { status: 'ok'; output: unknown }
  /** Review mode: the action was recorded as a recommendation for a human, not performed. */
  | { status: 'recommended'; output: unknown }
  | { status: 'refused' | 'failed'; reason: string; output?: unknown };

export interface AgentTool<A = unknown> {
  name: string;
  description: string;
  argumentsSchema: z.ZodType<A>;
  gate?(args: A, context: ToolContext): GateResult | Promise<GateResult>;
  run(args: A, context: ToolContext): Promise<ToolOutcome>;
}

export type ValidatedCall = { ok: true; tool: AgentTool; args: unknown } | { ok: false; reason: string };

/** The tools one agent run may use; a call is accepted only for a registered name with valid, small arguments. */
export class ToolRegistry {
  readonly #tools = new Map<string, AgentTool>();
  readonly #maxArgumentChars: number;

  constructor(tools: readonly AgentTool<never>[], maxArgumentChars: number) {
    for (const tool of tools) {
      if (this.#tools.has(tool.name)) throw new Error(`tool ${tool.name} registered twice`);
      this.#tools.set(tool.name, tool as unknown as AgentTool);
    }
    this.#maxArgumentChars = maxArgumentChars;
  }

  get names(): string[] {
    return [...this.#tools.keys()];
  }

  offered(): OfferedTool[] {
    return [...this.#tools.values()].map((tool) => ({
      name: tool.name,
      description: tool.description,
      argumentsSchema: tool.argumentsSchema,
    }));
  }

  validate(call: RawToolCall): ValidatedCall {
    const tool = this.#tools.get(call.name);
    if (!tool) {
      return {
        ok: false,
        reason: `unknown tool ${JSON.stringify(call.name.slice(0, 80))} (known: ${this.names.join(', ')})`,
      };
    }
    const size = JSON.stringify(call.input ?? null).length;
    if (size > this.#maxArgumentChars) {
      return {
        ok: false,
        reason: `arguments of ${call.name} are ${size} characters, over guardrails.max_tool_argument_chars (${this.#maxArgumentChars})`,
      };
    }
    const parsed = tool.argumentsSchema.safeParse(call.input);
    if (!parsed.success)
      return { ok: false, reason: `invalid arguments for ${call.name}: ${describeIssues(parsed.error)}` };
    return { ok: true, tool, args: parsed.data };
  }
}
