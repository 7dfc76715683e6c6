// `npm run bench:es [-- --url http://127.0.0.1:9200] [--large 1000000] [--small 100000] [--runs 5] [--fresh] [--keep]`
// One detection cycle (size-0 aggregations) against the naive approach (scroll every document of the window and run the
// file detector on them), at two log volumes in the same one-hour window with the same attackers.
// Without --url it uses ES_URL or the running testbed. The indices are deleted at the end unless --keep (a kept index
// of the right size is reused by the next run; --fresh rebuilds it).
import { parseArgs } from 'node:util';
import { Client } from '@elastic/elasticsearch8';
import { defaultConfig } from '../src/config/load-config.ts';
import type { LogEvent } from '../src/core/log-event.ts';
import { normalizePath } from '../src/core/normalize-path.ts';
import { PROBE_PATHS } from '../src/core/testing/log-events.ts';
import { SecretsScanningDetector } from '../src/network-guard/detection/secrets-scanning-detector.ts';
import { ElasticsearchDetector } from '../src/network-guard/elasticsearch/elasticsearch-detector.ts';
import { ensureTestbed } from '../testbed/testbed-env.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    large: { type: 'string', default: '1000000' },
    small: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    fresh: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const url = values.url ?? process.env.ES_URL ?? (await ensureTestbed()).esUrl;
const T0 = Date.parse('2026-11-21T10:00:00Z');
const HOUR = 3600_000;
const SCANNERS = 20;
const PROBES = [...PROBE_PATHS.slice(0, 6), '/.env.prod', '/backup.sql', '/.ssh/id_rsa', '/phpinfo.php'];
const PAGES = [
  '/',
  '/about',
  '/pricing',
  '/blog',
  '/login',
  '/static/app.js',
  '/static/app.css',
  '/favicon.ico',
  '/api/session',
];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0) Firefox/128.0',
];

/** Small documents in Traefik's JSON field names, mapped as keywords (what an operator's index template does). */
const MAPPING = {
  properties: {
    StartUTC: { type: 'date' },
    ClientHost: { type: 'keyword' },
    RequestMethod: { type: 'keyword' },
    RequestPath: { type: 'keyword', ignore_above: 2048 },
    DownstreamStatus: { type: 'short' },
    'request_User-Agent': { type: 'keyword', ignore_above: 512 },
  },
};

function* documents(count: number): Generator<string> {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const attack = SCANNERS * 300;
  const ordinary = count - attack;
  for (let index = 0; index < ordinary; index++) {
    const user = Math.floor(random() * 20000);
    const roll = random();
    const path = roll < 0.3 ? `/api/items/${Math.floor(random() * 50000)}` : PAGES[Math.floor(random() * PAGES.length)];
    yield JSON.stringify({
      StartUTC: T0 + Math.floor((index / ordinary) * HOUR),
      ClientHost: `198.18.${user >> 8}.${user & 255}`,
      RequestMethod: 'GET',
      RequestPath: path,
      DownstreamStatus: roll > 0.98 ? 404 : 200,
      'request_User-Agent': AGENTS[user % AGENTS.length],
    });
  }
  for (let scanner = 0; scanner < SCANNERS; scanner++) {
    for (let probe = 0; probe < 300; probe++) {
      yield JSON.stringify({
        StartUTC: T0 + scanner * 120_000 + probe * 400,
        ClientHost: `203.0.113.${scanner + 1}`,
        RequestMethod: 'GET',
        RequestPath: PROBES[probe % PROBES.length],
        DownstreamStatus: scanner % 5 === 0 && probe === 0 ? 200 : 403,
        'request_User-Agent': scanner % 2 === 0 ? 'trufflehog/3.63' : AGENTS[0],
      });
    }
  }
}

async function ensureIndex(index: string, count: number): Promise<void> {
  const existing = await fetch(`${url}/${index}/_count`);
  if (existing.ok && !values.fresh && ((await existing.json()) as { count: number }).count === count) return;
  await fetch(`${url}/${index}`, { method: 'DELETE' });
  const created = await fetch(`${url}/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' },
      mappings: MAPPING,
    }),
  });
  if (!created.ok) throw new Error(`create ${index}: ${await created.text()}`);
  const started = performance.now();
  const batch: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const send = (lines: string[]) => {
    const promise = (async () => {
      const response = await fetch(`${url}/${index}/_bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: `${lines.join('\n')}\n`,
      });
      const body = (await response.json()) as { errors: boolean };
      if (!response.ok || body.errors) throw new Error(`bulk ${index}: ${response.status}`);
    })();
    inFlight.add(promise);
    promise.finally(() => inFlight.delete(promise));
    return promise;
  };
  let sent = 0;
  for (const document of documents(count)) {
    batch.push('{"index":{}}', document);
    if (batch.length >= 20000) {
      if (inFlight.size >= 2) await Promise.race(inFlight);
      void send(batch.splice(0));
      sent += 10000;
      if (sent % 200000 === 0) process.stderr.write(`  ${index}: ${sent} documents\n`);
    }
  }
  if (batch.length > 0) void send(batch.splice(0));
  await Promise.all(inFlight);
  await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
  await fetch(`${url}/${index}/_forcemerge?max_num_segments=1`, { method: 'POST' });
  process.stderr.write(
    `  ${index}: ${count} documents indexed in ${((performance.now() - started) / 1000).toFixed(0)}s\n`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function aggregationCycle(index: string) {
  const config = defaultConfig({ 'elasticsearch.url': url, 'elasticsearch.index_pattern': index });
  const detector = await ElasticsearchDetector.connect(config);
  try {
    const range = { from: T0, to: T0 + HOUR };
    await detector.detect(range); // warm-up (first query compiles and loads field data)
    const runs = [];
    for (let run = 0; run < Number(values.runs); run++) runs.push(await detector.detect(range));
    const last = runs.at(-1)!;
    return {
      documents: last.documents,
      findings: last.findings.length,
      requests: last.queries.reduce((sum, query) => sum + query.pages, 0),
      medianMs: median(runs.map((run) => run.elapsedMs)),
      minMs: Math.min(...runs.map((run) => run.elapsedMs)),
      bytes: last.bytes,
      perQuery: last.queries.map(
        (query) => `${query.name}: ${query.pages} req, ${query.bytes} B, ${query.elapsedMs.toFixed(0)} ms`,
      ),
    };
  } finally {
    await detector.close();
  }
}

/** What a source without aggregations does: read every document of the window and detect client-side. */
async function naiveCycle(index: string) {
  const client = new Client({ node: url, requestTimeout: 120_000 });
  const config = defaultConfig({});
  const detector = new SecretsScanningDetector(config.detection, { source: 'bench' });
  const started = performance.now();
  let bytes = 0;
  let documents = 0;
  let requests = 1;
  let response = await client.search(
    {
      index,
      scroll: '2m',
      size: 10000,
      _source: ['StartUTC', 'ClientHost', 'RequestPath', 'DownstreamStatus', 'request_User-Agent', 'RequestMethod'],
      query: { range: { StartUTC: { gte: T0, lt: T0 + HOUR, format: 'epoch_millis' } } },
      sort: ['_doc'],
    },
    { meta: true },
  );
  for (;;) {
    const length = Number(response.headers['content-length']);
    bytes += Number.isFinite(length) && length > 0 ? length : Buffer.byteLength(JSON.stringify(response.body));
    const hits = response.body.hits.hits;
    if (hits.length === 0) break;
    for (const hit of hits) {
      const source = hit._source as Record<string, string | number>;
      const rawPath = String(source.RequestPath);
      const event: LogEvent = {
        time: Number(source.StartUTC),
        clientIp: String(source.ClientHost),
        method: String(source.RequestMethod),
        rawPath,
        path: normalizePath(rawPath),
        status: Number(source.DownstreamStatus),
        userAgent: String(source['request_User-Agent']),
      };
      detector.observe(event);
      documents++;
    }
    requests++;
    response = await client.scroll({ scroll_id: response.body._scroll_id!, scroll: '2m' }, { meta: true });
  }
  await client.clearScroll({ scroll_id: response.body._scroll_id! }).catch(() => undefined);
  const findings = detector.drainFindings().length;
  await client.close();
  return { documents, findings, requests, ms: performance.now() - started, bytes };
}

const volumes = [
  { index: 'bench-traefik-small', count: Number(values.small) },
  { index: 'bench-traefik-large', count: Number(values.large) },
];
process.stderr.write(`Elasticsearch at ${url}\n`);
const results = [];
for (const volume of volumes) {
  await ensureIndex(volume.index, volume.count);
  const aggregation = await aggregationCycle(volume.index);
  const naive = await naiveCycle(volume.index);
  results.push({ ...volume, aggregation, naive });
  process.stderr.write(`${JSON.stringify({ ...volume, aggregation, naive }, null, 1)}\n`);
}
if (!values.keep) for (const { index } of volumes) await fetch(`${url}/${index}`, { method: 'DELETE' });
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
console.log('| documents in the 1 h window | approach | requests | latency | bytes received | findings |');
console.log('|---|---|---|---|---|---|');
for (const { count, aggregation, naive } of results) {
  console.log(
    `| ${count.toLocaleString('en')} | aggregation cycle (median of ${values.runs}, min) | ${aggregation.requests} | ${aggregation.medianMs.toFixed(0)} ms (min ${aggregation.minMs.toFixed(0)} ms) | ${kb(aggregation.bytes)} | ${aggregation.findings} |`,
  );
  console.log(
    `| ${count.toLocaleString('en')} | naive: scroll all documents + file detector | ${naive.requests} | ${(naive.ms / 1000).toFixed(1)} s | ${mb(naive.bytes)} | ${naive.findings} |`,
  );
}
for (const { count, aggregation } of results)
  console.log(`\n${count} documents, per query:\n- ${aggregation.perQuery.join('\n- ')}`);
