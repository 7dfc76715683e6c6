import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guardQuery, parseTime, type QueryGuardLimits } from './query-guard.ts';

const NOW = Date.parse('2026-11-22T05:00:00Z');
const LIMITS: QueryGuardLimits = {
  indexPattern: 'traefik-logs-*',
  timeField: '@timestamp',
  maxHits: 50,
  maxBuckets: 100,
  maxRange: 7 * 86400,
  timeout: 10,
  now: () => NOW,
};
const RANGE = { range: { '@timestamp': { gte: 'now-1h', lte: 'now' } } };

function withRange(extra: Record<string, unknown> = {}, filters: unknown[] = []): Record<string, unknown> {
  return { query: { bool: { filter: [RANGE, ...filters] } }, ...extra };
}

function refused(input: unknown, pattern: RegExp): void {
  const result = guardQuery(input, LIMITS);
  assert.equal(result.ok, false, `expected a refusal for ${JSON.stringify(input).slice(0, 200)}`);
  if (!result.ok) assert.match(result.reason, pattern);
}

describe('read-only query guard', () => {
  it('accepts a bounded aggregation search and sets the timeout and size', () => {
    const result = guardQuery(
      withRange(
        {
          aggs: {
            per_ip: {
              terms: { field: 'source.ip', size: 20 },
              aggs: { per_minute: { date_histogram: { field: '@timestamp', fixed_interval: '1m' } } },
            },
          },
        },
        [{ terms: { 'http.response.status_code': [401, 403] } }],
      ),
      LIMITS,
    );
    assert.ok(result.ok);
    assert.equal(result.operation, 'search');
    assert.equal(result.index, 'traefik-logs-*');
    assert.equal(result.body.size, 0);
    assert.equal(result.body.timeout, '10s');
    assert.deepEqual(result.range, { from: NOW - 3600_000, to: NOW });
  });

  it('accepts a count and a concrete index the pattern matches', () => {
    const result = guardQuery({ operation: 'count', index: 'traefik-logs-2026.11.22', ...withRange() }, LIMITS);
    assert.ok(result.ok);
    assert.equal(result.operation, 'count');
    assert.equal(result.index, 'traefik-logs-2026.11.22');
    assert.deepEqual(Object.keys(result.body), ['query']);
  });

  it('refuses every write or admin operation', () => {
    for (const operation of ['delete_by_query', '_delete_by_query', 'update_by_query', 'index', 'bulk', 'reindex'])
      refused({ operation, ...withRange() }, /only search and count/);
    refused({ endpoint: '_delete_by_query', ...withRange() }, /top-level key "endpoint"/);
    refused({ method: 'DELETE', ...withRange() }, /top-level key "method"/);
  });

  it('refuses other indices, wildcards, lists, remote clusters and system indices', () => {
    for (const index of ['secrets', '*', 'traefik-logs-*,.security', 'remote:traefik-logs-1', '.kibana', 'traefik-*'])
      refused({ index, ...withRange() }, /index/);
  });

  it('refuses scripts anywhere in the tree', () => {
    refused(withRange({ script_fields: { x: { script: 'doc' } } }), /script_fields/);
    refused(withRange({ runtime_mappings: { x: { type: 'keyword' } } }), /runtime_mappings/);
    refused(withRange({}, [{ script: { script: { source: 'true' } } }]), /"script"/);
    refused(withRange({ aggs: { x: { scripted_metric: { map_script: 'x' } } } }), /scripted_metric/);
    refused(withRange({ aggs: { x: { terms: { script: { source: 'doc' } } } } }), /"script"/);
    refused(withRange({ sort: [{ _script: { type: 'number', script: 'x' } }] }), /_script/);
    refused(withRange({ aggs: { x: { bucket_script: { script: 'x' } } } }), /bucket_script/);
    refused(withRange({}, [{ template: { id: 'stored-one' } }]), /template/);
  });

  it('refuses scripts hidden in keys without "script" of their own where queries are not type-checked', () => {
    // terms_set runs minimum_should_match_script (Painless); these three positions take any query.
    const termsSet = { terms_set: { t: { terms: ['x'], minimum_should_match_script: { source: 'return 1' } } } };
    refused(withRange({ aggs: { s: { significant_terms: { field: 't', background_filter: termsSet } } } }), /script/);
    refused(withRange({ aggs: { s: { top_hits: { size: 1, highlight: { highlight_query: termsSet } } } } }), /script/);
    refused(withRange({ sort: [{ t: { nested: { path: 'n', filter: termsSet } } }] }), /script/);
    refused(withRange({ aggs: { s: { significant_terms: { field: 't', script_heuristic: {} } } } }), /script/);
  });

  it('refuses lookups that read other indices and disguised queries', () => {
    refused(withRange({}, [{ terms: { 'source.ip': { index: 'secrets', id: '1', path: 'ips' } } }]), /"index"/);
    refused(withRange({}, [{ wrapper: { query: 'eyJtYXRjaF9hbGwiOnt9fQ==' } }]), /wrapper/);
    refused(withRange({}, [{ more_like_this: { like: [{ _index: 'secrets', _id: '1' }] } }]), /more_like_this/);
    refused(withRange({}, [{ has_child: { type: 'x', query: { match_all: {} } } }]), /has_child/);
  });

  it('bounds hits, buckets, top_hits and aggregation depth', () => {
    refused(withRange({ size: 10_000 }), /size must be/);
    refused(withRange({ size: 51 }), /size must be/);
    refused(withRange({ from: 5000, size: 10 }), /from must be/);
    refused(withRange({ aggs: { x: { terms: { field: 'a', size: 100_000 } } } }), /size must be at most 100/);
    refused(withRange({ aggs: { x: { composite: { size: 5000, sources: [] } } } }), /size must be at most 100/);
    refused(withRange({ aggs: { x: { top_hits: { size: 500 } } } }), /top_hits.size/);
    // 100 x 100 buckets x 10 hits: 100,000 documents in one answer, each bucket size within its own limit.
    const perPair = { terms: { field: 'u', size: 100 }, aggs: { c: { top_hits: { size: 10 } } } };
    refused(
      withRange({ aggs: { a: { terms: { field: 't', size: 100 }, aggs: { b: perPair } } } }),
      /through its enclosing/,
    );
    refused(
      withRange({
        aggs: {
          m: {
            date_histogram: { field: '@timestamp', fixed_interval: '10s' },
            aggs: { h: { top_hits: { size: 10 } } },
          },
        },
      }),
      /through its enclosing/,
    );
    assert.ok(
      guardQuery(
        withRange({ aggs: { a: { terms: { field: 't', size: 100 }, aggs: { h: { top_hits: { size: 10 } } } } } }),
        LIMITS,
      ).ok,
    );
    refused(
      withRange({ aggs: { x: { date_histogram: { field: '@timestamp', fixed_interval: '1s' } } } }),
      /3600 buckets/,
    );
    refused(withRange({ aggs: { x: { date_histogram: { field: '@timestamp' } } } }), /needs a fixed_interval/);
    refused(
      withRange({
        aggs: {
          a: {
            terms: { field: 'a' },
            aggs: {
              b: {
                terms: { field: 'b' },
                aggs: { c: { terms: { field: 'c' }, aggs: { d: { max: { field: 'x' } } } } },
              },
            },
          },
        },
      }),
      /nested deeper/,
    );
  });

  it('requires a bounded time range on the time field in a conjunctive position', () => {
    refused({ query: { match_all: {} } }, /bounded range/);
    refused({ query: { bool: { should: [RANGE] } } }, /bounded range/);
    refused({ query: { range: { '@timestamp': { gte: 'now-1h' } } } }, /upper/);
    refused({ query: { range: { '@timestamp': { gte: 'now-30d', lte: 'now' } } } }, /at most 604800s/);
    refused({ query: { range: { '@timestamp': { gte: 'now', lte: 'now-1h' } } } }, /empty or reversed/);
    refused({ query: { range: { other_time: { gte: 'now-1h', lte: 'now' } } } }, /bounded range/);
    assert.ok(guardQuery({ query: RANGE }, LIMITS).ok);
  });

  it('refuses non-objects, oversized queries and unknown query types', () => {
    refused('DELETE /traefik-logs-*', /JSON object/);
    refused(withRange({}, [{ query_string: { query: 'x'.repeat(30_000) } }]), /characters/);
    refused(withRange({}, [{ percolate: { field: 'q', document: {} } }]), /percolate/);
    refused(withRange({}, [{ geo_shape: { x: {} } }]), /not allowed/);
  });

  it('checks the span Elasticsearch will search: rounding, partial dates and formats cannot stretch it', () => {
    const range = (bounds: Record<string, unknown>) => ({ query: { range: { '@timestamp': bounds } } });
    // Seen unrounded, each of these is an hour; Elasticsearch reads a year or more.
    refused(range({ gte: 'now-1h/y', lte: 'now' }), /time range covers/);
    refused(range({ gte: '2025-12-31T23:00:00Z', lte: '2026' }), /time range covers/);
    refused(range({ gte: NOW - 3600_000, lte: NOW, format: 'epoch_second' }), /may only use format/);
    refused(range({ gte: NOW - 3600_000, lte: NOW, from: 0 }), /takes only/);
    assert.ok(guardQuery(range({ gte: NOW - 3600_000, lte: NOW, format: 'epoch_millis' }), LIMITS).ok);
    refused(range({ gte: 'Nov 22 2026', lte: 'now' }), /cannot read/);
    const hour = guardQuery(range({ gte: 'now-1h/h', lte: 'now/h', time_zone: '+01:00' }), LIMITS);
    assert.ok(hour.ok, 'an hour rounded to hours is still accepted');
    if (hour.ok) assert.deepEqual(hour.range, { from: NOW - 2 * 3600_000, to: NOW + 3600_000 });
    const day = guardQuery(range({ gte: '2026-11-21', lte: '2026-11-21' }), LIMITS);
    assert.ok(day.ok);
    if (day.ok) assert.equal(day.range.to - day.range.from, 86_400_000, 'lte of a date covers the whole day');
    const exact = guardQuery(range({ gte: '2026-11-22T04:00:00.000Z', lt: '2026-11-22T05:00:00.000Z' }), LIMITS);
    assert.ok(exact.ok);
    if (exact.ok) assert.deepEqual(exact.range, { from: NOW - 3600_000, to: NOW });
  });

  it('reads epoch, ISO and date-math times', () => {
    assert.equal(parseTime(1_700_000_000_000, NOW, 't'), 1_700_000_000_000);
    assert.equal(parseTime('2026-11-22T04:00:00Z', NOW, 't'), NOW - 3600_000);
    assert.equal(parseTime('now-15m', NOW, 't'), NOW - 900_000);
    assert.equal(parseTime('now-1d+2h/h', NOW, 't'), NOW - 86_400_000 + 7_200_000);
    assert.throws(() => parseTime('yesterday-ish', NOW, 't'));
  });
});
