// The Elasticsearch path learns a page that echoes the request from the same real log the file path replays
// (detection/__fixtures__/real-sites/aleksturbo-2024-whoami.log), and gives the same verdicts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectionSection } from '../../config/sections/detection.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import { SiteProfile } from '../detection/site-profile.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { ClientAggregates } from './client-aggregates.ts';
import type { DetectionQueries } from './detection-queries.ts';
import type { SearchBackend, SearchBody } from './search-backend.ts';
import { learnSiteFacts } from './site-facts.ts';

const detection = detectionSection.parse({});
const LOG = join(import.meta.dirname, '..', 'detection', '__fixtures__', 'real-sites', 'aleksturbo-2024-whoami.log');
const CLF = /^(\S+) \S+ \S+ \[[^\]]+\] "GET (\S+) [^"]*" (\d{3}) (\d+)/;

/** The fixture's 2xx sensitive answers as the index holds them: the path field is the target as logged (its query too). */
function answers(): Array<{ client: string; target: string; bytes: number }> {
  const paths = new SensitivePathMatcher();
  const rows: Array<{ client: string; target: string; bytes: number }> = [];
  for (const line of readFileSync(LOG, 'utf8').split('\n')) {
    const match = CLF.exec(line);
    if (!match || !match[3]!.startsWith('2') || !paths.matches(normalizePath(match[2]!))) continue;
    rows.push({ client: match[1]!, target: match[2]!, bytes: Number(match[4]) });
  }
  return rows;
}

/** A backend that answers the sensitive-paths aggregation with one page of buckets. */
function backendOf(buckets: SearchBody[]): SearchBackend {
  return {
    search: async () => ({
      body: { hits: { total: buckets.length }, aggregations: { paths: { buckets } } },
      bytes: 0,
      elapsedMs: 0,
    }),
  } as unknown as SearchBackend;
}

const queries = {
  sensitivePaths: () => ({ size: 0, aggs: { paths: { composite: { size: 1000 } } } }),
  publicPathsClause: () => ({}),
} as unknown as DetectionQueries;

async function judged(extra: Array<{ client: string; target: string; bytes: number }> = []) {
  const rows = [...answers(), ...extra];
  const time = Date.parse('2024-11-11T11:17:27Z');
  const profile = new SiteProfile(detection.site_profile, detection.public_paths, detection.always_sensitive);
  const sites = rows.map(({ target, bytes }) => ({
    key: { path: target },
    served: {
      doc_count: 1,
      clients: { value: 1 },
      last: { value: time },
      ok: { sizes: { buckets: [{ key: bytes }] } },
    },
  }));
  const source = { backend: backendOf(sites), index: 'traefik', queries, paths: new SensitivePathMatcher() };
  await learnSiteFacts(source, profile, { from: time - 60000, to: time + 60000 }, []);
  const aggregates = new ClientAggregates(
    detection,
    new SensitivePathMatcher(),
    new ScannerAgentMatcher(),
    new ClientIpResolver([]),
    undefined,
    profile,
  );
  for (const { client, target, bytes } of rows) {
    aggregates.addSensitivePair({
      key: { client, path: target },
      doc_count: 1,
      failures: { doc_count: 0 },
      ok: { doc_count: 1, last: { value: time }, sizes: { buckets: [{ key: bytes }] } },
    });
  }
  return { aggregates, profile };
}

test('the whoami echo page, learned from the aggregation: its scanner is a scan, no leak (as in the file path)', async () => {
  const { aggregates, profile } = await judged();
  assert.ok(profile.echoFallbacks().length > 0);
  const scanner = aggregates.clients.get('188.166.108.93')!;
  assert.deepEqual(
    aggregates.verdicts(scanner).map((verdict) => verdict.threatType),
    ['secrets_scanning'],
  );
  assert.ok(
    scanner.notes.has(
      "not a leak: /.env answered with the site's fallback page, which echoes the path (381 bytes: 376 plus the request's 5 characters, as for 3+ different paths)",
    ),
  );
});

test('a real .env among those echo pages is a leak there too', async () => {
  const { aggregates } = await judged([{ client: '203.0.113.7', target: '/.env', bytes: 900 }]);
  const verdicts = aggregates.verdicts(aggregates.clients.get('203.0.113.7')!);
  assert.deepEqual(
    verdicts.map((verdict) => [verdict.threatType, verdict.leakedPaths]),
    [['secret_exposure', ['/.env']]],
  );
});
