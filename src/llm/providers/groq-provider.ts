import { createGroq } from '@ai-sdk/groq';
import type { ProviderModel, ProviderSettings } from './provider-model.ts';

/** Groq's OpenAI-style chat completions endpoint. */
export function createGroqModel(settings: ProviderSettings): ProviderModel {
  const provider = createGroq({ apiKey: settings.apiKey, baseURL: settings.baseURL });
  return { kind: 'groq', model: provider(settings.model), description: `groq/${settings.model}`, jsonMode: true };
}
