import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QueryRecord } from './detection-queries.ts';
import { keepBounded, MAX_LISTED_CHUNK_QUERIES } from './query-records.ts';

const record = (name: string, chunk: number): QueryRecord => ({
  name,
  body: { query: { terms: { ip: [`10.0.${chunk}.1`] } } },
  pages: 1,
  hits: 10,
  buckets: 2,
  bytes: 100,
  elapsedMs: 1,
});

test('a window of many chunks lists a bounded number of queries whose totals are the sums of all chunks', () => {
  const listed: QueryRecord[] = [];
  const cited: QueryRecord[][] = [];
  for (let chunk = 0; chunk < 1000; chunk++) {
    const records = [record('scanner_agents_by_client', chunk), record('activity_by_client', chunk)];
    cited.push(records);
    keepBounded(listed, records);
  }
  assert.equal(listed.length, MAX_LISTED_CHUNK_QUERIES);
  for (const name of ['scanner_agents_by_client', 'activity_by_client']) {
    const mine = listed.filter((query) => query.name === name);
    assert.equal(
      mine.reduce((sum, query) => sum + query.buckets, 0),
      2000,
    );
    assert.equal(
      mine.reduce((sum, query) => sum + query.pages, 0),
      1000,
    );
  }
  // The records a chunk's own clients cite as evidence are not changed by the totals.
  assert.deepEqual(
    cited.flat().map((query) => [query.pages, query.buckets, query.hits]),
    cited.flat().map(() => [1, 2, 10]),
  );
});
