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

  it('reads a document filter as a list of field filters, each with a list of values; unset by default', () => {
    assert.equal(load({}).config?.elasticsearch?.document_filter, undefined);
    const one = load({ 'elasticsearch.document_filter': { field: 'event.module', values: 'traefik' } });
    assert.deepEqual(one.errors, []);
    assert.deepEqual(one.config?.elasticsearch?.document_filter, [{ field: 'event.module', values: ['traefik'] }]);
    const several = load({
      'elasticsearch.document_filter': [
        { field: 'data_stream.dataset', values: ['traefik.access'] },
        { field: 'fields.log_type', values: ['traefik', 'edge'] },
        // Filebeat's dedotted Kubernetes label app.kubernetes.io/name, as Traefik's Helm chart sets it.
        { field: 'kubernetes.labels.app_kubernetes_io/name', values: 'traefik' },
      ],
    });
    assert.deepEqual(several.errors, []);
    assert.deepEqual(
      several.config?.elasticsearch?.document_filter?.map(({ field, values }) => `${field}=${values.join('|')}`),
      [
        'data_stream.dataset=traefik.access',
        'fields.log_type=traefik|edge',
        'kubernetes.labels.app_kubernetes_io/name=traefik',
      ],
    );
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
      [
        { 'elasticsearch.document_filter': 'event.module: traefik' },
        /document_filter\.0: expected \{ field, values \}/,
      ],
      [
        { 'elasticsearch.document_filter': { field: 'event.module', value: 'x' } },
        /document_filter\.0\.value: unknown key/,
      ],
      [{ 'elasticsearch.document_filter': { field: 'event.module' } }, /document_filter\.0\.values/],
      [{ 'elasticsearch.document_filter': { field: 'event.module', values: [] } }, /values: must not be empty/],
      [
        { 'elasticsearch.document_filter': { field: 'event.*', values: 'x' } },
        /document_filter\.0\.field: a field name/,
      ],
      [{ 'elasticsearch.document_filter': { field: 'a b', values: 'x' } }, /document_filter\.0\.field/],
      [
        { 'elasticsearch.document_filter': { field: 'x', values: [{ match_all: {} }] } },
        /values\.0: expected a string/,
      ],
      [{ 'elasticsearch.document_filter': { field: 'x', values: [''] } }, /values\.0/],
      [{ 'elasticsearch.document_filter': [] }, /document_filter: must not be empty/],
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
