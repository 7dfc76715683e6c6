import type { ProviderModel, ProviderSettings } from './provider-model.ts';

/** Anthropic Messages API. It has no schema-less JSON mode, so JSON comes from the prompt and our own validation. */
export function createAnthropicModel(settings: ProviderSettings): ProviderModel {
  return {
    kind: 'anthropic',
    loadModel: async () => {
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      return createAnthropic({ apiKey: settings.apiKey, baseURL: settings.baseURL }).messages(settings.model);
    },
    description: `anthropic/${settings.model}`,
    jsonMode: false,
  };
}
