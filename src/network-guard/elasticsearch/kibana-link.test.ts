// Our Discover links against what Kibana writes and reads (fixtures: __fixtures__/kibana/README.md).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as kibanaLink from './kibana-link.ts';
import { encodeKibanaState, encodeRison } from './kibana-link.ts';
import { decodeRison, kibanaUrlStates, type RisonValue } from './testing/rison-decode.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/kibana/${name}`, import.meta.url), 'utf8'));
const rison = fixture('rison-cases.json');
const locator = fixture('discover-locator-cases.json');

/** What Discover 8.x/9.x does with a 7.x `_a.index` (cleanup_url_state.ts): it becomes a data view data source. */
function migrateLegacyIndex(state: Record<string, RisonValue>): Record<string, RisonValue> {
  const { index, ...rest } = state;
  if (typeof index !== 'string' || rest.dataSource) return rest;
  return { ...rest, dataSource: { type: 'dataView', dataViewId: index } };
}

/** A quoted KQL string's text (rule QuotedCharacter). */
function unquoted(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|[\\"trn])/g, (_, escaped: string) =>
    escaped[0] === 'u'
      ? String.fromCharCode(Number.parseInt(escaped.slice(1), 16))
      : ({ t: '\t', r: '\r', n: '\n' }[escaped] ?? escaped),
  );
}

/** The clauses of `field : "value" or ...` (a field bare or quoted), unescaped as KQL's grammar unescapes a quoted value (rule QuotedCharacter). */
function kqlClauses(query: string): Array<[string, string]> {
  const clauses: Array<[string, string]> = [];
  const clause = /^([^\s:"\\()*]+|"(?:\\.|[^"\\])*") : "((?:\\.|[^"\\])*)"(?: or |$)/s;
  let rest = query;
  while (rest.length > 0) {
    const match = clause.exec(rest);
    if (!match) throw new Error(`not a list of field : "value" clauses: ${JSON.stringify(rest)}`);
    const field = match[1].startsWith('"') ? unquoted(match[1].slice(1, -1)) : match[1];
    if (!match[1].startsWith('"') && /^(?:and|or|not)$/i.test(field))
      throw new Error(`bare keyword as field: ${field}`);
    clauses.push([field, unquoted(match[2])]);
    rest = rest.slice(match[0].length);
  }
  return clauses;
}

const range = { from: Date.parse('2026-11-22T03:00:00Z'), to: Date.parse('2026-11-22T04:00:00Z') };
const time = { from: '2026-11-22T03:00:00.000Z', to: '2026-11-22T04:00:00.000Z' };

describe('the test decoder reads rison as Kibana does', () => {
  for (const example of rison.decode)
    it(`${example.from}: ${example.rison}`, () => assert.deepEqual(decodeRison(example.rison), example.value));
  for (const example of locator.urls)
    it(`${example.from}: ${example.path}`, () =>
      assert.deepEqual(kibanaUrlStates(example.path, example.query), example.state));
  it('cleanup_url_state: the 7.x index migration as the test models it', () => {
    for (const example of locator.legacyIndex) assert.deepEqual(migrateLegacyIndex(example.input), example.output);
  });
});

describe("Kibana's rison cases through our encoder", () => {
  for (const example of rison.encode)
    it(`${example.from}: ${example.rison}`, () => {
      assert.equal(encodeRison(example.value), example.rison);
      assert.deepEqual(decodeRison(encodeRison(example.value)), example.value);
    });
  for (const example of rison.uriRoundtrip)
    it(`${example.from}: URI round trip of ${JSON.stringify(Object.keys(example.value)[0])}`, () => {
      const url = `https://kibana.example.com/app/discover#/?_a=${encodeKibanaState(example.value)}`;
      assert.deepEqual(kibanaUrlStates(url)._a, example.value);
    });
  for (const example of locator.urls.filter((url: { params?: unknown }) => url.params))
    it(`${example.from}: Kibana's own URL text for ${example.path.slice(0, 40)}`, () => {
      const query = Object.entries(example.state as Record<string, unknown>)
        .map(([key, value]) => `${key}=${encodeKibanaState(value)}`)
        .join('&');
      assert.equal(`#/?${query}`, example.path);
    });
});

// Our own cases (not Kibana data): values Kibana's tests do not have but incidents carry.
const awkward = [
  '2001:db8::1',
  'fe80::1%eth0',
  '',
  "it's",
  'bang!',
  "'!'",
  '/wp admin/.env %2e%2e',
  '/ünïcödé/日本',
  '1.2.3.4) or (x',
  '#frag&_a=(index:evil)',
  'line\nbreak',
  'javascript:alert(1)',
  'quote " and \\ backslash',
  'ends with \\',
  '\\" or * : *',
  'tab\\t escaped',
];

describe("Discover links decode to the state Kibana's locator builds", () => {
  const dataViewId = 'c367b774-a4c2-11ea-bb37-0242ac130002';
  const scenarios = [
    { name: 'one IPv4 client', ips: ['203.0.113.5'] },
    { name: 'an IPv6 /64', ips: ['2001:db8::1', '2001:db8::2', '2001:db8::ff'] },
  ];
  for (const scenario of scenarios)
    it(scenario.name, () => {
      const link = kibanaLink.discoverLink({
        kibanaUrl: 'https://kibana.example.com',
        dataView: dataViewId,
        field: 'ClientHost.keyword',
        ips: scenario.ips,
        ...range,
      });
      const url = new URL(link);
      assert.equal(url.origin + url.pathname, 'https://kibana.example.com/app/discover');
      const states = kibanaUrlStates(link);
      assert.deepEqual(Object.keys(states).sort(), ['_a', '_g']);
      assert.deepEqual(states._g, { time });
      const app = states._a as Record<string, RisonValue>;
      const query = (app.query as Record<string, string>).query;
      assert.deepEqual(app, { index: dataViewId, query: { language: 'kuery', query } }, '7.x locator state');
      assert.deepEqual(
        migrateLegacyIndex(app),
        { dataSource: { type: 'dataView', dataViewId }, query: { language: 'kuery', query } },
        '9.x locator state',
      );
      assert.deepEqual(
        kqlClauses(query),
        scenario.ips.map((ip) => ['ClientHost', ip]),
      );
    });
  for (const value of awkward)
    it(`attacker value ${JSON.stringify(value)} stays one KQL value inside the rison string`, () => {
      const link = kibanaLink.discoverLink({
        kibanaUrl: 'https://kibana.example.com',
        dataView: dataViewId,
        field: 'ClientHost',
        ips: [value, '198.51.100.7'],
        ...range,
      });
      const url = new URL(link);
      assert.equal(url.origin + url.pathname + url.search, 'https://kibana.example.com/app/discover');
      const states = kibanaUrlStates(link);
      assert.deepEqual(Object.keys(states).sort(), ['_a', '_g']);
      assert.deepEqual(states._g, { time });
      const app = states._a as Record<string, Record<string, string>>;
      assert.equal(app.index as unknown, dataViewId);
      assert.deepEqual(kqlClauses(app.query.query), [
        ['ClientHost', value],
        ['ClientHost', '198.51.100.7'],
      ]);
    });
  for (const value of awkward)
    it(`data view id ${JSON.stringify(value)} round-trips`, () => {
      if (value === '') return;
      const link = kibanaLink.discoverLink({
        kibanaUrl: 'https://kibana.example.com',
        dataView: value,
        field: 'ClientHost',
        ips: ['203.0.113.5'],
        ...range,
      });
      assert.equal((kibanaUrlStates(link)._a as Record<string, unknown>).index, value);
    });
});

describe('the client field is read by KQL as the one field named', () => {
  for (const field of [
    'ClientHost',
    'source.ip',
    'request_X-Forwarded-For',
    '@client',
    'client ip',
    'client:ip',
    'client*',
    'not',
    'OR',
    'a"b\\c',
    '(x)',
  ])
    it(JSON.stringify(field), () => {
      const link = kibanaLink.discoverLink({
        kibanaUrl: 'https://kibana.example.com',
        dataView: 'v',
        field,
        ips: ['203.0.113.5'],
        ...range,
      });
      const app = kibanaUrlStates(link)._a as Record<string, Record<string, string>>;
      assert.deepEqual(kqlClauses(app.query.query), [[field, '203.0.113.5']]);
    });
});

describe('a configured document filter', () => {
  it('narrows the link to the documents detection read', () => {
    const link = kibanaLink.discoverLink({
      kibanaUrl: 'https://kibana.example.com',
      dataView: 'filebeat-*',
      field: 'source.ip',
      ips: ['203.0.113.5', '203.0.113.6'],
      documentFilter: [
        { field: 'event.module', values: ['traefik'] },
        { field: 'service.type.keyword', values: ['traefik', 'traefik "edge"'] },
        { field: 'http.response.status_code', values: [404, true] },
      ],
      ...range,
    });
    const app = kibanaUrlStates(link)._a as Record<string, Record<string, string>>;
    assert.equal(
      app.query.query,
      '(event.module : "traefik") and (service.type : "traefik" or service.type : "traefik \\"edge\\"") and (http.response.status_code : 404 or http.response.status_code : true) and (source.ip : "203.0.113.5" or source.ip : "203.0.113.6")',
    );
  });
});

describe('the link origin comes only from configuration', () => {
  const link = (kibanaUrl: string) =>
    kibanaLink.discoverLink({ kibanaUrl, dataView: 'logs-*', field: 'source.ip', ips: ['203.0.113.5'], ...range });
  it('a base path and a space are kept', () => {
    assert.ok(
      link('https://kibana.example.com/kibana/').startsWith('https://kibana.example.com/kibana/app/discover#/?'),
    );
    assert.ok(
      link('https://kibana.example.com/s/security').startsWith('https://kibana.example.com/s/security/app/discover#/?'),
    );
  });
  it('a query or fragment in kibana_url does not swallow the Discover path', () => {
    const url = new URL(link('https://kibana.example.com/?next=/evil#old'));
    assert.equal(url.pathname, '/app/discover');
    assert.equal(url.search, '');
    assert.deepEqual(Object.keys(kibanaUrlStates(url.href)).sort(), ['_a', '_g']);
  });
  it('credentials in kibana_url never reach the link', () => {
    const url = new URL(link('https://elastic:changeme@kibana.example.com'));
    assert.equal(url.username + url.password, '');
  });
  it('only http and https', () => {
    assert.throws(() => link('javascript:alert(1)//'));
    assert.throws(() => link('data:text/html,x'));
  });
});
