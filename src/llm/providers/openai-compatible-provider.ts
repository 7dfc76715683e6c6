import { fetchWithChatCompletionQuirksFixed } from './chat-completion-quirks.ts';
import type { ProviderModel, ProviderSettings } from './provider-model.ts';

/**
 * Any server speaking OpenAI chat completions under a `/v1` base URL (vLLM, LM Studio, llama.cpp server, LocalAI).
 * JSON mode stays off: LM Studio rejects `response_format: json_object`, and the prompt plus validation suffice.
 */
export function createOpenAiCompatibleModel(settings: ProviderSettings): ProviderModel {
  if (!settings.baseURL) throw new Error('openai-compatible provider needs a base URL');
  const baseURL = settings.baseURL;
  return {
    kind: 'openai-compatible',
    loadModel: async () => {
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      const provider = createOpenAICompatible({
        name: 'openai-compatible',
        baseURL,
        apiKey: settings.apiKey,
        includeUsage: true,
        fetch: fetchWithChatCompletionQuirksFixed(),
      });
      return provider.chatModel(settings.model);
    },
    description: `openai-compatible/${settings.model}`,
    jsonMode: false,
  };
}
