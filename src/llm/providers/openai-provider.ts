import { fetchWithChatCompletionQuirksFixed } from './chat-completion-quirks.ts';
import type { ProviderModel, ProviderSettings } from './provider-model.ts';

/**
 * OpenAI over the Chat Completions API (the widest-supported wire format; `url` may point at a gateway). Answers pass
 * the same quirk fixes as OpenAI-compatible servers: a refusal must be reported as one (chat-completion-quirks.ts).
 */
export function createOpenAiModel(settings: ProviderSettings): ProviderModel {
  return {
    kind: 'openai',
    loadModel: async () => {
      const { createOpenAI } = await import('@ai-sdk/openai');
      return createOpenAI({
        apiKey: settings.apiKey,
        baseURL: settings.baseURL,
        fetch: fetchWithChatCompletionQuirksFixed(),
      }).chat(settings.model);
    },
    description: `openai/${settings.model}`,
    jsonMode: true,
  };
}
