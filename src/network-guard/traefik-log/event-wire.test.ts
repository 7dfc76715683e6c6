import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { LogEvent } from '../../core/log-event.ts';
import { ClientIpResolver } from './client-ip.ts';
import { decodeEvents, encodeEvents } from './event-wire.ts';
import { type ParseOptions, parseTraefikLine, TEXT_START_FIELDS } from './parse-traefik-line.ts';

const fixtures = [
  'traefik-v2-json.log',
  'traefik-v3.6-clf.log',
  'traefik-v3.6-json-user-agent.log',
  'traefik-v3.6-json.log',
];

function json(fields: Record<string, unknown>): string {
  return JSON.stringify({
    ClientAddr: '10.0.0.2:41000',
    ClientHost: '203.0.113.9',
    DownstreamContentSize: 12,
    DownstreamStatus: 404,
    RequestHost: 'shop.example.com',
    RequestMethod: 'GET',
    RequestPath: '/.env',
    RouterName: 'shop@file',
    StartUTC: '2026-11-21T08:02:38.534Z',
    'request_User-Agent': 'curl/8.0',
    'request_X-Forwarded-For': '203.0.113.9',
    ...fields,
  });
}

/** Through a structured clone, as postMessage sends it (the typed arrays transferred). */
function roundTrip(events: LogEvent[], textStarts?: Int32Array): LogEvent[] {
  const { wire, transfer } = encodeEvents(events, textStarts);
  return decodeEvents(structuredClone(wire, { transfer }));
}

test('events cross from a worker equal, key for key: fixtures, escapes, proxies, IPv6, CLF without host, cut raw lines, container records', () => {
  const lines = fixtures.flatMap((name) =>
    readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean),
  );
  lines.push(
    json({ RequestPath: '/%2e%2E/.Git/CONFIG;x' }), // normalised: a path of its own
    json({ 'request_User-Agent': 'say \\"hi\\" \\u00e9\\ud83d\\ude00' }), // decoded escapes: not in the raw line
    json({ RequestHost: '', RouterName: null, DownstreamContentSize: null }),
    json({ ClientAddr: '[2001:DB8::7]:443', ClientHost: '2001:db8::7' }),
    json({ ClientAddr: '203.0.113.50:443', ClientHost: '203.0.113.50' }), // the peer is the client
    json({ RequestMethod: 'PROPFIND', 'request_User-Agent': 'x'.repeat(3000) }), // past the raw line's 2048
    '203.0.113.7 - - [21/Nov/2026:08:02:38 +0000] "GET /.env HTTP/1.1" 404 19 "-" "curl/8.0" 1 "r@file" "-" 3ms',
    `2026-11-21T08:02:38.5Z stdout F ${json({})}`, // inside a container runtime's record: places in Traefik's line
    JSON.stringify({ log: `${json({ RequestPath: '/.aws/credentials' })}\n`, stream: 'stdout' }),
    json({ RequestPath: '/debug/default/view?panel=config' }), // a query: its length travels (echo pages)
    '203.0.113.7 - - [21/Nov/2026:08:02:38 +0000] "GET /?rest_route=/wp/v2/users/ HTTP/1.1" 200 403 "-" "-" 1 "r@file" "-" 0ms',
  );
  const behindProxy: ParseOptions = { resolver: new ClientIpResolver(['10.0.0.2']) };
  const events: LogEvent[] = [];
  const lineStarts = new Int32Array(TEXT_START_FIELDS);
  const starts: number[] = [];
  for (const options of [behindProxy, {}, { rawChars: 0 }, { rawChars: 40 }]) {
    for (const line of lines) {
      const result = parseTraefikLine(line, { ...options, textStarts: lineStarts });
      if (!result.ok) continue;
      events.push(result.event);
      starts.push(...lineStarts);
    }
  }
  assert.ok(events.length > 70, `${events.length} events`);
  assert.ok(events.some((event) => !('host' in event)) && events.some((event) => event.peerIp !== event.clientIp));
  assert.ok(events.some((event) => event.raw === undefined) && events.some((event) => event.path !== event.rawPath));
  const queries = new Set(events.map((event) => event.queryLength));
  assert.ok(queries.has(13) && queries.has(25) && queries.has(undefined), 'queries of JSON and CLF lines, and none');
  assert.deepEqual(roundTrip(events), events);
  assert.deepEqual(roundTrip([]), []);
  // The parser's starts are where the texts are in their lines (the wire trusts them: it checks only that a cut raw
  // line still holds the text).
  const placed = Int32Array.from(starts);
  assert.ok(placed.some((start) => start > 0) && placed.includes(-1), 'placed texts, and texts the parser decoded');
  const fields = ['method', 'rawPath', 'userAgent', 'host', 'routerName'] as const;
  for (const [index, event] of events.entries()) {
    const line = event.raw;
    for (const [slot, field] of fields.entries()) {
      const start = placed[index * TEXT_START_FIELDS + slot]!;
      const value = event[field];
      // (a raw line cut at rawChars may end inside the text)
      if (start >= 0 && line && value !== undefined && start + value.length <= line.length)
        assert.ok(line.startsWith(value, start), `${field} at ${start} in ${line}`);
    }
  }
  assert.deepEqual(roundTrip(events, placed), events);
});
