// The search client's one retry layer (src/core/retry.ts) against the real Elasticsearch, through a proxy that answers
// 429/503 with Retry-After the way an overloaded cluster (full search queue, circuit breaker) does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { IntegrationError } from '../../core/errors.ts';
import { createSearchBackend, type SearchBackend } from './search-backend.ts';
import { searchEngines, uniqueSuffix } from './testing/es-test-setup.ts';
import { FaultProxy } from './testing/fault-proxy.ts';

const [engine] = await searchEngines();
const REJECTED = { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' }, status: 429 };

describe('search retries against a real Elasticsearch', () => {
  const proxy = new FaultProxy(engine.url);
  const index = `search-retry-${uniqueSuffix()}`;
  let backend: SearchBackend;

  before(async () => {
    const url = await proxy.start();
    const config = defaultConfig({
      'elasticsearch.url': url,
      'elasticsearch.index_pattern': index,
      'elasticsearch.max_retries': 2,
    });
    assert.ok(config.elasticsearch);
    backend = await createSearchBackend(config.elasticsearch, { backoffMs: 5 });
    proxy.pathFilter = '_count';
  });

  after(async () => {
    await backend?.close();
    await proxy.close();
  });

  const counts = () => proxy.requests.filter((request) => request.path.includes('_count')).length;

  it('a 429 with Retry-After: 1 is retried after the second it asks for, then answers', async () => {
    proxy.requests = [];
    proxy.fault = { kind: 'status', status: 429, body: REJECTED, headers: { 'retry-after': '1' }, times: 1 };
    const started = performance.now();
    const result = await backend.count(`${index}*`, undefined);
    const waited = performance.now() - started;
    assert.equal(result.body.count, 0);
    assert.equal(counts(), 2);
    // backoffMs is 5: only the server's Retry-After explains a pause of a second.
    assert.ok(waited >= 950, `waited ${Math.round(waited)} ms`);
  });

  it('503s are retried max_retries times, then a retryable IntegrationError; 400s are not retried', async () => {
    proxy.requests = [];
    proxy.fault = { kind: 'status', status: 503, body: { error: 'unavailable', status: 503 } };
    await assert.rejects(backend.count(`${index}*`, undefined), (error: unknown) => {
      assert.ok(error instanceof IntegrationError && error.isRetryable && error.statusCode === 503);
      return true;
    });
    assert.equal(counts(), 3);
    proxy.requests = [];
    proxy.fault = { kind: 'status', status: 400, body: { error: { type: 'parsing_exception', reason: 'bad' } } };
    await assert.rejects(backend.count(`${index}*`, undefined), /request refused \(HTTP 400\)/);
    assert.equal(counts(), 1);
  });
});
