import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { scanElasticsearch } from './elasticsearch-source.ts';
import { HOUR, scenario, searchEngines, T0, testAgent, uniqueSuffix } from './testing/es-test-setup.ts';
import {
  filebeatTraefikDocument,
  filebeatTraefikDocuments,
  nginxDocument,
  otherAppDocuments,
  retimed,
} from './testing/other-app-documents.ts';
import { deleteIndex, indexDocuments, probes } from './testing/traefik-documents.ts';

const engines = await searchEngines();
const suffix = uniqueSuffix();
/** An application behind nginx, probed for secrets: its own web server's log, not Traefik's. */
const NGINX_SCANNER = '192.0.2.80';

/** Traefik's requests as Filebeat's traefik module stores them: the generated hour and the module's own test output. */
function traefikDocuments(): Record<string, unknown>[] {
  return [
    ...[...scenario(500)].map(filebeatTraefikDocument),
    ...retimed(filebeatTraefikDocuments(), T0 + 90_000, 7 * 60_000),
  ];
}

/** What else Filebeat ships into the same `filebeat-*` index: its nginx and apache modules' output, and a probed app. */
function otherDocuments(): Record<string, unknown>[] {
  return [
    ...retimed([...otherAppDocuments.nginx(), ...otherAppDocuments.apache()], T0 + 120_000, 3 * 60_000),
    ...[...probes(NGINX_SCANNER, T0 + 15 * 60_000, 30, 1000, { status: 404 })].map(nginxDocument),
  ];
}

/** The filebeat profile's client, path and status fields: a document without one is counted as skipped. */
function lacksRequestField(document: Record<string, unknown>): boolean {
  return ['source.ip', 'url.original', 'http.response.status_code'].some((field) => document[field] === undefined);
}

interface Reading {
  lines: number;
  skipped: number;
  incidents: string[];
}

async function read(url: string, index: string, overrides: Record<string, unknown> = {}): Promise<Reading> {
  const agent = await testAgent({ 'elasticsearch.url': url, 'elasticsearch.index_pattern': index, ...overrides });
  try {
    const { lines, skipped } = await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR });
    const incidents = agent.runtime.store.incidents
      .list({ limit: 100 })
      .map((incident) => incident.ip)
      .sort();
    return { lines, skipped, incidents };
  } finally {
    agent.cleanup();
  }
}

for (const engine of engines) {
  describe(`an index shared with other applications' logs, against ${engine.name}`, () => {
    const traefikOnly = `s19-mixed-traefik-${suffix}`;
    const shared = `s19-mixed-filebeat-${suffix}`;
    after(async () => {
      await deleteIndex(engine.url, traefikOnly);
      await deleteIndex(engine.url, shared);
    });

    it('measures what nginx and apache documents do to detection when nothing filters them out', async () => {
      const traefik = traefikDocuments();
      const others = otherDocuments();
      await indexDocuments(engine.url, traefikOnly, 'filebeat', traefik);
      await indexDocuments(engine.url, shared, 'filebeat', [...traefik, ...others]);

      const alone = await read(engine.url, traefikOnly);
      const mixed = await read(engine.url, shared);
      console.log(
        `${engine.name}: Traefik only ${JSON.stringify(alone)}; with ${others.length} other documents ${JSON.stringify(mixed)}`,
      );
      assert.ok(alone.incidents.length > 0, 'the Traefik scanners are found');
      assert.ok(!alone.incidents.includes(NGINX_SCANNER));
      // Today's limit, measured: every other application's document is read as a Traefik request, and a scan of the
      // application behind nginx becomes an incident of the Traefik guard.
      assert.equal(mixed.lines - alone.lines, others.length, 'every other document is read');
      assert.equal(mixed.skipped - alone.skipped, others.filter(lacksRequestField).length, 'unless it lacks a field');
      assert.deepEqual(mixed.incidents, [...alone.incidents, NGINX_SCANNER].sort());
    });
  });
}
