import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntegrationError } from '../../core/errors.ts';
import { filteredBackend, mixedSourcesWarning, resolveDocumentFilter } from './document-filter.ts';
import type { FieldCaps, SearchBackend, SearchBody } from './search-backend.ts';

const keyword = [{ type: 'keyword', aggregatable: true, searchable: true }];
const text = [{ type: 'text', aggregatable: false, searchable: true }];
const caps: FieldCaps = {
  'event.module': keyword,
  'service.type': text,
  'service.type.keyword': keyword,
  message: text,
  'http.response.status_code': [{ type: 'long', aggregatable: true, searchable: true }],
};

describe('resolveDocumentFilter', () => {
  it('matches exact fields as they are and text fields through their keyword subfield, with a warning', () => {
    const filter = resolveDocumentFilter(
      [
        { field: 'event.module', values: ['traefik'] },
        { field: 'service.type', values: ['traefik', 'edge'] },
      ],
      caps,
      'filebeat-*',
    );
    assert.deepEqual(filter.clause, {
      bool: {
        filter: [
          { terms: { 'event.module': ['traefik'] } },
          { terms: { 'service.type.keyword': ['traefik', 'edge'] } },
        ],
      },
    });
    assert.deepEqual(filter.warnings, [
      'elasticsearch.document_filter.1.field: service.type is text in filebeat-*: matched through service.type.keyword',
    ]);
    const one = resolveDocumentFilter([{ field: 'http.response.status_code', values: [200] }], caps, 'x');
    assert.deepEqual(one.clause, { terms: { 'http.response.status_code': [200] } });
  });

  it('refuses a field no document could match, naming the key, and says it is not worth retrying', () => {
    for (const [field, pattern] of [
      ['fields.log_type', /document_filter\.field: fields\.log_type is not mapped in filebeat-\*/],
      ['message', /document_filter\.field: message is mapped text in filebeat-\*, which cannot be matched exactly/],
    ] as const) {
      assert.throws(
        () => resolveDocumentFilter([{ field, values: ['traefik'] }], caps, 'filebeat-*'),
        (error: unknown) => error instanceof IntegrationError && pattern.test(error.message) && !error.isRetryable,
      );
    }
  });
});

/** A backend that records what it was asked and answers `aggregations` to searches. */
function recording(aggregations: SearchBody = {}) {
  const calls: Array<{ kind: string; body: SearchBody | undefined }> = [];
  const backend: SearchBackend = {
    info: { flavor: 'elasticsearch', version: '8.19.0' },
    search: async (_index, body) => {
      calls.push({ kind: 'search', body });
      return { body: { aggregations }, bytes: 0, elapsedMs: 0 };
    },
    count: async (_index, query) => {
      calls.push({ kind: 'count', body: query });
      return { body: { count: 0 }, bytes: 0, elapsedMs: 0 };
    },
    fieldCaps: async () => ({}),
    close: async () => undefined,
  };
  return { backend, calls };
}

describe('filteredBackend', () => {
  const clause = { terms: { 'event.module': ['traefik'] } };
  it('narrows every search and count, keeping the query (and its scoring) as a must clause', async () => {
    const { backend, calls } = recording();
    const filtered = filteredBackend(backend, clause);
    const query = { function_score: { query: { match_all: {} }, random_score: { seed: 1 } } };
    await filtered.search('i', { size: 3, query, aggs: { a: { terms: { field: 'x' } } } });
    await filtered.search('i', { size: 0 });
    await filtered.count('i', { term: { 'source.ip': '192.0.2.80' } });
    await filtered.count('i', undefined);
    assert.deepEqual(calls, [
      {
        kind: 'search',
        body: { size: 3, query: { bool: { filter: [clause], must: [query] } }, aggs: { a: { terms: { field: 'x' } } } },
      },
      { kind: 'search', body: { size: 0, query: { bool: { filter: [clause] } } } },
      { kind: 'count', body: { bool: { filter: [clause], must: [{ term: { 'source.ip': '192.0.2.80' } }] } } },
      { kind: 'count', body: { bool: { filter: [clause] } } },
    ]);
  });
});

describe('mixedSourcesWarning', () => {
  const fields: FieldCaps = { 'event.module': keyword, 'service.type': text, 'service.type.keyword': keyword };
  const answer = (modules: Array<[string, number]>, missing: number, services: Array<[string, number]> = []) => ({
    values_0: { buckets: modules.map(([key, doc_count]) => ({ key, doc_count })) },
    missing_0: { doc_count: missing },
    values_1: { buckets: services.map(([key, doc_count]) => ({ key, doc_count })) },
    missing_1: { doc_count: 0 },
  });

  it('asks the source fields the mapping has, aggregatable ones through .keyword', async () => {
    const { backend, calls } = recording(answer([['traefik', 5]], 0));
    assert.equal(await mixedSourcesWarning(backend, 'filebeat-*', fields), undefined);
    assert.deepEqual(calls[0]?.body?.aggs, {
      values_0: { terms: { field: 'event.module', size: 10 } },
      missing_0: { missing: { field: 'event.module' } },
      values_1: { terms: { field: 'service.type.keyword', size: 10 } },
      missing_1: { missing: { field: 'service.type.keyword' } },
    });
    assert.equal(await mixedSourcesWarning(recording().backend, 'traefik-*', { RequestPath: keyword }), undefined);
  });

  it('warns, naming the setting and the Traefik value, when several modules share the pattern', async () => {
    const { backend } = recording(
      answer(
        [
          ['traefik', 650],
          ['nginx', 1200],
          ['apache', 6],
        ],
        0,
      ),
    );
    const warning = await mixedSourcesWarning(backend, 'filebeat-*', fields);
    assert.equal(
      warning,
      "filebeat-* holds documents of several sources (event.module: traefik (650), nginx (1,200), apache (6)): every one is read as a Traefik request, so another application's log can create incidents; set elasticsearch.document_filter, e.g. { field: event.module, values: [traefik] }",
    );
  });

  it('one non-Traefik module beside documents without the field is two sources; Traefik beside them is one', async () => {
    const raw = await mixedSourcesWarning(recording(answer([['nginx', 40]], 650)).backend, 'logs-*', fields);
    assert.match(
      raw ?? '',
      /event\.module: nginx \(40\), none \(650\).*\{ field: <a field only Traefik documents have>/,
    );
    const older = await mixedSourcesWarning(recording(answer([['traefik', 643]], 7)).backend, 'logs-*', fields);
    assert.equal(older, undefined);
  });
});
