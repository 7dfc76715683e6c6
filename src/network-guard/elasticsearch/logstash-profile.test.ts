import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { ClientAddressing } from './client-addressing.ts';
import { DetectionQueries } from './detection-queries.ts';
import {
  connectProfile,
  detectProfileName,
  type FieldProfile,
  resolveFieldProfile,
  unqueryablePath,
} from './field-profile.ts';
import {
  CASES,
  capsOf,
  countingBackend,
  documentOf,
  LAYOUTS,
  ourClient,
  SETTINGS,
  selects,
  TRUSTED,
} from './testing/logstash-grok-documents.ts';

/** The logstash profile: how it is told, what it warns, who the client is, and keyword statuses in the queries. */
describe('the logstash profile (grok HTTPD_COMBINEDLOG documents)', () => {
  it('what the profile says at connect: legacy by its grok names, ECS by its documents', async () => {
    const profiles = new Map<string, FieldProfile>();
    for (const layout of LAYOUTS) {
      const documents = CASES.map((grokCase) => documentOf(grokCase, layout));
      profiles.set(layout.name, await connectProfile(countingBackend(documents), capsOf(layout, documents), SETTINGS));
    }
    const legacy = profiles.get('legacy')!;
    assert.equal(legacy.name, 'logstash');
    assert.deepEqual(legacy.types, {
      time: 'date',
      client_ip: 'keyword',
      path: 'keyword',
      status: 'keyword',
      user_agent: 'keyword',
      method: 'keyword',
      size: 'keyword',
    });
    assert.deepEqual(
      legacy.warnings.map((warning) => /^(\S+) is mapped as text; using its \1\.keyword subfield/.exec(warning)?.[1]),
      ['clientip', 'request', 'response', 'agent', 'verb', 'bytes'],
    );
    assert.ok(legacy.warnings.every((warning) => /ignore_above, 256 in dynamic mappings/.test(warning)));
    assert.deepEqual(profiles.get('legacy-converted')!.types.status, 'long');
    const ecs = profiles.get('ecs')!;
    assert.equal(ecs.name, 'logstash');
    assert.deepEqual(ecs.warnings, [
      "url.path is mapped in logstash-* but no document has it, 3 have url.original (an index template declares every ECS field, as Logstash's ECS template does): read as profile logstash, ECS from the common log format",
    ]);
    // Without the documents (the mapping alone) the ECS template's fields look like the Elastic Agent integration's.
    const layout = LAYOUTS.find((candidate) => candidate.name === 'ecs')!;
    const caps = capsOf(
      layout,
      CASES.map((grokCase) => documentOf(grokCase, layout)),
    );
    assert.equal(detectProfileName(caps), 'elastic-agent');
    // Documents that have url.path (JSON lines) keep the Elastic Agent reading; an explicit path is never replaced.
    const json = [{ url: { path: '/', original: 'example.com/' } }];
    assert.equal((await connectProfile(countingBackend(json), caps, SETTINGS)).name, 'elastic-agent');
    const pinned = { ...SETTINGS, fields: { path: 'url.path' } };
    assert.equal(
      (await connectProfile(countingBackend([{ url: { original: '/' } }]), caps, pinned)).fields.path,
      'url.path',
    );
  });

  it("the client is the line's first field: no forwarded field, even when one is mapped, and a trusted peer blames nobody", () => {
    const layout = LAYOUTS.find((candidate) => candidate.name === 'legacy')!;
    const documents = CASES.map((grokCase) => documentOf(grokCase, layout));
    // A pipeline that also captured X-Forwarded-For (a custom grok) or filled network.forwarded_ip.
    const caps = {
      ...capsOf(layout, documents),
      'network.forwarded_ip': [{ type: 'ip', aggregatable: true, searchable: true }],
    };
    for (const profile of [
      resolveFieldProfile(caps, SETTINGS),
      resolveFieldProfile(caps, { ...SETTINGS, profile: 'logstash' as const }),
    ]) {
      assert.equal(profile.fields.forwarded, undefined);
      const addressing = new ClientAddressing(profile, { trustedProxies: true });
      assert.equal(addressing.peerField, 'clientip.keyword');
      assert.equal(addressing.forwardedField, undefined);
      assert.equal(ourClient(documents[1], profile, TRUSTED), null); // 10.0.0.1, a trusted proxy: unattributed
      assert.equal(ourClient(documents[0], profile, TRUSTED), '83.149.9.216');
    }
  });

  it('HTTPD_COMMONLOG (COMMONAPACHELOG) has no agent: detection by path only, said as a warning', () => {
    const layout = LAYOUTS.find((candidate) => candidate.name === 'legacy')!;
    const documents = CASES.map((grokCase) => {
      const { referrer: _referrer, agent: _agent, ...common } = documentOf(grokCase, layout);
      return common;
    });
    const profile = resolveFieldProfile(capsOf(layout, documents), SETTINGS);
    assert.equal(profile.name, 'logstash');
    assert.equal(profile.fields.user_agent, undefined);
    assert.ok(
      profile.warnings.includes(
        'user_agent (agent or user_agent.original): missing from the mapping; scanner user agents cannot be detected',
      ),
    );
  });

  it('a keyword status ("404") is selected by the queries exactly as the number would be', () => {
    const keyword: FieldProfile = {
      name: 'logstash',
      fields: {
        time: '@timestamp',
        client_ip: 'clientip.keyword',
        path: 'request.keyword',
        status: 'response.keyword',
      },
      types: { status: 'keyword' },
      warnings: [],
    };
    const numeric: FieldProfile = {
      ...keyword,
      fields: { ...keyword.fields, status: 'response' },
      types: { status: 'long' },
    };
    const filters = (profile: FieldProfile) => {
      const queries = new DetectionQueries(profile, defaultConfig().detection, 10, 30);
      const pairs = queries.sensitivePairs({ from: 0, to: 1 }).aggs.pairs.aggs;
      return [
        pairs.failures.filter,
        pairs.ok.filter,
        queries.sensitivePaths({ from: 0, to: 1 }).aggs.paths.aggs.served.filter,
      ];
    };
    for (const code of [
      100, 200, 201, 204, 206, 299, 300, 301, 304, 399, 400, 401, 403, 404, 405, 418, 499, 500, 503,
    ]) {
      const asText = filters(keyword).map((filter) => selects(filter, { response: String(code) }, keyword));
      const asNumber = filters(numeric).map((filter) => selects(filter, { response: code }, numeric));
      assert.deepEqual(asText, asNumber, String(code));
    }
  });

  it('a wildcard path is refused on OpenSearch only (trigram clauses past max_clause_count), keyword anywhere is fine', () => {
    const profile = (path: string): FieldProfile => ({
      name: 'logstash',
      fields: { time: '@timestamp', client_ip: 'source.address', path: 'url.original', status: 's' },
      types: { path },
      warnings: [],
    });
    assert.match(
      unqueryablePath(profile('wildcard'), 'opensearch') ?? '',
      /^url\.original is mapped wildcard: OpenSearch/,
    );
    assert.match(unqueryablePath(profile('keyword/wildcard'), 'opensearch') ?? '', /elasticsearch\.fields\.path/);
    assert.equal(unqueryablePath(profile('keyword'), 'opensearch'), undefined);
    assert.equal(unqueryablePath(profile('wildcard'), 'elasticsearch'), undefined);
  });
});
