import type { ProviderModel, ProviderSettings } from './provider-model.ts';

/**
 * Ollama's native /api/chat (tools, `format: json`). num_ctx is always sent: Ollama's default window is small and it
 * truncates longer prompts silently, which would cut the fenced data and the schema out of the prompt.
 */
export function createOllamaModel(settings: ProviderSettings): ProviderModel {
  return {
    kind: 'ollama',
    loadModel: async () => {
      const { createOllama } = await import('ollama-ai-provider-v2');
      return createOllama({ baseURL: settings.baseURL }).chat(settings.model);
    },
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
