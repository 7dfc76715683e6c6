import { z } from 'zod';
import type { LlmClient } from './llm-client.ts';

export type LlmProbe =
  | { status: 'ok'; model: string; latencyMs: number; inputTokens: number; outputTokens: number }
  | { status: 'not_configured' }
  | { status: 'unavailable' | 'invalid' | 'over_budget' | 'blocked'; model: string; error: string };

const probeSchema = z.strictObject({ ok: z.literal(true) });

/**
 * One tiny structured call through the full client (provider, retries, validation, audit), for a `check` command or
 * a health endpoint: proves the configured model answers valid JSON, not merely that a port is open.
 */
export async function probeLlm(client: LlmClient | undefined): Promise<LlmProbe> {
  if (!client) return { status: 'not_configured' };
  const result = await client.generateJson({
    purpose: 'probe',
    system: 'You are a health check.',
    instruction: 'Reply with {"ok": true}.',
    schema: probeSchema,
  });
  if (result.status !== 'ok') return { status: result.status, model: client.description, error: result.error };
  const { model, latencyMs, inputTokens, outputTokens } = result;
  return { status: 'ok', model, latencyMs, inputTokens, outputTokens };
}
