import type { LanguageModel } from 'ai';

export const PROVIDER_KINDS = ['ollama', 'openai', 'anthropic', 'groq', 'openai-compatible'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** What a provider factory needs; `baseURL` is always set for url-based providers and optional for hosted ones. */
export interface ProviderSettings {
  model: string;
  baseURL?: string;
  apiKey?: string;
  temperature: number;
  maxOutputTokens: number;
  numCtx: number;
}

/** A ready model plus what the calling code must know about its provider. */
export interface ProviderModel {
  kind: ProviderKind;
  /** The AI SDK model, created on first use: its packages load only when a model is actually called. */
  loadModel(): Promise<LanguageModel>;
  /** `kind/model`, for the audit and headers. */
  description: string;
  /** The provider honours a plain JSON response format (no schema); off where servers reject it (LM Studio). */
  jsonMode: boolean;
  /** Sent with every call (Ollama options such as num_ctx). */
  providerOptions?: Record<string, Record<string, never> | Record<string, unknown>>;
}

export type ProviderFactory = (settings: ProviderSettings) => ProviderModel;
