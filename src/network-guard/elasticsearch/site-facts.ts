import { normalizePath } from '../../core/normalize-path.ts';
import type { SensitivePathMatcher } from '../detection/path-matcher.ts';
import type { SiteProfile } from '../detection/site-profile.ts';
import { type DetectionQueries, type QueryRecord, runComposite, type TimeRange } from './detection-queries.ts';
import type { SearchBackend, SearchBody } from './search-backend.ts';

/** Public raw paths excluded on the server per query (the rest still count for nothing on our side). */
const MAX_EXCLUDED = 1000;

export interface SiteFactsSource {
  backend: SearchBackend;
  index: string;
  queries: DetectionQueries;
  paths: SensitivePathMatcher;
}

/**
 * The site facts of one range (what each host served 2xx/3xx on sensitive-looking paths, to how many clients, with
 * which 2xx sizes) into the site profile, the same object the file path learns into. Returns the `must_not` clauses
 * that keep each host's public paths out of the pairs query, so a single-page app's runtime config never comes back
 * once per visitor.
 */
export async function learnSiteFacts(
  source: SiteFactsSource,
  profile: SiteProfile,
  range: TimeRange,
  records: QueryRecord[],
  signal?: AbortSignal,
): Promise<SearchBody[]> {
  const facts: Array<{ host: string | null; rawPath: string; path: string }> = [];
  records.push(
    await runComposite(
      source.backend,
      source.index,
      'site_facts',
      source.queries.siteFacts(range),
      (bucket) => {
        const rawPath = String(bucket.key.path ?? '');
        const path = normalizePath(rawPath);
        if (!source.paths.matches(path)) return;
        const host = bucket.key.host == null ? null : String(bucket.key.host);
        const time = Number(bucket.last?.value ?? range.to);
        profile.observeAggregate(host ?? undefined, path, Number(bucket.clients?.value ?? 0), time);
        for (const size of bucket.ok?.sizes?.buckets ?? [])
          profile.observeSize(host ?? undefined, path, Number(size.key), time);
        facts.push({ host, rawPath, path });
      },
      signal,
    ),
  );
  const publicRaw = new Map<string | null, string[]>();
  let excluded = 0;
  for (const { host, rawPath, path } of facts) {
    if (excluded >= MAX_EXCLUDED || !profile.isPublic(host ?? undefined, path)) continue;
    const list = publicRaw.get(host) ?? [];
    list.push(rawPath);
    publicRaw.set(host, list);
    excluded++;
  }
  return [...publicRaw].map(([host, raws]) => source.queries.publicPathsClause(host, raws));
}
