import { z } from 'zod';
import { duration } from '../duration.ts';

/**
 * The spec's `llm:` block, plus limits. Without `url` (service_type url) or `api_key` (service_type api_key), the
 * agent runs without an LLM and every capability takes its deterministic path.
 */
export const llmSection = z
  .strictObject({
    service_type: z.enum(['url', 'api_key']).default('url'),
    /** service_type url: Ollama (`.../api/generate`, `.../api/chat`) or an OpenAI-compatible base URL (`.../v1`).
     * service_type api_key: optional base URL override for the provider (a proxy or gateway). */
    url: z.string().optional(),
    /** service_type api_key: openai | anthropic | groq. service_type url: forces ollama or openai-compatible. */
    provider: z.enum(['openai', 'anthropic', 'groq', 'openai-compatible', 'ollama']).optional(),
    api_key: z.string().optional(),
    model: z.string().default('llama3'),
    temperature: z.number().min(0).max(2).default(0.2),
    /** Per attempt; a timed-out attempt is not retried (the model is too slow, not failing). */
    timeout: duration().default(60),
    /** Retries on 429 and 5xx, with jittered exponential backoff; Retry-After is honoured, and one longer than
     * `retry_max_delay` ends the retries (src/core/retry.ts). */
    max_retries: z.number().int().min(0).max(10).default(2),
    retry_base_delay: duration().default(1),
    retry_max_delay: duration().default(20),
    /** After the model was unreachable, further calls answer `unavailable` at once for this long. */
    unavailable_cooldown: duration().default(30),
    /** Ollama context window, set explicitly so long prompts are not silently truncated. */
    num_ctx: z.number().int().positive().default(8192),
    max_output_tokens: z.number().int().positive().default(1024),
    /** Estimated prompt tokens + max_output_tokens must fit in this, or the call is refused as over budget. */
    token_budget_per_call: z.number().int().positive().default(16000),
    token_budget_per_incident: z.number().int().positive().default(20000),
    max_turns: z.number().int().min(1).max(20).default(5),
    /** Tokens spent on incident investigations in any rolling hour, across incidents and processes. */
    token_budget_per_hour: z.number().int().positive().default(200000),
    /**
     * Auto mode with an LLM: a new incident waits for the model's verdict before it is blocked. The model can only
     * downgrade ("not scanning" sends it to review); a timeout, an unavailable model or an invalid answer blocks.
     */
    confirm_before_block: z.boolean().default(true),
    /** How long a new incident waits for that verdict, counted from detection (queue time included). */
    confirm_timeout: duration().default(20),
    /** Investigations run in the background, at most this many at once. */
    investigation_concurrency: z.number().int().min(1).max(32).default(2),
    /** Incidents waiting for an investigation; beyond it an incident is marked `queue_full` and retried later. */
    investigation_queue_size: z.number().int().min(1).max(100000).default(100),
    /** How often incidents marked as not investigated (queue full, budget, LLM down) are tried again. */
    investigation_retry_interval: duration().default(60),
    /** Prices in USD per million tokens, when known; the audit records the cost of each exchange. */
    input_cost_per_million: z.number().min(0).optional(),
    output_cost_per_million: z.number().min(0).optional(),
  })
  .prefault({});
