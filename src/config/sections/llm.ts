import { z } from 'zod';
import { duration } from '../duration.ts';

/** The spec's `llm:` block, plus limits. Without `url` (service_type url) or `api_key`, the agent runs without an LLM. */
export const llmSection = z
  .strictObject({
    service_type: z.enum(['url', 'api_key']).default('url'),
    url: z.string().optional(),
    provider: z.enum(['openai', 'anthropic', 'groq', 'openai-compatible', 'ollama']).optional(),
    api_key: z.string().optional(),
    model: z.string().default('llama3'),
    temperature: z.number().min(0).max(2).default(0.2),
    timeout: duration().default(60),
    max_retries: z.number().int().min(0).max(10).default(2),
    /** Ollama context window, set explicitly so long prompts are not silently truncated. */
    num_ctx: z.number().int().positive().default(8192),
    max_output_tokens: z.number().int().positive().default(1024),
    token_budget_per_incident: z.number().int().positive().default(20000),
    max_turns: z.number().int().min(1).max(20).default(5),
  })
  .prefault({});
