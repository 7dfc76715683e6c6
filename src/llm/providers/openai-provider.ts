import type { ProviderModel, ProviderSettings } from './provider-model.ts';

/** OpenAI over the Chat Completions API (the widest-supported wire format; `url` may point at a gateway). */
export function createOpenAiModel(settings: ProviderSettings): ProviderModel {
  return {
    kind: 'openai',
    loadModel: async () => {
      const { createOpenAI } = await import('@ai-sdk/openai');
      return createOpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL }).chat(settings.model);
    },
    description: `openai/${settings.model}`,
    jsonMode: true,
  };
}
