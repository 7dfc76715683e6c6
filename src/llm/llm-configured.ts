import type { Config } from '../config/schema.ts';

/**
 * Whether the config names a model at all (`service_type: url` with a `url`, or `api_key` with a key and a provider).
 * Cheap and import-free, so that a process without an LLM never loads the LLM client, the agent loop or the
 * investigation queue (about 40 modules the idle daemon would otherwise keep in memory).
 */
export function llmConfigured(llm: Config['llm']): boolean {
  return llm.service_type === 'api_key' ? Boolean(llm.api_key && llm.provider) : Boolean(llm.url);
}
