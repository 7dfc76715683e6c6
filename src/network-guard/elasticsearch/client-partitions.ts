import { ipFamily, toBigInt } from '../../core/ip-address.ts';
import type { ClientAddressing, ClientSelector } from './client-addressing.ts';
import type { QueryRecord } from './detection-queries.ts';
import type { SearchBackend, SearchBody } from './search-backend.ts';

/**
 * Sensitive documents per slice of the pairs query. Every composite page makes the server visit all the documents
 * its query matches, and run the peer's port-cutting script on each (Painless, on clusters that have it): on
 * OpenSearch 3.6, 300,000 one-probe clients in one window took 353 s of pairs pages in one query, 99 s in slices of
 * 50,000 documents and 51 s in slices of 10,000 (4,000: no better).
 */
export const PARTITION_DOCUMENTS = 10_000;
/** Peers sampled per slice to place the boundaries (at most 10,000, `index.max_result_window`'s default). */
const SAMPLES_PER_PARTITION = 20;
const MAX_SAMPLES = 10_000;

/**
 * Splits the pairs query into ranges of the peer field holding about PARTITION_DOCUMENTS matching documents each,
 * in the composite's own order, so the pairs still arrive sorted by client, slice after slice. Returns one range
 * clause per slice, or `[undefined]` (one query, as before) for a window under the size, a peer field whose mapping
 * differs between indices, or a sample that finds nothing to split.
 *
 * The boundaries come from a random sample of the matching documents' peers (`random_score`): one request, whatever
 * the window holds. A boundary never falls inside one peer: a `host:port` peer (Traefik's ClientAddr) is cut at
 * `host:` (`ClientAddressing.rawPrefix`), below every port of that host, so all of a host's documents stay in one slice.
 */
export async function clientPartitions(
  backend: SearchBackend,
  index: string,
  addressing: ClientAddressing,
  peerType: string | undefined,
  query: SearchBody,
  documents: number,
  records: QueryRecord[],
  signal?: AbortSignal,
): Promise<Array<SearchBody | undefined>> {
  const slices = Math.ceil(documents / PARTITION_DOCUMENTS);
  const order = peerOrder(peerType);
  if (slices < 2 || !order || addressing.peerMayLackPort) return [undefined];
  const field = addressing.peerField;
  const size = Math.min(MAX_SAMPLES, slices * SAMPLES_PER_PARTITION);
  const body: SearchBody = {
    size,
    _source: false,
    docvalue_fields: [field],
    track_total_hits: false,
    query: { function_score: { query, random_score: { seed: 18, field: '_seq_no' }, boost_mode: 'replace' } },
  };
  const result = await backend.search(index, body, { signal, filterPath: 'hits.hits.fields' });
  records.push({
    name: 'peer_sample',
    body,
    pages: 1,
    hits: result.body.hits?.hits?.length ?? 0,
    buckets: 0,
    bytes: result.bytes,
    elapsedMs: result.elapsedMs,
  });
  const peers: string[] = [];
  for (const hit of result.body.hits?.hits ?? []) {
    const value = hit.fields?.[field]?.[0];
    if (typeof value === 'string') peers.push(addressing.peerHasPort ? addressing.rawPrefix(value) : value);
  }
  peers.sort(order);
  const bounds: string[] = [];
  for (let slice = 1; slice < slices; slice++) {
    const bound = peers[Math.floor((slice * peers.length) / slices)];
    if (bound !== undefined && (bounds.length === 0 || order(bounds.at(-1)!, bound) < 0)) bounds.push(bound);
  }
  if (bounds.length === 0) return [undefined];
  return [undefined, ...bounds].map((from, at) => {
    const to = bounds[at];
    return {
      range: { [field]: { ...(from === undefined ? {} : { gte: from }), ...(to === undefined ? {} : { lt: to }) } },
    };
  });
}

/**
 * One range of the peer field that holds every document of the given selectors (none behind a trusted proxy), in
 * the field's own order: `host:` to `host:\uffff` of the first and last host for a `host:port` peer.
 */
export function peerSpan(
  addressing: ClientAddressing,
  peerType: string | undefined,
  selectors: readonly ClientSelector[],
): SearchBody | undefined {
  const order = peerOrder(peerType);
  if (selectors.length === 0 || !order || addressing.peerMayLackPort) return undefined;
  const bounds = selectors.map((selector) =>
    addressing.peerHasPort ? addressing.rawPrefix(selector.peer) : selector.peer,
  );
  bounds.sort(order);
  const last = bounds.at(-1)!;
  return {
    range: { [addressing.peerField]: { gte: bounds[0], lte: addressing.peerHasPort ? `${last}\uffff` : last } },
  };
}

/** How the server orders the peer field's values, for the types a range can slice (else undefined). */
function peerOrder(peerType: string | undefined): ((a: string, b: string) => number) | undefined {
  return peerType === 'ip' ? compareIps : peerType === 'keyword' ? compareText : undefined;
}

/** Lucene's order of keyword terms (UTF-8 bytes; the same as code units for the ASCII of addresses). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lucene's order of `ip` values: 16 bytes, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d). */
function compareIps(a: string, b: string): number {
  const x = ipOrder(a);
  const y = ipOrder(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function ipOrder(ip: string): bigint {
  try {
    return ipFamily(ip) === 'ipv4' ? (0xffffn << 32n) | toBigInt(ip) : toBigInt(ip);
  } catch {
    return -1n;
  }
}
