import { createOpenAI } from '@ai-sdk/openai';
import type { ProviderModel, ProviderSettings } from './provider-model.ts';

/** OpenAI over the Chat Completions API (the widest-supported wire format; `url` may point at a gateway). */
export function createOpenAiModel(settings: ProviderSettings): ProviderModel {
  const provider = createOpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL });
  return {
    kind: 'openai',
    model: provider.chat(settings.model),
    description: `openai/${settings.model}`,
    jsonMode: true,
  };
}
