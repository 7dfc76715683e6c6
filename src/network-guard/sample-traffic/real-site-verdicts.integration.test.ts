import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { openRuntime } from '../agent-runtime.ts';
import { scanElasticsearch } from '../elasticsearch/elasticsearch-source.ts';
import { searchEngines, testAgent, uniqueSuffix } from '../elasticsearch/testing/es-test-setup.ts';
import { deleteIndex, indexRequests } from '../elasticsearch/testing/traefik-documents.ts';
import { NetworkGuard } from '../network-guard.ts';
import { scanTraefikFile } from '../traefik-file-pipeline.ts';
import { generateRealSiteTraffic, siteRequestLine } from './real-site-traffic.ts';

const T0 = Date.parse('2026-11-23T09:00:00Z');
const HOUR = 3600_000;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** The incidents as `<key> <threat>`, fingerprints folded into one label (their hash is not a label's business). */
function verdicts(incidents: Array<{ ip: string; threatType: string }>): string[] {
  return incidents
    .map(({ ip, threatType }) => `${ip.startsWith('fingerprint:') ? 'fingerprint' : ip} ${threatType}`)
    .sort();
}

for (const seed of [19, 'other-site']) {
  test(`real-site traffic (seed ${seed}): the file scan and Elasticsearch give the labelled verdicts, the same`, async () => {
    const traffic = generateRealSiteTraffic(T0, seed);
    const expected = traffic.actors.flatMap((actor) => actor.expected.map((threat) => `${actor.key} ${threat}`)).sort();

    const dir = mkdtempSync(join(tmpdir(), 'real-site-'));
    const log = join(dir, 'access.log');
    writeFileSync(log, `${traffic.requests.map(siteRequestLine).join('\n')}\n`);
    const config = defaultConfig({
      mode: 'review',
      'database.path': join(dir, 'file.db'),
      'audit.path': join(dir, 'file-audit.jsonl'),
      'blocking.blocker': 'none',
      'detection.crawlers.verify': false,
    });
    const runtime = await openRuntime(config);
    cleanups.push(() => runtime.close());
    const guard = new NetworkGuard({ config, store: runtime.store, blocker: runtime.blocker, source: 'file' });
    const file = await scanTraefikFile(guard, config, log);
    assert.equal(file.stats.malformed, 0);
    const fileVerdicts = verdicts(runtime.store.incidents.list({ limit: 500 }));
    assert.deepEqual(fileVerdicts, expected, 'file scan');
    assert.ok(guard.profile.isPublic('shop.example', '/config.js'), 'the SPA runtime config is public content');
    assert.ok(guard.profile.isFallbackSize('shop.example', traffic.requests.find((r) => r.path === '/')?.size));

    const [engine] = await searchEngines();
    const index = `traefik-logs-real-site-${uniqueSuffix()}`;
    cleanups.push(() => deleteIndex(engine.url, index));
    await indexRequests(engine.url, index, 'traefik-json', traffic.requests);
    const agent = await testAgent({
      'elasticsearch.url': engine.url,
      'elasticsearch.index_pattern': index,
      'detection.crawlers.verify': false,
    });
    cleanups.push(() => agent.cleanup());
    await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR }, undefined, {});
    const esVerdicts = verdicts(agent.runtime.store.incidents.list({ limit: 500 }));
    assert.deepEqual(esVerdicts, fileVerdicts, 'Elasticsearch agrees with the file scan');

    for (const incidents of [
      runtime.store.incidents.list({ limit: 500 }),
      agent.runtime.store.incidents.list({ limit: 500 }),
    ]) {
      const campaign = incidents.find((incident) => incident.ip === '198.18.7.0/24')!;
      const members = (campaign.evidence.extra?.campaign as { memberCount: number } | undefined)?.memberCount ?? 0;
      assert.ok(members >= 36, `campaign lists its members (${members})`);
      const spa = incidents.find((incident) => incident.ip === '203.0.113.45')!;
      assert.ok(
        spa.evidence.explanations?.some((note) => note.includes('fallback page')),
        'SPA fallback explained',
      );
    }
  });
}
