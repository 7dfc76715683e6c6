import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigOverrides, defaultConfig } from '../../config/load-config.ts';
import type { Config } from '../../config/schema.ts';
import { openStore, type Store } from '../../store/store.ts';

export interface TestStore {
  store: Store;
  databasePath: string;
  auditPath: string;
  cleanup: () => void;
}

/** A fresh SQLite store and audit file in a temporary directory. */
export function openTestStore(): TestStore {
  const directory = mkdtempSync(join(tmpdir(), 'devops-agent-llm-'));
  const databasePath = join(directory, 'agent.db');
  const auditPath = join(directory, 'audit.jsonl');
  const store = openStore(databasePath, auditPath);
  return {
    store,
    databasePath,
    auditPath,
    cleanup: () => {
      store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Defaults tuned for tests: fast backoff, short timeouts; everything else as shipped. */
export function testConfig(overrides: ConfigOverrides): Config {
  return defaultConfig({
    'llm.retry_base_delay': '10ms',
    'llm.retry_max_delay': '50ms',
    'llm.timeout': '3s',
    'llm.max_retries': 2,
    ...overrides,
  });
}

/** A single-shot client (no retries) on a loopback Ollama /api/generate at `base`, storing in `env`'s files. */
export function ollamaGenerateOverrides(base: string, env: TestStore): ConfigOverrides {
  return {
    'llm.service_type': 'url',
    'llm.url': `${base}/api/generate`,
    'llm.model': 'llama3.1:8b',
    'llm.timeout': '3s',
    'llm.max_retries': 0,
    'database.path': env.databasePath,
    'audit.path': env.auditPath,
  };
}

/** How each supported provider is configured to reach a loopback server at `base`. */
export const PROVIDER_SETUPS: Record<string, { overrides: (base: string) => ConfigOverrides; protocol: string }> = {
  'ollama (/api/generate URL)': {
    protocol: 'ollama',
    overrides: (base) => ({ 'llm.service_type': 'url', 'llm.url': `${base}/api/generate`, 'llm.model': 'llama3' }),
  },
  'ollama (/api/chat URL)': {
    protocol: 'ollama',
    overrides: (base) => ({ 'llm.service_type': 'url', 'llm.url': `${base}/api/chat`, 'llm.model': 'qwen2.5:7b' }),
  },
  openai: {
    protocol: 'openai',
    overrides: (base) => ({
      'llm.service_type': 'api_key',
      'llm.provider': 'openai',
      'llm.api_key': 'sk-test-openai-000000000000000000',
      'llm.url': `${base}/v1`,
      'llm.model': 'gpt-4o-mini',
    }),
  },
  anthropic: {
    protocol: 'anthropic',
    overrides: (base) => ({
      'llm.service_type': 'api_key',
      'llm.provider': 'anthropic',
      'llm.api_key': 'sk-ant-test-000000000000000000',
      'llm.url': `${base}/v1`,
      'llm.model': 'claude-sonnet-4-5',
    }),
  },
  groq: {
    protocol: 'openai',
    overrides: (base) => ({
      'llm.service_type': 'api_key',
      'llm.provider': 'groq',
      'llm.api_key': 'gsk_test000000000000000000000000',
      'llm.url': `${base}/openai/v1`,
      'llm.model': 'llama-3.3-70b-versatile',
    }),
  },
  'openai-compatible (vLLM/LM Studio /v1)': {
    protocol: 'openai',
    overrides: (base) => ({ 'llm.service_type': 'url', 'llm.url': `${base}/v1`, 'llm.model': 'qwen2.5-7b-instruct' }),
  },
};
