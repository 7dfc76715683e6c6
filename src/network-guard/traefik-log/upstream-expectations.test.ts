// What Traefik's own tests say its access log looks like, version by version and under the `accessLog.fields`
// settings (defaultMode keep/drop, names, headers keep/drop/redact), each with what we must read from it.
// CLF lines are verbatim from traefik/traefik pkg/middlewares/accesslog/{logger_formatters,logger,parser}_test.go at
// fd5a576df2e8 (v3.7, which escapes quotes since v3.6.18 32da599169a0) and v2.0.0 3d784a14f9a5, and
// middlewares/accesslog/ at v1.7.34 bf650d7623bf; where Traefik's test host "TestHost" stands for the client, a
// second copy puts an address in its place. JSON lines are built from TestLoggerJSON's expected field sets (Traefik
// checks them as maps, not as text), in logrus' encoding: sorted keys, HTML-safe escapes. Lines named "built on"
// follow the Go code they name (v2.11.53 e31d5708e4b0 field_middleware.go, logger.go), not a test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOT_HTTP, splitClfLine } from './clf-fields.ts';
import { ClientIpResolver } from './client-ip.ts';
import { type ParseFailureReason, parseTraefikLine } from './parse-traefik-line.ts';

interface Expected {
  ip: string;
  path: string;
  status: number;
  time?: number;
  agent?: string;
  router?: string;
  host?: string;
}

interface Case {
  name: string;
  line: string;
  expect: Expected | ParseFailureReason;
  trustedProxies?: string[];
}

// Traefik's CLF test expectations, verbatim (logger_formatters_test.go, logger_test.go, parser_test.go).
const NOV_10 = Date.parse('2009-11-10T23:00:00Z');
const APR_13 = Date.parse('2016-04-13T14:14:19Z');
const MAR_09 = Date.parse('2018-03-09T10:51:32Z');
const TEST_LINE =
  'TestHost - TestUser [13/Apr/2016:07:14:19 -0700] "POST testpath?param1=test1&param2=test2 HTTP/0.0" 123 12 "testReferer" "testUserAgent" 23 "testRouter" "http://127.0.0.1/testService" 1ms';

const CLF_CASES: Case[] = [
  {
    name: 'v3.7 formatter: status and size nil, empty referer/agent/router/service',
    line: '10.0.0.1 - Client [10/Nov/2009:23:00:00 +0000] "GET /foo http" - - "-" "-" 0 "-" "-" 123000ms',
    expect: { ip: '10.0.0.1', path: '/foo', status: 0, time: NOV_10, agent: '' },
  },
  {
    name: 'v3.7 formatter: all data',
    line: '10.0.0.1 - Client [10/Nov/2009:23:00:00 +0000] "GET /foo http" 123 132 "referer" "agent" - "foo" "http://10.0.0.2/toto" 123000ms',
    expect: { ip: '10.0.0.1', path: '/foo', status: 123, time: NOV_10, agent: 'agent', router: 'foo' },
  },
  {
    name: 'v3.7 formatter: all data, local time -0900',
    line: '10.0.0.1 - Client [10/Nov/2009:14:00:00 -0900] "GET /foo http" 123 132 "referer" "agent" - "foo" "http://10.0.0.2/toto" 123000ms',
    expect: { ip: '10.0.0.1', path: '/foo', status: 123, time: NOV_10, agent: 'agent', router: 'foo' },
  },
  {
    name: 'v3.6.18+ formatter: a quote in the user agent is escaped',
    line: '10.0.0.1 - - [10/Nov/2009:23:00:00 +0000] "GET / HTTP/1.1" 200 0 "-" "foo \\" bar" 1 "test@file" "http://127.0.0.1:8080" 1ms',
    expect: { ip: '10.0.0.1', path: '/', status: 200, time: NOV_10, agent: 'foo " bar', router: 'test@file' },
  },
  {
    name: 'v3.7 generic CLF: status and size nil',
    line: '10.0.0.1 - Client [10/Nov/2009:23:00:00 +0000] "GET /foo http" - - "-" "-"',
    expect: { ip: '10.0.0.1', path: '/foo', status: 0, time: NOV_10, agent: '' },
  },
  {
    name: 'v3.7 generic CLF: all data',
    line: '10.0.0.1 - Client [10/Nov/2009:23:00:00 +0000] "GET /foo http" 123 132 "referer" "agent"',
    expect: { ip: '10.0.0.1', path: '/foo', status: 123, time: NOV_10, agent: 'agent' },
  },
  {
    name: 'v3.7 generic CLF: local time -0900',
    line: '10.0.0.1 - Client [10/Nov/2009:14:00:00 -0900] "GET /foo http" 123 132 "referer" "agent"',
    expect: { ip: '10.0.0.1', path: '/foo', status: 123, time: NOV_10, agent: 'agent' },
  },
  // logger_test.go: the client is the hostname "TestHost", not an address: nobody can be named.
  { name: 'v3.7 logger: default config (ClientHost "TestHost")', line: TEST_LINE, expect: 'unattributed' },
  {
    name: 'v3.7 logger: default config, with an address for TestHost',
    line: TEST_LINE.replace('TestHost', '192.0.2.44'),
    expect: { ip: '192.0.2.44', path: '/testpath', status: 123, time: APR_13, agent: 'testUserAgent' },
  },
  {
    name: 'v3.7 logger: query parameters dropped',
    line: TEST_LINE.replace('TestHost', '192.0.2.44').replace('?param1=test1&param2=test2', ''),
    expect: { ip: '192.0.2.44', path: '/testpath', status: 123, time: APR_13, router: 'testRouter' },
  },
  {
    name: 'v3.7 logger: generic CLF',
    line: '192.0.2.44 - TestUser [13/Apr/2016:07:14:19 -0700] "POST testpath?param1=test1&param2=test2 HTTP/0.0" 123 12 "testReferer" "testUserAgent"',
    expect: { ip: '192.0.2.44', path: '/testpath', status: 123, time: APR_13, agent: 'testUserAgent' },
  },
  {
    name: 'v3.7 logger: defaultMode keep, ClientHost dropped ("-")',
    line: TEST_LINE.replace('TestHost', '-'),
    expect: 'unattributed',
  },
  {
    name: 'v3.7 logger: defaultMode drop (no time, no request)',
    line: '- - - [-] "- - -" - - "testReferer" "testUserAgent" - "-" "-" 0ms',
    expect: 'malformed',
  },
  {
    name: 'v3.7 logger: defaultMode drop, ClientUsername kept',
    line: '- - TestUser [-] "- - -" - - "testReferer" "testUserAgent" - "-" "-" 0ms',
    expect: 'malformed',
  },
  {
    name: 'v3.7 logger: defaultMode drop, headers dropped',
    line: '- - TestUser [-] "- - -" - - "-" "-" - "-" "-" 0ms',
    expect: 'malformed',
  },
  {
    name: 'v3.7 logger: defaultMode drop, headers redacted',
    line: '- - TestUser [-] "- - -" - - "REDACTED" "REDACTED" - "-" "-" 0ms',
    expect: 'malformed',
  },
  {
    name: 'v3.7 logger: defaultMode drop, Referer redacted',
    line: '- - TestUser [-] "- - -" - - "REDACTED" "testUserAgent" - "-" "-" 0ms',
    expect: 'malformed',
  },
  {
    name: 'v3.7 logger, fields kept and headers redacted: REDACTED referer and agent read as empty',
    line: TEST_LINE.replace('TestHost', '192.0.2.44').replace('"testReferer" "testUserAgent"', '"REDACTED" "REDACTED"'),
    expect: { ip: '192.0.2.44', path: '/testpath', status: 123, agent: '', router: 'testRouter' },
  },
  {
    name: 'v3.7 parser_test: router name with a space, no service URL (bare "-")',
    line: '127.0.0.1 - - [09/Mar/2018:10:51:32 +0000] "GET / HTTP/1.1" 401 17 "-" "Go-http-client/1.1" 1 "testRouter with space" - 0ms',
    expect: { ip: '127.0.0.1', path: '/', status: 401, time: MAR_09, agent: 'Go-http-client/1.1' },
  },
  {
    name: 'v1.7 and v2.0-v2.1 formatter: status, size, frontend/router and backend/service missing (bare "-")',
    line: '10.0.0.1 - Client [10/Nov/2009:23:00:00 +0000] "GET /foo http" - - "-" "-" 0 - - 123000ms',
    expect: { ip: '10.0.0.1', path: '/foo', status: 0, time: NOV_10 },
  },
  {
    name: 'v1.7 logger: default config, with an address for TestHost',
    line: '192.0.2.44 - TestUser [13/Apr/2016:07:14:19 -0700] "POST testpath HTTP/0.0" 123 12 "testReferer" "testUserAgent" 1 "testFrontend" "http://127.0.0.1/testBackend" 1ms',
    expect: { ip: '192.0.2.44', path: '/testpath', status: 123, time: APR_13, router: 'testFrontend' },
  },
  {
    name: 'v1.7 logger: defaultMode drop, Referer redacted ("- - -" tail)',
    line: '- - TestUser [-] "- - -" - - "REDACTED" "testUserAgent" - - - 0ms',
    expect: 'malformed',
  },
  {
    name: 'v1.7 parser_test: frontend name with a space, no backend',
    line: '127.0.0.1 - - [09/Mar/2018:10:51:32 +0000] "GET / HTTP/1.1" 401 17 "-" "Go-http-client/1.1" 1 "testFrontend with space" - 0ms',
    expect: { ip: '127.0.0.1', path: '/', status: 401, router: 'testFrontend with space' },
  },
  {
    name: 'built on v2.11 field_middleware.go: ServiceURL is the request URL sent on, its raw query may hold a quote',
    line: '203.0.113.7 - - [10/Nov/2009:23:00:00 +0000] "GET /.env?a="x HTTP/2.0" 404 19 "-" "curl/8.5" 9 "shop@docker" "http://172.18.0.4:80/.env?a="x" 2ms',
    expect: { ip: '203.0.113.7', path: '/.env', status: 404, agent: 'curl/8.5', router: 'shop@docker' },
  },
  {
    name: 'built on logger.go: IPv6 ClientHost (Traefik writes the host without brackets)',
    line: '::1 - - [10/Nov/2009:23:00:00 +0000] "GET /.git/config HTTP/2.0" 404 19 "-" "-" 3 "web@docker" "http://[::1]:8080" 0ms',
    expect: { ip: '::1', path: '/.git/config', status: 404, router: 'web@docker' },
  },
];

/** A line as logrus' JSONFormatter writes it: keys sorted byte-wise, `&`, `<`, `>` escaped (HTML-safe encoding). */
function logrusJson(fields: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify(sorted).replaceAll('&', '\\u0026').replaceAll('<', '\\u003c').replaceAll('>', '\\u003e');
}

// TestLoggerJSON's default field set (v3.7), the test host replaced by an address.
const V3_DEFAULT = {
  ClientAddr: '192.0.2.44:8181',
  ClientHost: '192.0.2.44',
  ClientPort: '8181',
  ClientUsername: 'TestUser',
  DownstreamContentSize: 12,
  DownstreamStatus: 123,
  Duration: 1204087,
  OriginContentSize: 12,
  OriginDuration: 1000042,
  OriginStatus: 123,
  Overhead: 204045,
  RequestAddr: 'TestHost',
  RequestContentSize: 0,
  RequestCount: 1,
  RequestHost: 'TestHost',
  RequestMethod: 'POST',
  RequestPath: 'testpath?param1=test1&param2=test2',
  RequestPort: '-',
  RequestProtocol: 'HTTP/0.0',
  RequestScheme: 'http',
  RetryAttempts: 2,
  RouterName: 'testRouter',
  ServiceURL: 'http://127.0.0.1/testService',
  StartLocal: '2016-04-13T07:14:19.123456789-07:00',
  StartUTC: '2016-04-13T14:14:19.123456789Z',
  'downstream_Content-Type': 'text/plain; charset=utf-8',
  level: 'info',
  msg: '',
  request_Referer: 'testReferer',
  'request_User-Agent': 'testUserAgent',
  time: '2016-04-13T07:14:19-07:00',
};
const V3_EVENT: Expected = {
  ip: '192.0.2.44',
  path: '/testpath',
  status: 123,
  time: Date.parse('2016-04-13T14:14:19.123Z'),
  agent: 'testUserAgent',
  router: 'testRouter',
  host: 'TestHost',
};

function without(fields: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !keys.includes(key)));
}

const JSON_CASES: Case[] = [
  { name: 'v3.7 default config', line: logrusJson(V3_DEFAULT), expect: V3_EVENT },
  {
    name: 'v3.7 default config, the test host as ClientHost ("TestHost:8181")',
    line: logrusJson({ ...V3_DEFAULT, ClientAddr: 'TestHost:8181', ClientHost: 'TestHost' }),
    expect: 'unattributed',
  },
  {
    name: 'v3.7 TLS request: TLSClientSubject, TLSVersion, TLSCipher, https',
    line: logrusJson({
      ...V3_DEFAULT,
      RequestScheme: 'https',
      TLSCipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      TLSClientSubject: 'CN=foobar',
      TLSVersion: '1.3',
    }),
    expect: V3_EVENT,
  },
  {
    name: 'v3.7 tracing: TraceId, SpanId, trace_id, span_id',
    line: logrusJson({
      ...V3_DEFAULT,
      SpanId: '0100000000000000',
      TraceId: '01000000000000000000000000000000',
      span_id: '0100000000000000',
      trace_id: '01000000000000000000000000000000',
    }),
    expect: V3_EVENT,
  },
  {
    name: 'v3.7 Kubernetes Ingress metadata',
    line: logrusJson({
      ...V3_DEFAULT,
      KubernetesIngressName: 'test-ingress',
      KubernetesIngressNamespace: 'test-namespace',
      KubernetesServiceName: 'test-service',
      KubernetesServicePort: 'test-port',
    }),
    expect: V3_EVENT,
  },
  {
    name: 'v3.7 aborted request: RequestPath empty',
    line: logrusJson({ ...without(V3_DEFAULT, 'OriginStatus', 'RouterName'), RequestPath: '', DownstreamStatus: 200 }),
    expect: { ip: '192.0.2.44', path: '/', status: 200, agent: 'testUserAgent' },
  },
  {
    name: 'v3.7 defaultMode drop: only level, msg, time and the headers',
    line: logrusJson({
      'downstream_Content-Type': 'text/plain; charset=utf-8',
      level: 'info',
      msg: '',
      request_Referer: 'testReferer',
      'request_User-Agent': 'testUserAgent',
      time: '2016-04-13T07:14:19-07:00',
    }),
    expect: 'malformed',
  },
  {
    name: 'v3.7 defaultMode drop, headers dropped',
    line: logrusJson({ level: 'info', msg: '', time: '2016-04-13T07:14:19-07:00' }),
    expect: 'malformed',
  },
  {
    name: 'v3.7 defaultMode drop, headers redacted',
    line: logrusJson({
      'downstream_Content-Type': 'REDACTED',
      level: 'info',
      msg: '',
      request_Referer: 'REDACTED',
      'request_User-Agent': 'REDACTED',
      time: '2016-04-13T07:14:19-07:00',
    }),
    expect: 'malformed',
  },
  {
    name: 'v3.7 defaultMode drop, RequestHost and Referer kept',
    line: logrusJson({
      RequestHost: 'TestHost',
      level: 'info',
      msg: '',
      request_Referer: 'testReferer',
      time: '2016-04-13T07:14:19-07:00',
    }),
    expect: 'malformed',
  },
  {
    name: 'defaultMode drop, ClientHost, RequestPath and DownstreamStatus kept, headers dropped: the logrus time',
    line: logrusJson({
      ClientHost: '198.51.100.9',
      DownstreamStatus: 404,
      RequestPath: '/.env',
      level: 'info',
      msg: '',
      time: '2026-11-21T09:02:38+01:00',
    }),
    expect: { ip: '198.51.100.9', path: '/.env', status: 404, time: Date.parse('2026-11-21T08:02:38Z'), agent: '' },
  },
  {
    name: 'headers redacted: a REDACTED user agent is not a scanner, REDACTED X-Forwarded-For is not an address',
    line: logrusJson({
      ...V3_DEFAULT,
      ClientAddr: '10.0.0.2:41000',
      ClientHost: '203.0.113.50',
      'request_User-Agent': 'REDACTED',
      'request_X-Forwarded-For': 'REDACTED',
      'request_X-Real-Ip': 'REDACTED',
    }),
    trustedProxies: ['10.0.0.2'],
    expect: { ip: '203.0.113.50', path: '/testpath', status: 123, agent: '' },
  },
  {
    name: 'ClientAddr as "[::1]:1234", ClientHost "::1"',
    line: logrusJson({ ...V3_DEFAULT, ClientAddr: '[::1]:1234', ClientHost: '::1', ClientPort: '1234' }),
    expect: { ...V3_EVENT, ip: '::1' },
  },
  {
    name: 'RequestAddr with a port, RequestHost without',
    line: logrusJson({ ...V3_DEFAULT, RequestAddr: 'shop.example.com:8443', RequestHost: 'shop.example.com' }),
    expect: { ...V3_EVENT, host: 'shop.example.com' },
  },
  {
    name: 'StartUTC without nanoseconds (Go drops trailing zeros)',
    line: logrusJson({ ...V3_DEFAULT, StartUTC: '2016-04-13T14:14:19Z', StartLocal: '2016-04-13T07:14:19-07:00' }),
    expect: { ...V3_EVENT, time: APR_13 },
  },
  {
    name: 'v2.11: ServiceURL a nested url.URL object holding the path sent on',
    line: logrusJson({
      ...V3_DEFAULT,
      ServiceAddr: '172.18.0.4:80',
      ServiceURL: {
        Scheme: 'http',
        Opaque: '',
        User: null,
        Host: '172.18.0.4:80',
        Path: '/testpath',
        RawPath: '',
        OmitHost: false,
        ForceQuery: false,
        RawQuery: 'param1=test1&param2=test2',
        Fragment: '',
        RawFragment: '',
      },
    }),
    expect: V3_EVENT,
  },
  {
    name: 'v1.7: FrontendName, BackendName, BackendURL object, RequestLine, status lines',
    line: logrusJson({
      ...without(V3_DEFAULT, 'RouterName', 'ServiceURL'),
      BackendAddr: '127.0.0.1',
      BackendName: 'testBackend',
      BackendURL: {
        Scheme: 'http',
        Opaque: '',
        User: null,
        Host: '127.0.0.1',
        Path: '/testBackend',
        RawPath: '',
        ForceQuery: false,
        RawQuery: '',
        Fragment: '',
      },
      DownstreamStatusLine: '123 ',
      FrontendName: 'testFrontend',
      OriginStatusLine: '123 ',
      RequestLine: 'POST testpath?param1=test1&param2=test2 HTTP/0.0',
    }),
    expect: { ...V3_EVENT, router: 'testFrontend' },
  },
];

function check(testCase: Case): string | undefined {
  const resolver = new ClientIpResolver(testCase.trustedProxies ?? []);
  const result = parseTraefikLine(testCase.line, { resolver });
  const { expect } = testCase;
  if (typeof expect === 'string')
    return result.ok ? `an event, expected ${expect}` : result.reason === expect ? undefined : result.reason;
  if (!result.ok) return result.reason;
  const event = result.event;
  const got: Expected = { ip: event.clientIp, path: event.path, status: event.status };
  if (expect.time !== undefined) got.time = event.time;
  if (expect.agent !== undefined) got.agent = event.userAgent;
  if (expect.router !== undefined) got.router = event.routerName;
  if (expect.host !== undefined) got.host = event.host;
  try {
    assert.deepEqual(got, expect);
    return undefined;
  } catch {
    return `read ${JSON.stringify(got)}`;
  }
}

describe("Traefik's own access-log expectations", () => {
  for (const [format, cases] of [
    ['CLF', CLF_CASES],
    ['JSON', JSON_CASES],
  ] as const) {
    it(`reads every ${format} line with the right values (or gives the right reason)`, () => {
      const wrong = cases.map((testCase) => [testCase.name, check(testCase)]).filter(([, problem]) => problem);
      const report = wrong.map(([name, problem]) => `${name}: ${problem}`).join('\n');
      assert.equal(wrong.length, 0, report);
    });
  }

  it('splits the v3 test line into the fields Traefik itself parses out of it (parser.go)', () => {
    const fields = splitClfLine(TEST_LINE);
    assert.ok(fields && fields !== NOT_HTTP);
    assert.deepEqual(
      { ...fields, time: new Date(fields.time).toISOString() },
      {
        clientHost: 'TestHost',
        user: 'TestUser',
        time: '2016-04-13T14:14:19.000Z',
        method: 'POST',
        path: 'testpath?param1=test1&param2=test2',
        protocol: 'HTTP/0.0',
        status: 123,
        size: 12,
        referer: 'testReferer',
        userAgent: 'testUserAgent',
        routerName: 'testRouter',
        serviceUrl: 'http://127.0.0.1/testService',
      },
    );
  });
});
