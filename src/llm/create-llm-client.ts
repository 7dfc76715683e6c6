import type { Config } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import { GuardedLlmClient } from './guarded-llm-client.ts';
import type { LlmClient } from './llm-client.ts';
import { LlmExchangeStore } from './llm-exchange-store.ts';
import { ModelCaller } from './model-caller.ts';
import { createProviderModel } from './providers/provider-registry.ts';

/**
 * The configured LLM, or undefined when none is configured (`service_type: url` without `url`, `api_key` without a
 * key): capabilities then take their deterministic path. Throws ConfigError for a malformed `llm.url`.
 */
export function createLlmClient(config: Config, store: Store): LlmClient | undefined {
  return createGuardedLlmClient(config, store);
}

/** The same, typed as the concrete client the agent loop needs. */
export function createGuardedLlmClient(config: Config, store: Store): GuardedLlmClient | undefined {
  const provider = createProviderModel(config.llm);
  if (!provider) return undefined;
  return new GuardedLlmClient(new ModelCaller(provider, config.llm), config, new LlmExchangeStore(store));
}
