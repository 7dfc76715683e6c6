import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { ConfigError } from '../../core/errors.ts';
import { classifyLlmUrl, createProviderModel, resolveProvider } from './provider-registry.ts';

describe('classifyLlmUrl', () => {
  it('maps Ollama URLs to the Ollama provider at the host /api', () => {
    assert.deepEqual(classifyLlmUrl('http://localhost:11434/api/generate'), {
      kind: 'ollama',
      baseURL: 'http://localhost:11434/api',
    });
    assert.deepEqual(classifyLlmUrl('http://gpu:8080/ollama/api/chat/'), {
      kind: 'ollama',
      baseURL: 'http://gpu:8080/ollama/api',
    });
    assert.deepEqual(classifyLlmUrl('http://localhost:11434'), {
      kind: 'ollama',
      baseURL: 'http://localhost:11434/api',
    });
  });

  it('maps everything else to an OpenAI-compatible /v1 base URL', () => {
    assert.deepEqual(classifyLlmUrl('http://localhost:8000/v1'), {
      kind: 'openai-compatible',
      baseURL: 'http://localhost:8000/v1',
    });
    assert.deepEqual(classifyLlmUrl('http://localhost:1234'), {
      kind: 'openai-compatible',
      baseURL: 'http://localhost:1234/v1',
    });
    assert.deepEqual(classifyLlmUrl('http://llama:8080/v1/chat/completions'), {
      kind: 'openai-compatible',
      baseURL: 'http://llama:8080/v1',
    });
  });

  it('honours a forced provider', () => {
    assert.equal(classifyLlmUrl('http://localhost:11434/v1', 'openai-compatible').kind, 'openai-compatible');
    assert.deepEqual(classifyLlmUrl('http://box:9000', 'ollama'), { kind: 'ollama', baseURL: 'http://box:9000/api' });
  });

  it('rejects non-HTTP URLs naming llm.url', () => {
    assert.throws(
      () => classifyLlmUrl('ftp://x/api'),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^llm\.url: expected an http/);
        return true;
      },
    );
    assert.throws(() => classifyLlmUrl('not a url'), /llm\.url: not a valid URL/);
  });
});

describe('resolveProvider', () => {
  it('is undefined when no LLM is configured', () => {
    assert.equal(resolveProvider(defaultConfig().llm), undefined);
  });

  it('lets --llm-url override a hosted provider left in the file', () => {
    const llm = { ...defaultConfig().llm, provider: 'openai' as const, url: 'http://localhost:11434/api/generate' };
    assert.equal(resolveProvider(llm)?.kind, 'ollama');
  });

  it('uses the hosted provider with service_type api_key, url as an optional base override', () => {
    const llm = defaultConfig({
      'llm.service_type': 'api_key',
      'llm.provider': 'anthropic',
      'llm.api_key': 'sk-ant-x',
    }).llm;
    assert.deepEqual(resolveProvider(llm), { kind: 'anthropic', baseURL: undefined });
    assert.deepEqual(resolveProvider({ ...llm, url: 'https://gateway.internal/anthropic/v1/' }), {
      kind: 'anthropic',
      baseURL: 'https://gateway.internal/anthropic/v1',
    });
  });

  it('creates every provider kind with its description', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ 'llm.url': 'http://localhost:11434/api/generate' }, 'ollama/llama3'],
      [{ 'llm.url': 'http://localhost:8000/v1' }, 'openai-compatible/llama3'],
      [{ 'llm.service_type': 'api_key', 'llm.provider': 'openai', 'llm.api_key': 'k' }, 'openai/llama3'],
      [{ 'llm.service_type': 'api_key', 'llm.provider': 'anthropic', 'llm.api_key': 'k' }, 'anthropic/llama3'],
      [{ 'llm.service_type': 'api_key', 'llm.provider': 'groq', 'llm.api_key': 'k' }, 'groq/llama3'],
    ];
    for (const [overrides, description] of cases) {
      assert.equal(createProviderModel(defaultConfig(overrides).llm)?.description, description);
    }
  });
});
