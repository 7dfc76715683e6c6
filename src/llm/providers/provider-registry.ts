import type { Config } from '../../config/schema.ts';
import { ConfigError } from '../../core/errors.ts';
import { llmConfigured } from '../llm-configured.ts';
import { createAnthropicModel } from './anthropic-provider.ts';
import { createGroqModel } from './groq-provider.ts';
import { createOllamaModel } from './ollama-provider.ts';
import { createOpenAiCompatibleModel } from './openai-compatible-provider.ts';
import { createOpenAiModel } from './openai-provider.ts';
import { PROVIDER_KINDS, type ProviderFactory, type ProviderKind, type ProviderModel } from './provider-model.ts';

export const PROVIDER_FACTORIES = {
  ollama: createOllamaModel,
  openai: createOpenAiModel,
  anthropic: createAnthropicModel,
  groq: createGroqModel,
  'openai-compatible': createOpenAiCompatibleModel,
} satisfies Record<ProviderKind, ProviderFactory>;

/** Picks the provider the `llm:` section describes; undefined when no LLM is configured. Throws ConfigError. */
export function createProviderModel(llm: Config['llm']): ProviderModel | undefined {
  const target = resolveProvider(llm);
  if (!target) return undefined;
  const factory = (PROVIDER_FACTORIES as Record<string, ProviderFactory>)[target.kind];
  if (!factory) {
    throw new ConfigError([`llm.provider: unknown provider "${target.kind}" (known: ${PROVIDER_KINDS.join(', ')})`]);
  }
  return factory({
    model: llm.model,
    baseURL: target.baseURL,
    apiKey: llm.api_key,
    temperature: llm.temperature,
    maxOutputTokens: llm.max_output_tokens,
    numCtx: llm.num_ctx,
  });
}

export function resolveProvider(llm: Config['llm']): { kind: ProviderKind; baseURL?: string } | undefined {
  if (!llmConfigured(llm)) return undefined;
  if (llm.service_type === 'api_key' && llm.provider) {
    if (llm.provider === 'ollama' || llm.provider === 'openai-compatible') {
      if (!llm.url) throw new ConfigError([`llm.url: required for provider ${llm.provider}`]);
      return classifyLlmUrl(llm.url, llm.provider);
    }
    return { kind: llm.provider, baseURL: llm.url ? parseHttpUrl(llm.url).href.replace(/\/+$/, '') : undefined };
  }
  if (!llm.url) return undefined;
  // service_type url (also what --llm-url selects) means a self-hosted server; a hosted provider name left in the
  // file is ignored so the flag really overrides it
  const forced = llm.provider === 'ollama' || llm.provider === 'openai-compatible' ? llm.provider : undefined;
  return classifyLlmUrl(llm.url, forced);
}

/**
 * Ollama URLs (`/api/generate`, `/api/chat`, `/api`, or port 11434) become the Ollama provider at that host's `/api`
 * (the chat endpoint, which supports tools and JSON format); anything else is an OpenAI-compatible base URL, with
 * `/v1` added when the URL has no path and a pasted `/chat/completions` removed.
 */
export function classifyLlmUrl(
  url: string,
  forced?: 'ollama' | 'openai-compatible',
): { kind: 'ollama' | 'openai-compatible'; baseURL: string } {
  const parsed = parseHttpUrl(url);
  const path = parsed.pathname.replace(/\/+$/, '');
  const ollamaPath = /^(.*)\/api(?:\/(?:generate|chat))?$/.exec(path);
  if (forced === 'ollama' || (forced === undefined && (ollamaPath || (path === '' && parsed.port === '11434')))) {
    const prefix = ollamaPath ? ollamaPath[1] : path;
    return { kind: 'ollama', baseURL: `${parsed.origin}${prefix}/api` };
  }
  const trimmed = path.replace(/\/chat\/completions$/, '');
  return { kind: 'openai-compatible', baseURL: `${parsed.origin}${trimmed === '' ? '/v1' : trimmed}` };
}

function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError([`llm.url: not a valid URL: ${JSON.stringify(url)}`]);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError([`llm.url: expected an http:// or https:// URL, got ${JSON.stringify(url)}`]);
  }
  return parsed;
}
