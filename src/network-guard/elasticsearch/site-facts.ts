import { normalizePath } from '../../core/normalize-path.ts';
import type { SensitivePathMatcher } from '../detection/path-matcher.ts';
import type { SiteProfile } from '../detection/site-profile.ts';
import { type DetectionQueries, type QueryRecord, runComposite, type TimeRange } from './detection-queries.ts';
import type { SearchBackend, SearchBody } from './search-backend.ts';

/**
 * The request target's lengths as LogEvent has them (rawPath without the query, then the query's): the path field
 * holds the target as logged (Traefik's RequestPath keeps its query).
 */
export function targetLengths(rawPath: string): { rawLength: number; queryLength: number | undefined } {
  const query = rawPath.indexOf('?');
  return query < 0
    ? { rawLength: rawPath.length, queryLength: undefined }
    : { rawLength: query, queryLength: rawPath.length - query };
}

/** Public raw paths excluded on the server per query (the rest still count for nothing on our side). */
const MAX_EXCLUDED = 1000;

export interface SiteFactsSource {
  backend: SearchBackend;
  index: string;
  queries: DetectionQueries;
  paths: SensitivePathMatcher;
}

/**
 * Confirmed sensitive raw paths the pairs query asks for as exact terms. Past it (a scanner trying thousands of
 * paths in one window) the pairs query runs the regular expressions again instead of carrying a longer list on every
 * page.
 */
const MAX_EXACT_PATHS = 5000;

/** What one range's sensitive paths say before any client is looked at. */
export interface SensitivePathFacts {
  /** `must_not` clauses that keep each host's public paths out of the pairs query. */
  exclude: SearchBody[];
  /** The raw paths the matcher confirmed, for the pairs query; undefined when more than MAX_EXACT_PATHS. */
  rawPaths: string[] | undefined;
  /** Raw paths the server-side filter returned that the matcher rejected (decoded to something harmless). */
  rejected: number;
  /** Documents on sensitive-looking paths in the range. */
  documents: number;
}

/**
 * The sensitive-looking paths of one range, with the site facts of each (what each host served 2xx/3xx there, to how
 * many clients, with which 2xx sizes) into the site profile, the same object the file path learns into. The
 * exclusions keep each host's public paths out of the pairs query, so a single-page app's runtime config never comes
 * back once per visitor.
 */
export async function learnSiteFacts(
  source: SiteFactsSource,
  profile: SiteProfile,
  range: TimeRange,
  records: QueryRecord[],
  signal?: AbortSignal,
): Promise<SensitivePathFacts> {
  const facts: Array<{ host: string | null; rawPath: string; path: string }> = [];
  const rawPaths = new Set<string>();
  let rejected = 0;
  const record = await runComposite(
    source.backend,
    source.index,
    'sensitive_paths_by_host',
    source.queries.sensitivePaths(range),
    (bucket) => {
      const rawPath = String(bucket.key.path ?? '');
      const path = normalizePath(rawPath);
      if (!source.paths.matches(path)) {
        rejected++;
        return;
      }
      rawPaths.add(rawPath);
      const served = bucket.served;
      if (!served || Number(served.doc_count) === 0) return;
      const host = bucket.key.host == null ? null : String(bucket.key.host);
      const time = Number(served.last?.value ?? range.to);
      profile.observeAggregate(host ?? undefined, path, Number(served.clients?.value ?? 0), time);
      const { rawLength, queryLength } = targetLengths(rawPath);
      for (const size of served.ok?.sizes?.buckets ?? [])
        profile.observeSize(host ?? undefined, path, Number(size.key), time, rawLength, queryLength);
      facts.push({ host, rawPath, path });
    },
    signal,
  );
  records.push(record);
  const publicRaw = new Map<string | null, string[]>();
  let excluded = 0;
  for (const { host, rawPath, path } of facts) {
    if (excluded >= MAX_EXCLUDED || !profile.isPublic(host ?? undefined, path)) continue;
    const list = publicRaw.get(host) ?? [];
    list.push(rawPath);
    publicRaw.set(host, list);
    excluded++;
  }
  return {
    exclude: [...publicRaw].map(([host, raws]) => source.queries.publicPathsClause(host, raws)),
    rawPaths: rawPaths.size <= MAX_EXACT_PATHS ? [...rawPaths] : undefined,
    rejected,
    documents: record.hits,
  };
}
