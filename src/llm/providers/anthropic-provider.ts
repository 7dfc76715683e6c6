import { createAnthropic } from '@ai-sdk/anthropic';
import type { ProviderModel, ProviderSettings } from './provider-model.ts';

/** Anthropic Messages API. It has no schema-less JSON mode, so JSON comes from the prompt and our own validation. */
export function createAnthropicModel(settings: ProviderSettings): ProviderModel {
  const provider = createAnthropic({ apiKey: settings.apiKey, baseURL: settings.baseURL });
  return {
    kind: 'anthropic',
    model: provider.messages(settings.model),
    description: `anthropic/${settings.model}`,
    jsonMode: false,
  };
}
