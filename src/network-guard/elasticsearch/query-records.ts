import type { QueryRecord } from './detection-queries.ts';

/** Chunk queries the window's result lists one by one; later ones are added into a total per query name. */
export const MAX_LISTED_CHUNK_QUERIES = 40;
const totals = new WeakSet<QueryRecord>();

/**
 * Appends a chunk's query records to the window's list, bounded: each chunk's queries name up to 1,000 clients in
 * their bodies, so a window of a million clients would otherwise hold a thousand such bodies until it ends. Past the
 * bound a record is added into a running total of its name (pages, buckets, hits, bytes, time; the first body
 * kept), a copy, because the kept records are also cited by the evidence of their own chunk's clients.
 */
export function keepBounded(listed: QueryRecord[], records: QueryRecord[]): void {
  for (const record of records) {
    const index = listed.length < MAX_LISTED_CHUNK_QUERIES ? -1 : listed.findLastIndex((r) => r.name === record.name);
    if (index < 0) {
      listed.push(record);
      continue;
    }
    let total = listed[index]!;
    if (!totals.has(total)) {
      total = { ...total };
      totals.add(total);
      listed[index] = total;
    }
    total.pages += record.pages;
    total.buckets += record.buckets;
    total.hits += record.hits;
    total.bytes += record.bytes;
    total.elapsedMs += record.elapsedMs;
  }
}

/**
 * The runs of one query (slices of the peers, groups of clients) as one record: evidence cites the query once, with
 * its whole counts, and the first run's body.
 */
export function mergedRecord(runs: readonly QueryRecord[], body = runs[0]!.body): QueryRecord {
  const sum = (key: 'pages' | 'hits' | 'buckets' | 'bytes' | 'elapsedMs') =>
    runs.reduce((total, record) => total + record[key], 0);
  return {
    name: runs[0]!.name,
    body,
    pages: sum('pages'),
    hits: sum('hits'),
    buckets: sum('buckets'),
    bytes: sum('bytes'),
    elapsedMs: sum('elapsedMs'),
  };
}

/**
 * A query as cited in one incident's evidence: lists longer than 50 (the client IPs and raw paths of a whole chunk)
 * keep their first 50 values and say how many more there were, so thousands of incidents do not each store the same
 * 1,000-address query.
 */
export function compactBody(value: unknown): unknown {
  if (Array.isArray(value)) {
    const head = value.slice(0, 50).map(compactBody);
    return value.length > 50 ? [...head, `(+${value.length - 50} more)`] : head;
  }
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, compactBody(inner)]));
  return value;
}
