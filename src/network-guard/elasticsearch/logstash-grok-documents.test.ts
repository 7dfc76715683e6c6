import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { ClientAddressing } from './client-addressing.ts';
import { DetectionQueries } from './detection-queries.ts';
import { connectProfile, type FieldProfile } from './field-profile.ts';
import { assertKnownDifferences, Comparison } from './testing/known-differences.ts';
import {
  CASES,
  capsOf,
  countingBackend,
  type Document,
  documentOf,
  type GrokCase,
  LAYOUTS,
  leaves,
  type Mode,
  merge,
  ourClient,
  SETTINGS,
  selects,
  TRUSTED,
  text,
  valueAt,
} from './testing/logstash-grok-documents.ts';

/**
 * Traefik's CLF (any combined log) shipped through Logstash's grok `%{HTTPD_COMBINEDLOG}` (alias `COMBINEDAPACHELOG`),
 * in legacy mode and in ECS mode, into the indices Logstash's elasticsearch output creates with its default template
 * (`__fixtures__/logstash/`). The `_field_caps` answer is built as Elasticsearch gives it for those indices (the
 * template's declared fields, plus a dynamic mapping of each field the documents carry), the profile is resolved
 * from it, and each grok document is read the way the queries read it. What upstream labels each line with is the
 * truth; the differences we keep are listed with their reason in KNOWN_DIFFERENCES.
 */

/** `file#index:attribute` (or `layout:profile.role`) -> why. Listed ones must occur, unlisted ones must not. */
const KNOWN_DIFFERENCES: Record<string, string> = {};

type Reading = Partial<
  Record<
    | 'client'
    | 'client_behind_proxy'
    | 'counted_client'
    | 'path'
    | 'status_failure'
    | 'status_ok'
    | 'status_served'
    | 'status_key'
    | 'user_agent'
    | 'agent_facts'
    | 'method'
    | 'time'
    | 'size',
    unknown
  >
>;

const AGENTS = new ScannerAgentMatcher();
const facts = (agent: string | undefined) => JSON.stringify(AGENTS.facts(agent ?? ''));

/**
 * What upstream says: the client is the line's first field (`clientip` / `source.address`), never a proxy it was
 * trusted as (CLF carries no forwarded value: behind a trusted proxy the request is unattributed); the status is the
 * number the line carries; the agent is what the spec expects (legacy keeps QS's quotes), judged like the ECS
 * expectation of the same line (the agent without quotes).
 */
function upstreamReading(grokCase: GrokCase, document: Document, mode: Mode): Reading {
  const legacy = mode === 'legacy';
  const client = text(valueAt(document, legacy ? 'clientip' : 'source.address'));
  const status = valueAt(document, legacy ? 'response' : 'http.response.status_code');
  const code = status === undefined ? undefined : Number(status);
  const ecs = merge(merge({}, grokCase.derived['ecs-v1']), grokCase.expected['ecs-v1']);
  const trusted = client !== undefined && !new ClientIpResolver(TRUSTED).resolve({ clientHost: client }).ok;
  const bytes = valueAt(document, legacy ? 'bytes' : 'http.response.body.bytes');
  return {
    client,
    client_behind_proxy: trusted ? null : client,
    counted_client: client,
    path: text(valueAt(document, legacy ? 'request' : 'url.original')),
    status_failure: code !== undefined && [401, 403, 404].includes(code),
    status_ok: code !== undefined && code >= 200 && code < 300 && code !== 204,
    status_served: code !== undefined && code >= 200 && code < 400,
    status_key: text(code),
    user_agent: text(valueAt(document, legacy ? 'agent' : 'user_agent.original')),
    agent_facts: facts(text(valueAt(ecs, 'user_agent.original'))),
    method: text(valueAt(document, legacy ? 'verb' : 'http.request.method')),
    time: Date.parse(String(document['@timestamp'])),
    size: bytes === undefined ? undefined : Number(bytes),
  };
}

function ourReading(document: Document, profile: FieldProfile): Reading {
  const { fields } = profile;
  const field = (name: string | undefined) => (name === undefined ? undefined : valueAt(document, name));
  const queries = new DetectionQueries(profile, defaultConfig().detection, 10, 30, { peerScript: true });
  const pairs = queries.sensitivePairs({ from: 0, to: 1 }).aggs.pairs.aggs;
  const served = queries.sensitivePaths({ from: 0, to: 1 }).aggs.paths.aggs.served;
  const counted = served.aggs.clients.cardinality;
  const countedPeer = text(valueAt(document, counted.field ?? counted.script.params.field));
  const status = field(fields.status);
  const size = field(fields.size);
  return {
    client: ourClient(document, profile, []),
    client_behind_proxy: ourClient(document, profile, TRUSTED),
    counted_client: countedPeer === undefined ? undefined : queries.addressing.hostOf(countedPeer),
    path: text(field(fields.path)),
    status_failure: selects(pairs.failures.filter, document, profile),
    status_ok: selects(pairs.ok.filter, document, profile),
    status_served: selects(served.filter, document, profile),
    status_key: text(status),
    user_agent: text(field(fields.user_agent)),
    agent_facts: facts(text(field(fields.user_agent))),
    method: text(field(fields.method)),
    time: Date.parse(String(field(fields.time))),
    size: size === undefined ? undefined : Number(size), // the sizes terms aggregation's key, read with Number()
  };
}

async function measure(): Promise<{ comparison: Comparison; warnings: Map<string, string[]> }> {
  const comparison = new Comparison();
  const warnings = new Map<string, string[]>();
  for (const layout of LAYOUTS) {
    const documents = CASES.map((grokCase) => documentOf(grokCase, layout));
    let profile: FieldProfile;
    try {
      profile = await connectProfile(countingBackend(documents), capsOf(layout, documents), SETTINGS);
    } catch (error) {
      comparison.check(`${layout.name}:profile`, false, (error as Error).message);
      continue;
    }
    warnings.set(layout.name, profile.warnings);
    const grouped = new ClientAddressing(profile).peerField;
    comparison.readings(`${layout.name}:profile`, layout.profile, { ...profile.fields, grouped_by: grouped });
    for (const [index, document] of documents.entries())
      comparison.readings(
        `${layout.name}#${index}`,
        upstreamReading(CASES[index], document, layout.mode),
        ourReading(document, profile),
      );
  }
  return { comparison, warnings };
}

describe('Traefik CLF through Logstash grok (HTTPD_COMBINEDLOG), read by the Elasticsearch path', () => {
  it('the documents are what the spec expects (legacy strings, ECS numbers)', () => {
    for (const grokCase of CASES)
      for (const mode of ['legacy', 'ecs-v1'] as const) {
        const document = documentOf(grokCase, LAYOUTS.find((layout) => layout.mode === mode)!);
        for (const [name, value] of leaves(grokCase.expected[mode])) assert.deepEqual(valueAt(document, name), value);
        for (const name of grokCase.absent?.[mode] ?? []) assert.equal(valueAt(document, name), undefined, name);
      }
  });

  it('agrees with every upstream document except the listed differences', async (t) => {
    const { comparison, warnings } = await measure();
    assertKnownDifferences(t, comparison, KNOWN_DIFFERENCES);
    for (const [layout, list] of warnings) for (const warning of list) t.diagnostic(`${layout} warning: ${warning}`);
  });
});
