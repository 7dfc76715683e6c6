import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { IntegrationError } from '../../core/errors.ts';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import { ClientAggregates, peakBurst } from './client-aggregates.ts';
import { DetectionQueries } from './detection-queries.ts';
import { detectProfileName, type FieldProfile, resolveFieldProfile, traefikPrefix } from './field-profile.ts';
import { discoverLink } from './kibana-link.ts';
import { parseFieldCaps } from './search-backend.ts';
import { alternationRegexps, escapeRegex } from './server-side-match.ts';

/** `_field_caps` answers recorded from a real Elasticsearch by testing/record-field-caps.ts. */
function fixture(name: string) {
  return parseFieldCaps(
    JSON.parse(readFileSync(join(import.meta.dirname, '__fixtures__', `field-caps-${name}.json`), 'utf8')),
  );
}

const SETTINGS = { fields: {}, profile: 'auto' as const, index_pattern: 'traefik-logs-*' };

/** The fields Traefik's JSON resolves to under dynamic mapping (text fields by their .keyword subfields). */
const TRAEFIK_FIELDS = {
  time: 'StartUTC',
  client_ip: 'ClientHost.keyword',
  peer: 'ClientAddr.keyword',
  path: 'RequestPath.keyword',
  status: 'DownstreamStatus',
  user_agent: 'request_User-Agent.keyword',
  method: 'RequestMethod.keyword',
  host: 'RequestHost.keyword',
};

describe('field profiles from recorded _field_caps', () => {
  it('Traefik JSON with dynamic mapping: detected, text fields replaced by their .keyword subfields', () => {
    const caps = fixture('traefik-json');
    assert.equal(detectProfileName(caps), 'traefik-json');
    const profile = resolveFieldProfile(caps, SETTINGS);
    assert.deepEqual(profile.fields, TRAEFIK_FIELDS);
    assert.ok(
      profile.warnings.some((warning) => /RequestPath is mapped as text; using its RequestPath.keyword/.test(warning)),
    );
  });

  it('Traefik JSON nested by a shipper (Filebeat json.*): detected, every field under json., @timestamp beside it', () => {
    const caps = fixture('traefik-json-nested');
    assert.equal(detectProfileName(caps), 'traefik-json');
    assert.equal(traefikPrefix(caps), 'json.');
    const profile = resolveFieldProfile(caps, SETTINGS);
    assert.deepEqual(
      profile.fields,
      Object.fromEntries(Object.entries(TRAEFIK_FIELDS).map(([role, field]) => [role, `json.${field}`])),
    );
  });

  it('Traefik fields at the top win over nested ones; under two objects they are an error naming both', () => {
    const both = { ...fixture('traefik-json-nested'), ...fixture('traefik-json') };
    assert.equal(traefikPrefix(both), '');
    assert.equal(resolveFieldProfile(both, SETTINGS).fields.path, 'RequestPath.keyword');
    const nested = fixture('traefik-json-nested');
    const twice = {
      ...nested,
      ...Object.fromEntries(
        Object.entries(nested).map(([name, caps]) => [`log_processed.${name.replace(/^json\./, '')}`, caps]),
      ),
    };
    assert.throws(
      () => resolveFieldProfile(twice, SETTINGS),
      (error: unknown) =>
        error instanceof IntegrationError &&
        !error.isRetryable &&
        /several objects \(json\., log_processed\.\)/.test(error.message),
    );
  });

  it('Elastic Agent integration (ECS): the peer in source.address, url.path', () => {
    const caps = fixture('elastic-agent');
    assert.equal(detectProfileName(caps), 'elastic-agent');
    const profile = resolveFieldProfile(caps, SETTINGS);
    assert.equal(profile.fields.client_ip, 'source.ip');
    assert.equal(profile.types.client_ip, 'ip');
    assert.equal(profile.fields.peer, 'source.address');
    assert.equal(profile.fields.forwarded, 'network.forwarded_ip');
    assert.equal(profile.fields.path, 'url.path');
    assert.equal(profile.fields.status, 'http.response.status_code');
    assert.equal(profile.fields.user_agent, 'user_agent.original');
    assert.equal(profile.fields.time, '@timestamp');
    assert.deepEqual(profile.warnings, []);
  });

  it('Filebeat traefik module: url.original (with the query string)', () => {
    const caps = fixture('filebeat');
    assert.equal(detectProfileName(caps), 'filebeat');
    const profile = resolveFieldProfile(caps, SETTINGS);
    assert.equal(profile.fields.path, 'url.original');
    assert.equal(profile.fields.client_ip, 'source.ip');
  });

  it('a text field without keyword subfield is an error naming the field and the fix', () => {
    const caps = fixture('text-only');
    assert.throws(
      () => resolveFieldProfile(caps, SETTINGS),
      (error: unknown) =>
        error instanceof IntegrationError &&
        !error.isRetryable &&
        /RequestPath is text: aggregations need keyword/.test(error.message) &&
        /add a keyword subfield/.test(error.message),
    );
  });

  it('a missing field is named, with the override key when it came from config', () => {
    const caps = fixture('elastic-agent');
    assert.throws(
      () => resolveFieldProfile(caps, { ...SETTINGS, fields: { client_ip: 'source.nat.ip' } }),
      /elasticsearch\.fields\.client_ip \(source\.nat\.ip\): missing from the mapping/,
    );
    assert.throws(() => resolveFieldProfile({}, SETTINGS), /has none of the Traefik access-log fields/);
  });

  it('overrides win over the detected profile', () => {
    const caps = fixture('elastic-agent');
    const profile = resolveFieldProfile(caps, { ...SETTINGS, fields: { path: 'url.original' } });
    assert.equal(profile.fields.path, 'url.original');
  });
});

const PROFILE: FieldProfile = {
  name: 'elastic-agent',
  fields: {
    time: '@timestamp',
    client_ip: 'source.ip',
    path: 'url.path',
    status: 'http.response.status_code',
    user_agent: 'user_agent.original',
  },
  types: {},
  warnings: [],
};

describe('detection query building', () => {
  const detection = defaultConfig({}).detection;
  const queries = new DetectionQueries(PROFILE, detection, 10, 30);

  it('only aggregations (size 0), a bounded time range, a server timeout, composite paging', () => {
    const body = queries.sensitivePairs({ from: 1000, to: 2000 });
    assert.equal(body.size, 0);
    assert.equal(body.timeout, '30s');
    assert.deepEqual(body.query.bool.filter[0], {
      range: { '@timestamp': { gte: 1000, lt: 2000, format: 'epoch_millis' } },
    });
    assert.equal(body.aggs.pairs.composite.size, 10);
    assert.deepEqual(
      body.aggs.pairs.composite.sources.map(
        (source: Record<string, { terms: { field: string } }>) => Object.values(source)[0].terms.field,
      ),
      ['source.ip', 'url.path'],
    );
    const activity = queries.clientActivity({ from: 1000, to: 2000 }, [{ peer: '203.0.113.5' }], ['/.env']);
    assert.equal(activity.size, 0);
    assert.deepEqual(activity.aggs.clients.aggs.sensitive.filter, { terms: { 'url.path': ['/.env'] } });
    assert.equal(activity.aggs.clients.aggs.sensitive.aggs.burst.date_histogram.fixed_interval, '10s');
    assert.equal(activity.aggs.clients.aggs.sensitive.aggs.samples.top_hits.size, 2);
  });

  it('the server-side path filter is a superset of the matcher for the built-in list', () => {
    const regexps = queries.sensitiveFilter.bool.should.map(
      (clause: { regexp: Record<string, { value: string; case_insensitive: boolean }> }) => clause.regexp['url.path'],
    );
    for (const { value } of regexps) assert.ok(value.length <= 1000, 'each regexp under index.max_regex_length');
    // Translate the Lucene regexps (standard operators only) into JavaScript ones to check coverage.
    const compiled = regexps.map(
      ({ value, case_insensitive }: { value: string; case_insensitive: boolean }) =>
        new RegExp(`^${value}$`, case_insensitive ? 'i' : ''),
    );
    const covered = (path: string) => compiled.some((regex: RegExp) => regex.test(path));
    for (const path of [
      '/.env',
      '/app/.env',
      '/.env?x=1',
      '/.git/config',
      '/.ENV',
      '/WP-CONFIG.PHP',
      '/%2e%65nv',
      '/.%65nv',
      '/%77p-config.php',
      '/a/../.env',
      '/api/v1/secrets/',
      '/..%c0%af..%c0%af..%c0%afetc%c0%afpasswd',
      '/view.php?file=%C0%AE%C0%AE/%C0%AE%C0%AE/.env',
    ]) {
      assert.ok(covered(path), `${path} reaches the matcher`);
    }
    for (const path of ['/', '/about', '/api/items/42', '/blog/environment', '/search/caf%C3%A9%20menu'])
      assert.ok(!covered(path), `${path} stays out`);
  });

  it('regexp alternations escape every reserved character and stay under the length limit', () => {
    assert.equal(
      escapeRegex('/a.b?c+d*e|f{g}[h](i)"j\\k#l@m&n<o>p~'),
      '/a\\.b\\?c\\+d\\*e\\|f\\{g\\}\\[h\\]\\(i\\)\\"j\\\\k\\#l\\@m\\&n\\<o\\>p\\~',
    );
    const many = Array.from({ length: 500 }, (_, index) => `/secret-file-${index}.txt`);
    const regexps = alternationRegexps(many, '.*', '.*');
    assert.ok(regexps.length > 1);
    for (const regexp of regexps) assert.ok(regexp.length <= 900);
    const joined = regexps.join('\n');
    for (const literal of many) assert.ok(joined.includes(escapeRegex(literal)));
  });

  it('aggregation buckets become the file detector verdicts (rules, /64 grouping, severity, exposure)', () => {
    const aggregates = new ClientAggregates(detection, new SensitivePathMatcher(), new ScannerAgentMatcher());
    const pair = (client: string, path: string, statuses: Record<string, number>) => ({
      key: { client, path },
      doc_count: Object.values(statuses).reduce((sum, count) => sum + count, 0),
      failures: { doc_count: (statuses[401] ?? 0) + (statuses[403] ?? 0) + (statuses[404] ?? 0) },
      ok: { doc_count: statuses[200] ?? 0 },
    });
    aggregates.addSensitivePair(pair('2001:db8:1:2::10', '/.env', { 404: 6 }));
    aggregates.addSensitivePair(pair('2001:db8:1:2::11', '/.git/config', { 404: 6 }));
    aggregates.addSensitivePair(pair('203.0.113.9', '/.env', { 200: 1 }));
    aggregates.addSensitivePair(pair('203.0.113.10', '/blog/environment%2f', { 403: 40 }));
    assert.equal(aggregates.rejectedPaths, 1);
    const v6 = aggregates.clients.get('2001:db8:1:2::/64');
    assert.ok(v6);
    assert.equal(v6.sensitiveHits, 12);
    assert.deepEqual(
      aggregates.verdicts(v6).map((verdict) => [verdict.threatType, verdict.severity]),
      [['secrets_scanning', 'medium']],
    );
    const exposed = aggregates.clients.get('203.0.113.9')!;
    assert.deepEqual(
      aggregates.verdicts(exposed).map((verdict) => [verdict.threatType, verdict.severity]),
      [['secret_exposure', 'critical']],
    );
    aggregates.addActivity({
      key: { client: '2001:db8:1:2::10' },
      doc_count: 12,
      statuses: { buckets: [{ key: 403, doc_count: 1 }] },
      sensitive: {
        burst: { buckets: Array.from({ length: 7 }, (_, index) => ({ key: index * 10_000, doc_count: 9 })) },
      },
    });
    assert.equal(peakBurst(v6, 60), 54);
    const [verdict] = aggregates.verdicts(v6);
    assert.equal(verdict.severity, 'high');
    assert.match(verdict.reasons[0], /more than 50 sensitive-path requests within 60s/);
  });

  it('a Kibana Discover link carries the index pattern, the client filter and the time range', () => {
    const link = discoverLink({
      kibanaUrl: 'https://kibana.example.com/',
      dataView: 'traefik-logs-*',
      field: 'ClientHost.keyword',
      ips: ['203.0.113.5'],
      from: Date.parse('2026-11-22T03:00:00Z'),
      to: Date.parse('2026-11-22T04:00:00Z'),
    });
    assert.ok(link.startsWith('https://kibana.example.com/app/discover#/?_g='));
    const decoded = decodeURIComponent(link);
    assert.match(decoded, /time:\(from:'2026-11-22T03:00:00.000Z',to:'2026-11-22T04:00:00.000Z'\)/);
    assert.match(decoded, /index:'traefik-logs-\*'/);
    assert.match(decoded, /query:'ClientHost : "203.0.113.5"'/);
  });
});
