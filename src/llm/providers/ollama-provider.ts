import { createOllama } from 'ollama-ai-provider-v2';
import type { ProviderModel, ProviderSettings } from './provider-model.ts';

/**
 * Ollama's native /api/chat (tools, `format: json`). num_ctx is always sent: Ollama's default window is small and it
 * truncates longer prompts silently, which would cut the fenced data and the schema out of the prompt.
 */
export function createOllamaModel(settings: ProviderSettings): ProviderModel {
  const provider = createOllama({ baseURL: settings.baseURL });
  return {
    kind: 'ollama',
    model: provider.chat(settings.model),
    description: `ollama/${settings.model}`,
    jsonMode: true,
    providerOptions: {
      ollama: {
        options: {
          num_ctx: settings.numCtx,
          num_predict: settings.maxOutputTokens,
          temperature: settings.temperature,
        },
      },
    },
  };
}
