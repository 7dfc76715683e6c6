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
