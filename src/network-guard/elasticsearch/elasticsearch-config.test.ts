import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config/load-config.ts';

function load(overrides: Record<string, unknown>) {
  return loadConfig({ overrides: { 'elasticsearch.url': 'https://es.example.com:9200', ...overrides }, env: {} });
}

describe('elasticsearch config section', () => {
  it('has the spec keys with safe defaults', () => {
    const { config, errors } = load({});
    assert.deepEqual(errors, []);
    const settings = config?.elasticsearch;
    assert.ok(settings);
    assert.equal(settings.index_pattern, 'traefik-logs-*');
    assert.equal(settings.insecure, false);
    assert.equal(settings.flavor, 'auto');
    assert.equal(settings.profile, 'auto');
    assert.equal(settings.interval, 60);
    assert.equal(settings.ingest_delay, 30);
    assert.equal(settings.page_size, 2000);
    assert.deepEqual(settings.llm_queries, {
      max_hits: 50,
      max_buckets: 100,
      max_range: 604800,
      timeout: 10,
      investigate: true,
    });
  });

  it('names the key of every bad value', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ 'elasticsearch.flavor': 'solr' }, /elasticsearch\.flavor/],
      [{ 'elasticsearch.profile': 'nginx' }, /elasticsearch\.profile/],
      [{ 'elasticsearch.fields.client': 'x' }, /elasticsearch\.fields/],
      [{ 'elasticsearch.username': 'agent' }, /elasticsearch\.password: username is set but password is missing/],
      [{ 'elasticsearch.api_key': 'k', 'elasticsearch.bearer_token': 't' }, /elasticsearch\.api_key: choose one of/],
      [{ 'elasticsearch.llm_queries.max_hits': 1000 }, /elasticsearch\.llm_queries\.max_hits/],
      [{ 'elasticsearch.interval': 'soon' }, /elasticsearch\.interval/],
    ];
    for (const [overrides, pattern] of cases) {
      const { errors } = load(overrides);
      assert.ok(
        errors.some((error) => pattern.test(error)),
        `${pattern} in ${JSON.stringify(errors)}`,
      );
    }
  });
});
