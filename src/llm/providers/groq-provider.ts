import type { ProviderModel, ProviderSettings } from './provider-model.ts';

/** Groq's OpenAI-style chat completions endpoint. */
export function createGroqModel(settings: ProviderSettings): ProviderModel {
  return {
    kind: 'groq',
    loadModel: async () => {
      const { createGroq } = await import('@ai-sdk/groq');
      return createGroq({ apiKey: settings.apiKey, baseURL: settings.baseURL })(settings.model);
    },
    description: `groq/${settings.model}`,
    jsonMode: true,
  };
}
