import type { ClientSelector } from './client-addressing.ts';
import type { ClientAggregate, ClientAggregates } from './client-aggregates.ts';
import { peerSpan } from './client-partitions.ts';
import { type DetectionQueries, type QueryRecord, runComposite, type TimeRange } from './detection-queries.ts';
import type { FieldProfile } from './field-profile.ts';
import { mergedRecord } from './query-records.ts';
import type { SearchBackend, SearchBody } from './search-backend.ts';

/** A span of peers is worth querying while it holds at most this many documents per sensitive hit of its clients. */
const SPAN_DOCUMENTS_PER_SENSITIVE = 4;

/** Where the follow-up queries of a chunk of clients go, and how its documents are laid out. */
export interface ClientSearch {
  backend: SearchBackend;
  index: string;
  queries: DetectionQueries;
  profile: FieldProfile;
  /** The mapping type of the field the composite groups clients by. */
  peerType: string | undefined;
}

/** Scanner agents and activity of one chunk of candidate clients (`judging`: only what the verdicts need). */
export async function enrichClients(
  search: ClientSearch,
  aggregates: ClientAggregates,
  range: TimeRange,
  records: QueryRecord[],
  signal: AbortSignal | undefined,
  options: { judging: boolean },
) {
  const candidates = aggregates.candidates();
  if (candidates.length === 0) return;
  const addressing = search.queries.addressing;
  const ips = candidates.flatMap((client) => [...client.selectors.values()]);
  const rawPaths = [...new Set(candidates.flatMap((client) => [...client.sensitiveRawPaths]))];
  if (search.profile.fields.user_agent) {
    const runs: QueryRecord[] = [];
    const span = await agentSpan(search, candidates, ips, range, records, signal);
    if (span) {
      const hosts = new Set(ips.map((selector) => addressing.hostOf(selector.peer)));
      runs.push(
        await composite(
          search,
          'user_agents_by_client',
          search.queries.scannerPairs(range, { span })!,
          (b) => {
            if (hosts.has(addressing.hostOf(String(b.key.client)))) aggregates.addScannerPair(b);
          },
          signal,
        ),
      );
    } else
      for (const group of addressing.groups(ips))
        runs.push(
          await composite(
            search,
            'user_agents_by_client',
            search.queries.scannerPairs(range, group)!,
            (b) => aggregates.addScannerPair(b),
            signal,
          ),
        );
    if (runs.length > 0) records.push(mergedRecord(runs));
  }
  // When judging, a client no rule can flag (one 404 probe of a flood) is summed up from its user-agent pairs: the
  // activity query runs for the others, for the burst rule and the evidence. Without a user-agent field (or for an
  // incident's evidence) it runs for all.
  let active = candidates;
  if (search.profile.fields.user_agent && options.judging) {
    active = [];
    for (const client of candidates) {
      if (aggregates.mayBeFlagged(client)) active.push(client);
      else aggregates.settleFromAgentPairs(client);
    }
    if (active.length === 0) return;
  }
  const activeIps = active === candidates ? ips : active.flatMap((client) => [...client.selectors.values()]);
  const runs: QueryRecord[] = [];
  for (const group of addressing.groups(activeIps))
    runs.push(
      await composite(
        search,
        'activity_by_client',
        search.queries.clientActivity(range, group, rawPaths),
        (b) => aggregates.addActivity(b),
        signal,
      ),
    );
  if (runs.length > 0) records.push(mergedRecord(runs));
}

/**
 * A range of peers holding the chunk's clients, when few other documents share it (a flood's chunk: little but
 * its own probes): the user-agent query then selects by it, and skips the buckets of other clients, instead of
 * sending a `prefix` clause per host, each expanded over the terms dictionary (a million clients in a window: 180
 * ms a query, 21 ms by range). Not behind trusted proxies (a peer there is a proxy with many clients).
 */
async function agentSpan(
  search: ClientSearch,
  candidates: readonly ClientAggregate[],
  ips: readonly ClientSelector[],
  range: TimeRange,
  records: QueryRecord[],
  signal?: AbortSignal,
): Promise<SearchBody | undefined> {
  if (ips.some((selector) => selector.forwarded !== undefined)) return undefined;
  const span = peerSpan(search.queries.addressing, search.peerType, ips);
  if (!span) return undefined;
  signal?.throwIfAborted();
  const query = { bool: { filter: [search.queries.timeFilter(range), span] } };
  const counted = await search.backend.count(search.index, query);
  const documents = counted.body.count;
  records.push({
    name: 'documents_in_client_span',
    body: { query },
    pages: 1,
    hits: documents,
    buckets: 0,
    bytes: counted.bytes,
    elapsedMs: counted.elapsedMs,
  });
  const sensitive = candidates.reduce((sum, client) => sum + client.sensitiveHits, 0);
  return documents <= Math.max(2 * ips.length, SPAN_DOCUMENTS_PER_SENSITIVE * sensitive) ? span : undefined;
}

/** runComposite against the search's backend and index. */
function composite(
  search: ClientSearch,
  name: string,
  body: SearchBody,
  onBucket: (bucket: SearchBody) => void,
  signal: AbortSignal | undefined,
): Promise<QueryRecord> {
  return runComposite(search.backend, search.index, name, body, onBucket, signal);
}
