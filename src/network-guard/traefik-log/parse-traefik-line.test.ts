import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import { ClientIpResolver } from './client-ip.ts';
import { ContainerFragments } from './container-log.ts';
import { type ParseResult, parseTraefikLine } from './parse-traefik-line.ts';
import { createPrefilter } from './prefilter.ts';

/** A real-shaped Traefik v3 JSON line (logrus: keys sorted, headers kept as request_*). */
function jsonLine(overrides: Record<string, unknown> = {}, drop: string[] = []): string {
  const fields: Record<string, unknown> = {
    ClientAddr: '81.2.69.160:52114',
    ClientHost: '81.2.69.160',
    ClientPort: '52114',
    DownstreamContentSize: 19,
    DownstreamStatus: 404,
    Duration: 1843221,
    OriginContentSize: 19,
    OriginDuration: 1706000,
    OriginStatus: 404,
    Overhead: 137221,
    RequestAddr: 'www.example.com',
    RequestContentSize: 0,
    RequestCount: 1834,
    RequestHost: 'www.example.com',
    RequestMethod: 'GET',
    RequestPath: '/.env?debug=1',
    RequestProtocol: 'HTTP/1.1',
    RequestScheme: 'https',
    RetryAttempts: 0,
    RouterName: 'shop-www@kubernetescrd',
    ServiceAddr: '10.42.1.17:8080',
    ServiceName: 'shop-www-80@kubernetes',
    ServiceURL: 'http://10.42.1.17:8080',
    StartLocal: '2026-11-21T09:02:38.534274475+01:00',
    StartUTC: '2026-11-21T08:02:38.534274475Z',
    TLSCipher: 'TLS_AES_128_GCM_SHA256',
    TLSVersion: '1.3',
    entryPointName: 'websecure',
    level: 'info',
    msg: '',
    'request_User-Agent': 'trufflehog/3.84.1',
    time: '2026-11-21T09:02:38+01:00',
    ...overrides,
  };
  for (const key of drop) delete fields[key];
  return JSON.stringify(fields);
}

function event(result: ParseResult) {
  assert.equal(result.ok, true, `expected an event, got ${JSON.stringify(result)}`);
  if (!result.ok) throw new Error('unreachable');
  return result.event;
}

describe('parseTraefikLine: JSON', () => {
  it('reads every timestamp shape to the millisecond, line after line (the whole second is cached)', () => {
    const stamps = [
      '2026-11-21T08:02:38.534274475Z',
      '2026-11-21T08:02:38.999Z',
      '2026-11-21T08:02:38Z',
      '2026-11-21T09:02:38.5+01:00',
      '2026-11-21T09:02:38+01:00',
      '2026-11-21T08:02:38.1-00:30',
      '2026-11-21T08:02:39.000000001Z',
      '2026-11-21T08:02:38.534274475Z',
      '2026-11-22T08:02:38.534Z',
      '2026-11-21T08:02:38',
      '2026-11-21T08:02:38.25',
      '2026-11-21T08:02:38.534274475Z',
    ];
    for (const stamp of stamps) {
      // Date.parse itself, with the fraction cut to milliseconds.
      const fraction = /^\.(\d+)/.exec(stamp.slice(19));
      const millis = fraction ? `.${fraction[1].padEnd(3, '0').slice(0, 3)}` : '';
      const expected = Date.parse(`${stamp.slice(0, 19)}${millis}${stamp.slice(19 + (fraction?.[0].length ?? 0))}`);
      assert.equal(event(parseTraefikLine(jsonLine({ StartUTC: stamp }))).time, expected, stamp);
    }
  });

  it('reads the fields the detector needs', () => {
    const parsed = event(parseTraefikLine(jsonLine()));
    assert.equal(parsed.time, Date.parse('2026-11-21T08:02:38.534Z'));
    assert.equal(parsed.clientIp, '81.2.69.160');
    assert.equal(parsed.peerIp, '81.2.69.160');
    assert.equal(parsed.method, 'GET');
    assert.equal(parsed.rawPath, '/.env');
    assert.equal(parsed.path, '/.env');
    assert.equal(parsed.status, 404);
    assert.equal(parsed.userAgent, 'trufflehog/3.84.1');
    assert.equal(parsed.host, 'www.example.com');
    assert.equal(parsed.routerName, 'shop-www@kubernetescrd');
    assert.equal(parsed.raw, jsonLine());
  });

  it('decodes Go JSON escapes (\\u0026, quotes) in the path and a user agent with quotes', () => {
    const line = jsonLine({ RequestPath: '/search?q=a&b=c', 'request_User-Agent': 'Mozilla/5.0 "quoted" \\ agent' })
      .replace('&', '\\u0026')
      .replace('/search', '/%2e%65nv');
    const parsed = event(parseTraefikLine(line));
    assert.equal(parsed.rawPath, '/%2e%65nv');
    assert.equal(parsed.path, '/.env');
    assert.equal(parsed.userAgent, 'Mozilla/5.0 "quoted" \\ agent');
  });

  it('takes the IPv6 TCP peer from ClientAddr in brackets', () => {
    const line = jsonLine({ ClientAddr: '[2001:DB8:bad:5ca::1f]:443', ClientHost: '2001:db8:bad:5ca::1f' });
    const parsed = event(parseTraefikLine(line));
    assert.equal(parsed.clientIp, '2001:db8:bad:5ca::1f');
  });

  it('falls back to OriginStatus, StartLocal and logrus time when fields are missing', () => {
    const parsed = event(parseTraefikLine(jsonLine({}, ['DownstreamStatus', 'StartUTC'])));
    assert.equal(parsed.status, 404);
    assert.equal(parsed.time, Date.parse('2026-11-21T08:02:38.534Z'));
    const onlyTime = event(parseTraefikLine(jsonLine({}, ['StartUTC', 'StartLocal'])));
    assert.equal(onlyTime.time, Date.parse('2026-11-21T08:02:38Z'));
  });

  it('accepts a line without user agent, host, router or ClientAddr (ClientHost is then the peer)', () => {
    const parsed = event(
      parseTraefikLine(
        jsonLine({}, ['request_User-Agent', 'RequestHost', 'RouterName', 'ClientAddr', 'RequestMethod']),
      ),
    );
    assert.equal(parsed.userAgent, '');
    assert.equal(parsed.method, '');
    assert.equal(parsed.host, undefined);
    assert.equal(parsed.routerName, undefined);
    assert.equal(parsed.clientIp, '81.2.69.160');
  });

  it('reports lines missing required fields as malformed', () => {
    for (const missing of [['RequestPath'], ['DownstreamStatus', 'OriginStatus'], ['StartUTC', 'StartLocal', 'time']]) {
      assert.deepEqual(parseTraefikLine(jsonLine({}, missing)), { ok: false, reason: 'malformed' }, missing.join());
    }
    assert.deepEqual(parseTraefikLine(jsonLine({}, ['ClientAddr', 'ClientHost'])), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseTraefikLine(jsonLine({ RequestPath: 42 })), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseTraefikLine(jsonLine({ DownstreamStatus: 'x', OriginStatus: 'y' })), {
      ok: false,
      reason: 'malformed',
    });
    assert.deepEqual(parseTraefikLine(jsonLine({ StartUTC: 'yesterday', StartLocal: 'x', time: 'y' })), {
      ok: false,
      reason: 'malformed',
    });
  });

  it('reports a JSON object cut before its end as truncated, and two records run together as malformed', () => {
    const line = jsonLine();
    assert.deepEqual(parseTraefikLine(line.slice(0, 300)), { ok: false, reason: 'truncated' });
    assert.deepEqual(parseTraefikLine(line.slice(0, line.indexOf('"RequestPath"') + 20)), {
      ok: false,
      reason: 'truncated',
    });
    assert.deepEqual(parseTraefikLine(line.slice(0, 200) + line), { ok: false, reason: 'malformed' });
  });

  it('keeps a line whose user agent has bytes that are not UTF-8 (replacement characters)', () => {
    const bytes = Buffer.concat([
      Buffer.from(jsonLine({ 'request_User-Agent': 'Mozilla/5.0 X' }).split('X"')[0]),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(`"${jsonLine().split('"request_User-Agent":"trufflehog/3.84.1"')[1]}`),
    ]);
    const parsed = event(parseTraefikLine(bytes.toString('utf8')));
    assert.match(parsed.userAgent, /^Mozilla\/5\.0 \uFFFD+$/);
    assert.equal(parsed.path, '/.env');
  });

  it('reports NUL bytes and undecodable garbage as binary', () => {
    assert.deepEqual(parseTraefikLine(`${jsonLine().slice(0, 50)}\u0000\u0000${jsonLine().slice(52)}`), {
      ok: false,
      reason: 'binary',
    });
    const garbage = Buffer.from(
      Array.from({ length: 300 }, (_, index) => (index * 131 + 7) % 256).filter((b) => b !== 10),
    );
    assert.deepEqual(parseTraefikLine(garbage.toString('utf8')), { ok: false, reason: 'binary' });
  });

  it('reports text that is neither JSON nor CLF as malformed, blank as malformed', () => {
    assert.deepEqual(parseTraefikLine('time="2026-11-21" level=info msg="Configuration loaded"'), {
      ok: false,
      reason: 'malformed',
    });
    assert.deepEqual(parseTraefikLine('   '), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseTraefikLine('{"ClientAddr": }'), { ok: false, reason: 'malformed' });
  });

  it('salvages an oversized line from its head, a huge user agent included, and marks it', () => {
    const agent = `gitleaks/8.21.2 ${'A'.repeat(40_000)}`;
    const result = parseTraefikLine(jsonLine({ 'request_User-Agent': agent }), { maxLineBytes: 4096 });
    const parsed = event(result);
    assert.equal(result.ok && result.oversized, true);
    assert.equal(parsed.path, '/.env');
    assert.ok(parsed.userAgent.startsWith('gitleaks/8.21.2 AAAA'));
    assert.ok((parsed.raw ?? '').length <= 2048);
    // When even the head cannot be read, the line is reported oversized.
    const unreadable = parseTraefikLine(`{"RequestPath":"/${'a'.repeat(10_000)}"}`, { maxLineBytes: 4096 });
    assert.deepEqual(unreadable, { ok: false, reason: 'oversized' });
  });

  it('reads an oversized CLF line from its head, and never a line head a client wrote into what is left', () => {
    const head = '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 19';
    const long = parseTraefikLine(`${head} "-" "gitleaks/8.21.2 ${'A'.repeat(40_000)}" 7 "web@docker" "-" 1ms`, {
      maxLineBytes: 4096,
    });
    assert.equal(long.ok && long.oversized, true);
    assert.deepEqual(
      [event(long).clientIp, event(long).path, event(long).status, event(long).routerName],
      ['81.2.69.160', '/.env', 404, undefined],
    );
    assert.ok(event(long).userAgent.startsWith('gitleaks/8.21.2 AAAA'));
    // Cut inside the referer: no user agent.
    const inReferer = parseTraefikLine(`${head} "https://${'r'.repeat(9000)}" "curl/8.5" 7 "-" "-" 1ms`, {
      maxLineBytes: 4096,
    });
    assert.deepEqual([event(inReferer).clientIp, event(inReferer).userAgent], ['81.2.69.160', '']);
    // A forged head in the user agent, before the cut: no telling which address is Traefik's, so none is read.
    const forged = `${head} "-" "x 9.9.9.9 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 19 ${'A'.repeat(9000)}"`;
    assert.deepEqual(parseTraefikLine(forged, { maxLineBytes: 4096 }), { ok: false, reason: 'oversized' });
    // Cut inside the request: no status, nothing read.
    const inPath = parseTraefikLine(
      `81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /${'p'.repeat(9000)} HTTP/1.1" 404 19`,
      {
        maxLineBytes: 4096,
      },
    );
    assert.deepEqual(inPath, { ok: false, reason: 'oversized' });
  });

  it('caps event.raw at about 2 KB', () => {
    const parsed = event(parseTraefikLine(jsonLine({ 'request_User-Agent': 'x'.repeat(5000) })));
    assert.equal(parsed.raw?.length, 2048);
    assert.equal(event(parseTraefikLine(jsonLine(), { rawChars: 0 })).raw, undefined);
  });

  it('resolves the client through trusted proxies and refuses to name a proxy', () => {
    const resolver = new ClientIpResolver(['10.0.0.2', '10.0.0.3']);
    const line = jsonLine({
      ClientAddr: '10.0.0.3:41000',
      ClientHost: '203.0.113.10, 192.0.2.150, 10.0.0.2',
      'request_X-Forwarded-For': '203.0.113.10, 192.0.2.150, 10.0.0.2',
    });
    const parsed = event(parseTraefikLine(line, { resolver }));
    assert.equal(parsed.clientIp, '192.0.2.150');
    assert.equal(parsed.peerIp, '10.0.0.3');
    const fromProxyItself = jsonLine({ ClientAddr: '10.0.0.2:41000', ClientHost: '10.0.0.2' });
    assert.deepEqual(parseTraefikLine(fromProxyItself, { resolver }), { ok: false, reason: 'unattributed' });
  });

  it('answers filtered for lines the prefilter rejects, before parsing', () => {
    let calls = 0;
    const prefilter = (line: string) => {
      calls++;
      return line.includes('/.env');
    };
    assert.deepEqual(parseTraefikLine(jsonLine({ RequestPath: '/about' }), { prefilter }), {
      ok: false,
      reason: 'filtered',
    });
    assert.equal(event(parseTraefikLine(jsonLine(), { prefilter })).path, '/.env');
    assert.equal(calls, 2);
  });

  it('reads JSON written with spaces after colons, and keys in any order', () => {
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(jsonLine())).reverse()), null, 0)
      .replaceAll('":', '": ')
      .replace('"StartUTC": ', '"StartUTC":  ');
    const parsed = event(parseTraefikLine(reordered));
    assert.equal(parsed.path, '/.env');
    assert.equal(parsed.status, 404);
    assert.equal(parsed.clientIp, '81.2.69.160');
  });

  it('is not fooled by a user agent that spells out other fields', () => {
    const line = jsonLine({
      RequestPath: '/index.html',
      'request_User-Agent': 'x","RequestPath":"/.env","DownstreamStatus":200,"ClientAddr":"1.1.1.1:1',
    });
    const parsed = event(parseTraefikLine(line));
    assert.equal(parsed.path, '/index.html');
    assert.equal(parsed.status, 404);
    assert.equal(parsed.clientIp, '81.2.69.160');
  });
});

describe('parseTraefikLine: JSON under accessLog.fields (drop, redact) and in v1.7', () => {
  const resolver = new ClientIpResolver(['10.0.0.2']);

  it('never reads a kept header as the client when ClientAddr and ClientHost are dropped', () => {
    const line = jsonLine({ 'request_X-Forwarded-For': '198.51.100.1', 'request_X-Real-Ip': '198.51.100.2' }, [
      'ClientAddr',
      'ClientHost',
    ]);
    assert.deepEqual(parseTraefikLine(line, { resolver }), { ok: false, reason: 'malformed' });
  });

  it('never reads another field as the path when RequestPath is dropped', () => {
    const line = jsonLine({ request_Referer: '/.env', RequestLine: 'GET /.env HTTP/1.1' }, ['RequestPath']);
    assert.deepEqual(parseTraefikLine(line), { ok: false, reason: 'malformed' });
  });

  it('takes a redacted X-Forwarded-For as absent: ClientHost (its raw value) is walked, REDACTED is nobody', () => {
    const behindProxy = { ClientAddr: '10.0.0.2:41000', 'request_X-Forwarded-For': 'REDACTED' };
    const parsed = event(parseTraefikLine(jsonLine({ ...behindProxy, ClientHost: '203.0.113.10' }), { resolver }));
    assert.equal(parsed.clientIp, '203.0.113.10');
    assert.equal(parsed.peerIp, '10.0.0.2');
    // A client that sends the word itself through the proxy names nobody, the proxy least of all.
    const literal = jsonLine({ ...behindProxy, ClientHost: 'REDACTED', 'request_X-Real-Ip': 'REDACTED' });
    assert.deepEqual(parseTraefikLine(literal, { resolver }), { ok: false, reason: 'unattributed' });
  });

  it('reads a redacted user agent as none', () => {
    assert.equal(event(parseTraefikLine(jsonLine({ 'request_User-Agent': 'REDACTED' }))).userAgent, '');
  });

  it("reads v1.7's FrontendName as the router, and not one a user agent spells out", () => {
    const v17 = (extra: Record<string, unknown>) =>
      `{"BackendAddr":"10.42.1.17:8080","BackendName":"backend-shop",${jsonLine(extra, ['RouterName']).slice(1)}`;
    assert.equal(event(parseTraefikLine(v17({ FrontendName: 'frontend-shop' }))).routerName, 'frontend-shop');
    const spelled = v17({ 'request_User-Agent': 'x","FrontendName":"forged' });
    assert.equal(event(parseTraefikLine(spelled)).routerName, undefined);
  });
});

describe('parseTraefikLine: Common Log Format', () => {
  const clf =
    '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /.git/config?x=1 HTTP/1.1" 404 19 "-" "gitleaks/8.21.2" 1834 "shop-www@kubernetescrd" "http://10.42.1.17:8080" 2ms';

  it('reads the default Traefik CLF line', () => {
    const parsed = event(parseTraefikLine(clf));
    assert.equal(parsed.time, Date.parse('2026-11-21T08:02:38Z'));
    assert.equal(parsed.clientIp, '81.2.69.160');
    assert.equal(parsed.method, 'GET');
    assert.equal(parsed.rawPath, '/.git/config');
    assert.equal(parsed.path, '/.git/config');
    assert.equal(parsed.status, 404);
    assert.equal(parsed.userAgent, 'gitleaks/8.21.2');
    assert.equal(parsed.routerName, 'shop-www@kubernetescrd');
  });

  it('honours the time zone offset and an IPv6 ClientHost', () => {
    const line = clf.replace('81.2.69.160', '2001:db8::7').replace('+0000', '+0130');
    const parsed = event(parseTraefikLine(line));
    assert.equal(parsed.clientIp, '2001:db8::7');
    assert.equal(parsed.time, Date.parse('2026-11-21T06:32:38Z'));
  });

  it('keeps quotes inside the user agent and referer (Traefik does not escape them)', () => {
    const line = clf.replace('"-" "gitleaks/8.21.2"', '"https://a.example/?q=1" "Mozilla/5.0 "evil" agent"');
    const parsed = event(parseTraefikLine(line));
    assert.equal(parsed.userAgent, 'Mozilla/5.0 "evil" agent');
    assert.equal(parsed.path, '/.git/config');
  });

  it('reads dashes for missing values and a request with no router', () => {
    const line = '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET / HTTP/1.1" - - "-" "-" 7 "-" "-" 0ms';
    const parsed = event(parseTraefikLine(line));
    assert.equal(parsed.status, 0);
    assert.equal(parsed.userAgent, '');
    assert.equal(parsed.routerName, undefined);
  });

  it('reads a v1.7 or v2.0-v2.1 tail with a bare "-" router or service, whatever the user agent spells', () => {
    const line = '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" - - "-" "x" 7 - - 0ms';
    const parsed = event(parseTraefikLine(line));
    assert.deepEqual(
      [parsed.clientIp, parsed.path, parsed.status, parsed.routerName],
      ['81.2.69.160', '/.env', 0, undefined],
    );
    const routed = line.replace('- - 0ms', '"frontend-shop" - 0ms');
    assert.equal(event(parseTraefikLine(routed)).routerName, 'frontend-shop');
    // Before v3.6.18 the agent's quotes are not escaped: it can spell a whole tail, the real one is still the last.
    const spelled = clf.replace('"gitleaks/8.21.2"', '"x" 1 - - 0ms" "y" 2 "r" - 0ms"');
    const read = event(parseTraefikLine(spelled));
    assert.deepEqual([read.clientIp, read.status, read.routerName], ['81.2.69.160', 404, 'shop-www@kubernetescrd']);
  });

  it("reads v1.4's bare '-' for a missing referer or user agent, and its %!d(<nil>) status and size", () => {
    // middlewares/accesslog/logger_formatters.go at 6ee1a2b1db57 (v1.4): toLogString gives "-" unquoted for a
    // missing header, and `%d` of a nil status prints %!d(<nil>) (traefik/traefik#2112).
    const head = '10.255.0.3 - - [05/Jan/2018:07:01:43 +0000] "POST /login HTTP/1.1"';
    const read = (rest: string) => {
      const parsed = event(parseTraefikLine(`${head} ${rest}`));
      return [parsed.clientIp, parsed.path, parsed.status, parsed.bytes, parsed.userAgent, parsed.routerName];
    };
    const app = '9692 "Host-app1-com-0" "http://10.0.2.9:9000" 1001ms';
    assert.deepEqual(read(`204 0 - "Java/1.8.0_121" ${app}`), [
      '10.255.0.3',
      '/login',
      204,
      0,
      'Java/1.8.0_121',
      'Host-app1-com-0',
    ]);
    assert.deepEqual(read(`204 0 "https://a.example/" - ${app}`), [
      '10.255.0.3',
      '/login',
      204,
      0,
      '',
      'Host-app1-com-0',
    ]);
    assert.deepEqual(read('%!d(<nil>) %!d(<nil>) - - 155025 - - 0ms'), [
      '10.255.0.3',
      '/login',
      0,
      undefined,
      '',
      undefined,
    ]);
    // The referer is the client's text, unquoted inside: a pair ending in ` -` has no agent, whatever it spells.
    assert.deepEqual(read(`200 5 "x" "curl/8" - ${app}`)[4], '');
  });
  it('refuses a line whose ClientHost or user name holds a line head: never the address a client chose', () => {
    const resolver = new ClientIpResolver(['10.0.0.2']);
    const rest = ' - - [21/Nov/2026:08:02:38 +0000] "GET /index.html HTTP/1.1" 200 5 "-" "curl" 1 "web@docker" "-" 0ms';
    // ClientHost is the raw X-Forwarded-For a trusted proxy passed on: the client's text, then the proxy's hop.
    const forwarded = [
      '9.9.9.9 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 19 "-" "-", 203.0.113.5',
      '9.9.9.9 [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 19 "-" "-", 203.0.113.5',
      '9.9.9.9 - x, 203.0.113.5',
    ];
    for (const head of forwarded)
      assert.deepEqual(parseTraefikLine(head + rest, { resolver }), { ok: false, reason: 'malformed' }, head);
    // Without ` - ` or a timestamp in it, the list is walked from the right as usual.
    assert.equal(event(parseTraefikLine(`9.9.9.9 x, 203.0.113.5${rest}`, { resolver })).clientIp, '203.0.113.5');
    // basicAuth logs the user name a client sent, also when the password is wrong.
    const user = '203.0.113.5 - u [21/Nov/2026:08:02:38 +0000] "GET / HTTP/1.1" 200 5 "-" "-" 1 "r" "s" 0ms';
    assert.deepEqual(parseTraefikLine(user + rest.slice(5)), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseTraefikLine(clf.replace(' - - [', ' - a - 9.9.9.9 [')), { ok: false, reason: 'malformed' });
    // The cost: before v3.6.18 (quotes in the agent not escaped) an agent spelling a timestamp hides its own line.
    const agent = clf.replace('"gitleaks/8.21.2"', '"x [21/Nov/2026:09:02:38 +0100] "GET /"');
    assert.deepEqual(parseTraefikLine(agent), { ok: false, reason: 'malformed' });
    assert.equal(event(parseTraefikLine(agent.replace('0100] "GET', '0100] \\"GET'))).clientIp, '81.2.69.160');
  });

  it("reads v2's service URL holding the client's raw query (quotes) without taking anything from it", () => {
    const line =
      '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /.env?a="x HTTP/1.1" 404 19 "-" "curl" 9 "shop@docker" "http://10.0.0.9/.env?a="x" 2ms';
    const parsed = event(parseTraefikLine(line));
    assert.deepEqual(
      [parsed.clientIp, parsed.path, parsed.status, parsed.routerName],
      ['81.2.69.160', '/.env', 404, 'shop@docker'],
    );
    const forged = line.replaceAll('?a="x', '?a="9.9.9.9"-"404"');
    assert.deepEqual(
      [event(parseTraefikLine(forged)).clientIp, event(parseTraefikLine(forged)).status],
      ['81.2.69.160', 404],
    );
  });

  it('reads the quotes v3.6.18+ escapes in referer and user agent, and REDACTED headers as empty', () => {
    const escaped = clf.replace('"-" "gitleaks/8.21.2"', '"a\\" \\"b" "x\\" 1 \\"r\\" \\"s\\" 0ms"');
    const parsed = event(parseTraefikLine(escaped));
    assert.equal(parsed.userAgent, 'x" 1 "r" "s" 0ms');
    assert.deepEqual(
      [parsed.clientIp, parsed.status, parsed.routerName],
      ['81.2.69.160', 404, 'shop-www@kubernetescrd'],
    );
    const redacted = clf.replace('"-" "gitleaks/8.21.2"', '"REDACTED" "REDACTED"');
    assert.equal(event(parseTraefikLine(redacted)).userAgent, '');
  });

  it('names nobody when ClientHost or the time are dropped ("-")', () => {
    assert.deepEqual(parseTraefikLine(clf.replace('81.2.69.160', '-')), { ok: false, reason: 'unattributed' });
    assert.deepEqual(parseTraefikLine(clf.replace('[21/Nov/2026:08:02:38 +0000]', '[-]')), {
      ok: false,
      reason: 'malformed',
    });
  });

  it('walks a raw X-Forwarded-For list in ClientHost from the right, skipping trusted proxies', () => {
    const line = clf.replace('81.2.69.160', '203.0.113.10, 192.0.2.150, 10.0.0.2');
    const resolver = new ClientIpResolver(['10.0.0.2']);
    assert.equal(event(parseTraefikLine(line, { resolver })).clientIp, '192.0.2.150');
  });

  it("reads the NCSA Common Log Format (Apache's `common`: no referer, no user agent)", () => {
    // as a real XAMPP server wrote them (real-sites/emuzone-2010-common.log)
    const probe = '61.6.64.185 - - [23/Jan/2010:19:11:30 +0100] "GET //admin/phpmyadmin/ HTTP/1.1" 403 -';
    const parsed = event(parseTraefikLine(probe));
    assert.equal(parsed.time, Date.parse('2010-01-23T18:11:30Z'));
    assert.equal(parsed.clientIp, '61.6.64.185');
    assert.equal(parsed.path, '/admin/phpmyadmin');
    assert.equal(parsed.status, 403);
    assert.equal(parsed.bytes, undefined);
    assert.equal(parsed.userAgent, '');
    const sized = event(parseTraefikLine('81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 196'));
    assert.deepEqual([sized.path, sized.status, sized.bytes], ['/.env', 404, 196]);
    // the request's own quotes are escaped by the server: the line's last quote closes it
    const quoted = event(parseTraefikLine('81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /a\\"b HTTP/1.1" 404 5'));
    assert.equal(quoted.rawPath, '/a\\"b');
    // a simple request (no protocol) is read as one too
    const simple = event(parseTraefikLine('81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /.env" 404 196'));
    assert.deepEqual([simple.path, simple.status, simple.bytes], ['/.env', 404, 196]);
    for (const broken of [
      '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] GET /.env HTTP/1.1 404 196',
      '81.2.69.160 - - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 196',
    ])
      assert.deepEqual(parseTraefikLine(broken), { ok: false, reason: 'malformed' }, broken);
  });

  it("reads Apache's vhost_combined and vhost_common, whose line starts with the server's own name", () => {
    // as dmjacas/logs' Apache wrote it (other_vhosts_access.log)
    const vhost =
      'neutralbank.app:443 91.92.246.158 - - [23/Jul/2024:01:30:38 +0000] "GET /.git/config HTTP/1.1" 200 4773 "-" "python-requests/2.32.3"';
    const read = event(parseTraefikLine(vhost));
    assert.deepEqual([read.clientIp, read.path, read.status, read.bytes], ['91.92.246.158', '/.git/config', 200, 4773]);
    assert.equal(
      event(
        parseTraefikLine('www.example.org 81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 196'),
      ).clientIp,
      '81.2.69.160',
    );
    // never a second word that is no address; never on Traefik's own CLF (its router tail)
    for (const line of [
      'example.org:443 example.net - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 196',
      'example.org:443 81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 19 "-" "-" 1 "r@docker" "http://10.0.0.2" 0ms',
    ])
      assert.deepEqual(parseTraefikLine(line), { ok: false, reason: 'unattributed' }, line);
  });

  it('counts a connection that sent no HTTP request (answered 400/408) apart from lines it cannot read', () => {
    // as real nginx and Apache servers wrote them (dmjacas/logs, 1geek0/weblog, whatsinthebox/boglogs)
    for (const line of [
      '80.82.77.202 - - [05/Aug/2024:00:57:28 +0000] "\\x16\\x03\\x02\\x01o\\x01" 400 859 "-" "-"',
      '172.214.114.81 - - [05/Aug/2024:01:20:05 +0000] "MGLNDD_35.199.119.115_80\\n" 400 859 "-" "-"',
      '93.174.93.218 - - [12/Sep/2015:13:23:11 +0000] "-" 408 0 "-" "-"',
      '185.142.236.40 - - [09/Nov/2020:13:29:42 +0000] "" 400 0 "-" "-"',
      '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "" 400 0',
      // a miner's JSON-RPC login has spaces, but its first word is no HTTP method (dmjacas/logs, vhost_combined)
      'neutralbank.app:443 106.75.186.101 - - [01/Aug/2024:17:34:11 +0000] "{\\"params\\": [\\"miner1\\", \\"password\\"], \\"id\\": 2, \\"method\\": \\"mining.authorize\\"}\\n" 400 3227 "-" "-"',
    ])
      assert.deepEqual(parseTraefikLine(line), { ok: false, reason: 'not_http' }, line);
    // another status is still a line the parser failed to read
    const answered = '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "\\x16\\x03\\x01" 200 0 "-" "-"';
    assert.deepEqual(parseTraefikLine(answered), { ok: false, reason: 'malformed' });
  });

  it('reads a simple request (HTTP/0.9, no protocol) as the request for its path it is', () => {
    // as a 2004 honeynet's Apache logged the MS03-022 exploit (web-honeypots fixtures), and a refused one
    const nsiislog = event(
      parseTraefikLine('210.181.247.187 - - [22/Apr/2004:01:20:08 -0400] "GET /scripts/nsiislog.dll" 404 - "-" "-"'),
    );
    assert.deepEqual(
      [nsiislog.clientIp, nsiislog.method, nsiislog.path, nsiislog.status],
      ['210.181.247.187', 'GET', '/scripts/nsiislog.dll', 404],
    );
    const refused = event(parseTraefikLine('81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /.env" 400 0 "-" "-"'));
    assert.deepEqual([refused.path, refused.status], ['/.env', 400]);
    // two words that are no method and path stay unread
    for (const line of [
      '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "MGLNDD x" 200 0 "-" "-"',
      '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET x" 200 0 "-" "-"',
    ])
      assert.deepEqual(parseTraefikLine(line), { ok: false, reason: 'malformed' }, line);
  });

  it('reports broken CLF lines as malformed and honours a forced format', () => {
    assert.deepEqual(parseTraefikLine(clf.slice(0, 80)), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseTraefikLine(clf.replace('[21/Nov/2026:08:02:38 +0000]', '[yesterday]')), {
      ok: false,
      reason: 'malformed',
    });
    assert.deepEqual(parseTraefikLine(clf, { format: 'json' }), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseTraefikLine(jsonLine(), { format: 'clf' }), { ok: false, reason: 'malformed' });
    assert.equal(event(parseTraefikLine(`  ${jsonLine()}`, { format: 'auto' })).path, '/.env');
  });
});

describe('parseTraefikLine: Traefik v2 JSON', () => {
  it('reads lines with nested objects (ServiceURL) instead of counting them malformed', async () => {
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(new URL('./__fixtures__/traefik-v2-json.log', import.meta.url), 'utf8')
      .trim()
      .split('\n');
    const [browser, probe] = lines.map((line) => event(parseTraefikLine(line)));
    assert.equal(browser.path, '/config.js');
    assert.equal(browser.host, 'shop.example.com');
    assert.equal(browser.status, 200);
    assert.equal(browser.bytes, 2113);
    assert.equal(probe.clientIp, '203.0.113.77');
    assert.equal(probe.path, '/.git/config');
    assert.equal(probe.bytes, 19);
    assert.deepEqual(parseTraefikLine(lines[0] + lines[1]), { ok: false, reason: 'malformed' });
  });
});

describe('parseTraefikLine: inside a container runtime log file (Traefik logging to stdout)', () => {
  const line = jsonLine();
  const cri = (tag: 'F' | 'P', text: string) => `2026-11-21T08:02:38.534274475Z stdout ${tag} ${text}`;
  const docker = (text: string) => JSON.stringify({ log: text, stream: 'stdout', time: '2026-11-21T08:02:38.5Z' });

  it('reads the line inside a CRI (containerd, CRI-O) or Docker json-file record, the same as written by Traefik', () => {
    const plain = event(parseTraefikLine(line));
    const spaced = `{"log": ${JSON.stringify(`${line}\n`)}, "stream": "stdout"}`; // as other tools re-write Docker's
    for (const wrapped of [
      cri('F', line),
      `2026-11-21T09:02:38.5+01:00 stderr F ${line}`,
      docker(`${line}\n`),
      spaced,
    ]) {
      const parsed = event(parseTraefikLine(wrapped));
      assert.deepEqual({ ...parsed, raw: undefined }, { ...plain, raw: undefined }, wrapped.slice(0, 40));
      assert.equal(parsed.raw, line, 'the evidence is Traefik line, not the wrapper');
    }
  });

  it('reads the first fragment of a line the runtime split as a cut line, from its head', () => {
    const head = line.slice(0, line.indexOf('"request_User-Agent"') + 28); // cut inside the user agent
    for (const wrapped of [cri('P', head), docker(head)]) {
      const result = parseTraefikLine(wrapped);
      assert.equal(result.ok && result.oversized, true, JSON.stringify(result));
      assert.equal(event(result).clientIp, '81.2.69.160');
    }
  });

  it('never blames an address from a later fragment: in JSON it has no client field, and without a reader that follows the records CLF is not read', () => {
    // A client's user agent long enough to be cut by the runtime, written so that its tail looks like a line.
    const forged =
      '{"ClientHost":"9.9.9.9","DownstreamStatus":404,"RequestPath":"/.env","StartUTC":"2026-11-21T08:02:38Z"}';
    const long = jsonLine({ 'request_User-Agent': `${'x'.repeat(16_000)}${forged}` });
    const cut = long.indexOf('{\\"ClientHost');
    for (const fragment of [cri('F', long.slice(cut)), docker(`${long.slice(cut)}\n`)])
      assert.deepEqual(parseTraefikLine(fragment), { ok: false, reason: 'malformed' });
    const clf = '9.9.9.9 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 19 "-" "x" 1 "web@docker" "-" 0ms';
    for (const wrapped of [cri('F', clf), docker(`${clf}\n`)])
      assert.deepEqual(parseTraefikLine(wrapped), { ok: false, reason: 'malformed' });
  });

  it('with a reader that follows the records: reads CLF inside them, and knows a later fragment for what it is', () => {
    const clf =
      '81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 19 "-" "curl/8.5" 7 "web@docker" "http://10.0.0.5:80" 1ms';
    const forged =
      '9.9.9.9 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 19 "-" "x" 1 "web@docker" "-" 0ms';
    const head = `81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET / HTTP/1.1" 200 5 "-" "${'x'.repeat(50)}`;
    const other = '2026-11-21T08:02:38Z ERR a message of Traefik itself';
    for (const [name, record] of [
      [
        'CRI',
        (stream: string, partial: boolean, text: string) =>
          `2026-11-21T08:02:38.5Z ${stream} ${partial ? 'P' : 'F'} ${text}`,
      ],
      [
        'Docker',
        (stream: string, partial: boolean, text: string) =>
          JSON.stringify({ log: partial ? text : `${text}\n`, stream, time: '2026-11-21T08:02:38.5Z' }),
      ],
    ] as const) {
      const fragments = new ContainerFragments();
      const parse = (text: string) => parseTraefikLine(text, { fragments });
      assert.equal(event(parse(record('stdout', false, clf))).clientIp, '81.2.69.160', name);
      // A line split into three fragments, a record of the other stream between them (a runtime writes both streams
      // to one file): each later fragment of the stream is a part of the line, never a line that names 9.9.9.9.
      // CLF cut before its end: its head is Traefik's, read as far as it goes (the runtime cut it, not the client).
      const cut = parse(record('stdout', true, head));
      assert.deepEqual(
        [event(cut).clientIp, event(cut).path, cut.ok && cut.oversized],
        ['81.2.69.160', '/', true],
        name,
      );
      assert.deepEqual(parse(record('stderr', false, other)), { ok: false, reason: 'malformed' }, name);
      assert.deepEqual(parse(record('stdout', true, `${'y'.repeat(20)} ${forged}`)), {
        ok: false,
        reason: 'oversized',
      });
      assert.deepEqual(parse(record('stdout', false, forged)), { ok: false, reason: 'oversized' }, name);
      // The line after the last fragment is a line again.
      assert.equal(event(parse(record('stdout', false, clf))).path, '/.env', name);
    }
  });

  it('prefilters the line inside: an ordinary request is filtered, a probe parsed', () => {
    const prefilter = createPrefilter(new SensitivePathMatcher().needles, new ScannerAgentMatcher().needles);
    const ordinary = jsonLine({ RequestPath: '/index.html', 'request_User-Agent': 'Mozilla/5.0' });
    assert.deepEqual(parseTraefikLine(cri('F', ordinary), { prefilter }), { ok: false, reason: 'filtered' });
    assert.deepEqual(parseTraefikLine(docker(`${ordinary}\n`), { prefilter }), { ok: false, reason: 'filtered' });
    assert.equal(event(parseTraefikLine(docker(`${line}\n`), { prefilter })).path, '/.env');
  });

  it('leaves lines that only look like a wrapper alone', () => {
    assert.deepEqual(parseTraefikLine(`2026-11-21 stdout F ${line}`), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseTraefikLine('{"log":42}'), { ok: false, reason: 'malformed' });
    assert.equal(
      event(
        parseTraefikLine(
          `81.2.69.160 - - [21/Nov/2026:08:02:38 +0000] "GET / HTTP/1.1" 200 5 "-" "curl" 1 "r" "-" 1ms`,
        ),
      ).clientIp,
      '81.2.69.160',
    );
  });
});
