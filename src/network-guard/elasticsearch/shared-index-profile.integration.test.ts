import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ElasticsearchDetector } from './elasticsearch-detector.ts';
import { scanElasticsearch } from './elasticsearch-source.ts';
import type { FieldProfile } from './field-profile.ts';
import { HOUR, scenario, searchEngines, T0, testAgent, uniqueSuffix } from './testing/es-test-setup.ts';
import { documentOf, LAYOUTS, CASES as LOGSTASH_SPEC_LINES } from './testing/logstash-grok-documents.ts';
import {
  filebeatTraefikDocument,
  filebeatTraefikDocuments,
  fixture,
  nginxDocument,
  otherAppDocuments,
  retimed,
} from './testing/other-app-documents.ts';
import { elasticAgentJsonDocument, sameReadings } from './testing/shared-index-documents.ts';
import {
  backgroundTraffic,
  type DocumentLayout,
  deleteIndex,
  indexDocuments,
  probes,
  type TestRequest,
  toDocument,
} from './testing/traefik-documents.ts';

/**
 * An index shared by several sources, read with `elasticsearch.document_filter` set: which field profile is chosen,
 * how many Traefik documents each role reads as they read in an index of their own, and the incidents of both.
 * The other sources outnumber Traefik's documents 4 to 1, as in a `filebeat-*` or `logs-*` pattern of a busy host.
 */
const engines = await searchEngines();
const suffix = uniqueSuffix();
const OTHER_SCANNER = '192.0.2.80';
/** A scanner that sends its own X-Forwarded-For, naming an innocent address: Traefik's ClientHost. */
const FORGER = { ip: '203.0.113.66', forged: '9.9.9.9' };

/** The forger's probes, as the 2.0 pipeline stores them (source.ip the forged ClientHost, source.address the peer). */
function forgedProbes(): Document[] {
  return [...probes(FORGER.ip, T0 + 35 * 60_000, 12, 2000, { status: 404 })].map((request) =>
    elasticAgentJsonDocument({ ...request, forwardedFor: FORGER.forged }, '2.0'),
  );
}

type Document = Record<string, unknown>;
interface SharedCase {
  name: string;
  /** The mapping both indices are created with (Traefik's shipper's, or Logstash's template). */
  layout: DocumentLayout;
  traefik: () => Document[];
  others: () => Document[];
  filter: { field: string; values: string[] };
  /** The profile the whole shared mapping points at (another source's fields). */
  wholeMapping: string;
}

/** Ordinary traffic and a probed application, as another web server's module writes it. */
function otherTraffic(write: (request: TestRequest) => Document): Document[] {
  return [
    ...[...backgroundTraffic(T0, T0 + HOUR, 2400, 11)].map(write),
    ...[...probes(OTHER_SCANNER, T0 + 15 * 60_000, 30, 1000, { status: 404 })].map(write),
  ];
}

const CASES: SharedCase[] = [
  {
    // Kibana's default log sources, `logs-*,filebeat-*`: Elastic Agent's Traefik integration (JSON lines) beside
    // Filebeat's nginx and apache modules, whose `fileset.name` says "Filebeat" to the mapping.
    name: 'Elastic Agent traefik JSON beside Filebeat nginx/apache',
    layout: 'elastic-agent',
    traefik: () => [
      ...[...scenario(500)].map((request) => elasticAgentJsonDocument(request)),
      ...forgedProbes(),
      ...retimed(fixture('beats-traefik/elastic-agent-json.json'), T0 + 90_000, 7 * 60_000),
      ...retimed(fixture('beats-traefik/elastic-agent-json-grok.json'), T0 + 100_000, 9 * 60_000),
    ],
    others: () => [
      ...retimed([...otherAppDocuments.nginx(), ...otherAppDocuments.apache()], T0 + 120_000, 3 * 60_000),
      ...otherTraffic(nginxDocument),
    ],
    filter: { field: 'data_stream.dataset', values: ['traefik.access'] },
    wholeMapping: 'filebeat',
  },
  {
    // Filebeat -> Logstash (`pipeline => "%{[@metadata][pipeline]}"`) into `logstash-*`, beside the same Logstash's
    // grok of an Apache combined log: grok's legacy names say "Logstash" to the mapping.
    name: 'Filebeat traefik module beside Logstash legacy grok of apache',
    layout: 'logstash-legacy',
    traefik: () => [
      ...[...scenario(500)].map(filebeatTraefikDocument),
      ...retimed(filebeatTraefikDocuments(), T0 + 90_000, 7 * 60_000),
    ],
    others: () => {
      const legacy = LAYOUTS.find((layout) => layout.name === 'legacy')!;
      return [
        ...retimed(
          LOGSTASH_SPEC_LINES.map((line) => documentOf(line, legacy)),
          T0 + 120_000,
          3 * 60_000,
        ),
        ...otherTraffic((request) => toDocument(request, 'logstash-legacy')),
      ];
    },
    filter: { field: 'event.module', values: ['traefik'] },
    wholeMapping: 'logstash',
  },
];

interface Reading {
  profile: FieldProfile;
  lines: number;
  skipped: number;
  incidents: string[];
}

async function read(url: string, index: string, overrides: Record<string, unknown> = {}): Promise<Reading> {
  const agent = await testAgent({ 'elasticsearch.url': url, 'elasticsearch.index_pattern': index, ...overrides });
  try {
    const detector = await ElasticsearchDetector.connect(agent.config);
    const profile = detector.profile;
    await detector.close();
    const { lines, skipped } = await scanElasticsearch(agent.runtime, agent.guard, { from: T0, to: T0 + HOUR });
    const incidents = agent.runtime.store.incidents
      .list({ limit: 100 })
      .map((incident) => incident.ip)
      .sort();
    return { profile, lines, skipped, incidents };
  } finally {
    agent.cleanup();
  }
}

for (const engine of engines) {
  for (const shared of CASES) {
    describe(`${shared.name}, one index, against ${engine.name}`, () => {
      const alone = `es-profile-s20-alone-${shared.layout}-${suffix}`;
      const mixed = `es-profile-s20-shared-${shared.layout}-${suffix}`;
      after(async () => {
        await deleteIndex(engine.url, alone);
        await deleteIndex(engine.url, mixed);
      });

      it('measures the profile chosen with document_filter set, and what it reads of the Traefik documents', async () => {
        const traefik = shared.traefik();
        const others = shared.others();
        await indexDocuments(engine.url, alone, shared.layout, traefik);
        await indexDocuments(engine.url, mixed, shared.layout, [...traefik, ...others]);
        const own = await read(engine.url, alone);
        const filtered = await read(engine.url, mixed, { 'elasticsearch.document_filter': shared.filter });
        const right = sameReadings(traefik, filtered.profile, own.profile);
        console.log(
          `${engine.name} / ${shared.name} (${filtered.profile.reason}): ${traefik.length} Traefik documents, ${others.length} others. ` +
            `alone: profile ${own.profile.name} ${JSON.stringify(own.profile.fields)}, ${own.lines} read, ${own.skipped} skipped, incidents ${own.incidents.join(' ')}. ` +
            `shared + filter: profile ${filtered.profile.name} ${JSON.stringify(filtered.profile.fields)}, ${filtered.lines} read, ${filtered.skipped} skipped, incidents ${filtered.incidents.join(' ')}; ` +
            `read as alone (of ${traefik.length}): ${JSON.stringify(right)}`,
        );
        assert.ok(own.incidents.length >= 5, 'alone, the scanners are found');
        assert.ok(!own.incidents.includes(FORGER.forged), 'alone, a forged X-Forwarded-For blames nobody');
        assert.equal(filtered.lines, traefik.length, 'the filter admits exactly the Traefik documents');
        // The profile is chosen from the fields the admitted documents have: the reading of the index of their own.
        assert.deepEqual(filtered.profile.fields, own.profile.fields);
        assert.equal(right.all, traefik.length);
        assert.deepEqual(
          { skipped: filtered.skipped, incidents: filtered.incidents },
          { skipped: own.skipped, incidents: own.incidents },
        );
        assert.match(String(filtered.profile.reason), /in the [\d,]+ documents elasticsearch\.document_filter admits/);
        assert.match(String(filtered.profile.reason), new RegExp(`the whole mapping would say ${shared.wholeMapping}`));
      });
    });
  }
}
