// Lines a real Traefik v2.11.54 wrote (__fixtures__/traefik-v2.11-README.md says how): the same 42 raw requests in
// six runs: JSON with every header kept, JSON with Traefik's default (headers dropped), CLF, CLF with every header
// kept, and JSON and CLF in local time. Each line is read
// with our parser and compared with what was sent and what Traefik answered; the time with the line's own timestamp.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import { SecretsScanningDetector } from '../detection/secrets-scanning-detector.ts';
import { ClientIpResolver } from './client-ip.ts';
import { parseTraefikLine } from './parse-traefik-line.ts';
import { createPrefilter } from './prefilter.ts';
import { replayFile } from './replay-file.ts';
import { addStats, emptyStats } from './source-batch.ts';

const fixtures = join(import.meta.dirname, '__fixtures__');
const resolver = new ClientIpResolver(['127.0.0.5']); // the recording's trusted hop
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const GITLEAKS = 'gitleaks/8.21.2';
const LONG = `Mozilla/5.0 ${'A'.repeat(6000)}`;
const APP = 'app.example.test';

interface Expected {
  client: string;
  peer?: string;
  method: string;
  rawPath: string;
  path: string;
  status: number;
  /** RequestHost: JSON only (CLF has no host). */
  host?: string;
  router?: string;
  agent: string;
  /** Longer than maxLineBytes (16,384): read from its head, the agent cut where the line was, `oversized` set. */
  cut?: true;
}

const row = (
  client: string,
  method: string,
  rawPath: string,
  path: string,
  status: number,
  router: string | undefined,
  agent = FIREFOX,
  host: string | null = APP,
): Expected => ({ client, method, rawPath, path, status, router, agent, host: host ?? undefined });

// In the order Traefik logged them. Traefik v2.11 cleans the path before it logs it (sanitizePath: `/%2e%65nv`,
// `/static/../.env` and `/%2e%2e/%2e%2e/etc/passwd` arrive as `/.env` and `/etc/passwd`, raw UTF-8 as upper-case
// percent-encoding); the requests Go's server answers itself (a raw `"` or a bad `%` in the path, `OPTIONS *`, a
// fragment) are not logged at all.
const expected: Expected[] = [
  row('127.0.0.1', 'GET', '/ping', '/ping', 200, 'ping@internal', 'node', '127.0.0.1'),
  row('127.0.0.7', 'GET', '/', '/', 200, 'app@file'),
  row('127.0.0.7', 'GET', '/index.html', '/index.html', 200, 'app@file'),
  row('127.0.0.8', 'GET', '/.env', '/.env', 404, 'app@file', GITLEAKS),
  row('127.0.0.8', 'GET', '/.git/config', '/.git/config', 404, 'app@file', GITLEAKS),
  row('127.0.0.8', 'GET', '/wp-config.php.bak', '/wp-config.php.bak', 404, 'app@file', GITLEAKS),
  row('127.0.0.8', 'GET', '/.env', '/.env', 404, 'app@file', GITLEAKS),
  row('127.0.0.8', 'GET', '/.env', '/.env', 404, 'app@file', GITLEAKS),
  row('127.0.0.8', 'GET', '/..%2F..%2Fetc%2Fpasswd', '/../etc/passwd', 404, 'app@file', GITLEAKS),
  row('127.0.0.9', 'GET', '/admin/', '/admin', 401, 'admin@file'),
  row('127.0.0.9', 'GET', '/admin/', '/admin', 401, 'admin@file'),
  row('127.0.0.9', 'GET', '/admin/', '/admin', 200, 'admin@file'),
  row('127.0.0.7', 'GET', '/api/index.html', '/api/index.html', 200, 'api@file'),
  row('127.0.0.7', 'GET', '/api/.env', '/api/.env', 404, 'api@file'),
  row('127.0.0.7', 'GET', '/gone/', '/gone', 404, 'gone@file'),
  row('127.0.0.8', 'GET', '/gone/.env', '/gone/.env', 404, 'gone@file', GITLEAKS),
  row('127.0.0.11', 'GET', '/', '/', 200, 'app@file', LONG),
  row('127.0.0.12', 'GET', '/caf%C3%A9/%E2%82%AC', '/café/€', 404, 'app@file'),
  row('127.0.0.12', 'GET', '/caf%C3%A9/%E2%82%AC', '/café/€', 404, 'app@file'),
  row('127.0.0.12', 'GET', '/a%0D%0Ab%00c%1B', '/a\r\nb', 404, 'app@file'),
  row('127.0.0.13', 'GET', '/index.html', '/index.html', 200, 'app@file', 'Lynx/2.8.9'),
  // HTTP/1.0 without Host: no router matched, Traefik answered 404 itself and wrote no RequestHost.
  row('127.0.0.13', 'GET', '/.env', '/.env', 404, undefined, 'Lynx/2.8.9', null),
  row('127.0.0.14', 'HEAD', '/', '/', 200, 'app@file'),
  row('127.0.0.14', 'PROPFIND', '/.env', '/.env', 404, 'app@file'),
  // `CONNECT app.example.test`: Traefik logs the path `/`; the backend answered 501.
  row('127.0.0.14', 'CONNECT', '/', '/', 501, 'app@file'),
  row('127.0.0.14', 'FOO', '/.env', '/.env', 400, 'app@file', 'curl/8.14'),
  // X-Forwarded-For 203.0.113.9 from an untrusted peer: Traefik drops it, the client is the peer.
  row('127.0.0.10', 'GET', '/.aws/credentials', '/.aws/credentials', 404, 'app@file'),
  // Through the trusted hop 127.0.0.5 with X-Forwarded-For 198.51.100.23.
  { ...row('198.51.100.23', 'GET', '/.aws/credentials', '/.aws/credentials', 404, 'app@file'), peer: '127.0.0.5' },
  row('127.0.0.15', 'GET', '/', '/', 404, undefined, FIREFOX, 'other.example.test'),
  row('127.0.0.16', 'GET', '/etc/passwd', '/etc/passwd', 404, 'app@file'),
  // Host `app.example.test:bad`: RequestHost is the name, RequestAddr keeps the port as sent.
  row('127.0.0.16', 'GET', '/index.html', '/index.html', 200, 'app@file'),
  // The `strict` entry point rejects encoded slash, NUL and percent with a 400 of its own, logged under the router
  // Traefik names after the entry point (`strict-app@file`), with no service.
  // A quote in the agent, and a referer that would frame 203.0.113.66 if its quote were taken for the field's end:
  // v2.11 writes both into CLF unescaped.
  row('127.0.0.18', 'GET', '/.env', '/.env', 404, 'app@file', 'say "hi" \\ back'),
  // A 20,000-character agent (the backend answered 431): the line is longer than maxLineBytes, by design read from its
  // first 16,384 bytes (memory stays bounded): in CLF the router after the agent is cut off with it.
  { ...row('127.0.0.18', 'GET', '/', '/', 431, 'app@file', `Mozilla/5.0 ${'B'.repeat(20000)}`), cut: true },
  row('127.0.0.18', 'GET', '/index.html', '/index.html', 200, 'app@file', 'Mozilla/5.0 (日本語; ü) \t tab'),
  row('127.0.0.17', 'GET', '/..%2F..%2Fetc%2Fpasswd', '/../etc/passwd', 400, 'strict-app@file'),
  row('127.0.0.17', 'GET', '/a%00.env', '/a', 400, 'strict-app@file'),
  row('127.0.0.17', 'GET', '/%252eenv', '/.env', 400, 'strict-app@file'),
  row('127.0.0.17', 'GET', '/index.html', '/index.html', 200, 'strict-app@file'),
  row('127.0.0.19', 'GET', '/admin/', '/admin', 401, 'admin@file'),
];

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/**
 * The line's own timestamp, read without our parser: StartUTC (else StartLocal) in JSON, to the millisecond; the
 * bracketed time in CLF, whole seconds, with its offset.
 */
function timeOf(line: string): number {
  if (line.startsWith('{')) {
    const record = JSON.parse(line) as { StartUTC?: string; StartLocal: string };
    return Date.parse(record.StartUTC ?? record.StartLocal);
  }
  const match = /\[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\]/.exec(line);
  assert.ok(match, line);
  const [, day, month, year, hour, minute, second, sign, zoneHours, zoneMinutes] = match;
  const offset = (sign === '-' ? -1 : 1) * (+zoneHours! * 60 + +zoneMinutes!) * 60_000;
  return Date.UTC(+year!, MONTHS.indexOf(month!) / 3, +day!, +hour!, +minute!, +second!) - offset;
}

/**
 * Lines we refuse (malformed) where Traefik v2.11 wrote a readable request, by file: ours is the safer answer.
 * v2's CLF writes client text unquoted or unescaped (the basic-auth user name, the kept referer and agent), and the
 * same text can stand in `ClientHost` (Traefik writes the raw X-Forwarded-For there when a trusted hop passed one on).
 * A line with a second ` - ` in its head, or a second `[time] "request"` before the agent ends, reads just as well
 * with an address the client wrote: `1.2.3.4 - x - y [t]` is user `x - y` of 1.2.3.4, or user `y` of a forwarded
 * `1.2.3.4 - x`; the referer line is, character for character, what a forged `X-Forwarded-For:
 * 127.0.0.18 - - [t] "GET /.env HTTP/1.1" 404 10 "https://example.test/" 203.0.113.66` through a trusted hop gives.
 * Reading either would let a client frame another address, so the line is counted malformed: the client hides its
 * own request (an evasion CLF cannot close), and no other address is ever blamed.
 * JSON escapes all of it (`"ClientUsername":"x - y"`) and reads every one of these lines.
 */
const REFUSED: Record<string, string[]> = {
  'traefik-v2.11-clf.log': ['#38 GET /admin/: malformed'],
  'traefik-v2.11-clf-headers-keep.log': ['#31 GET /.env: malformed', '#38 GET /admin/: malformed'],
};

const runs = [
  { name: 'traefik-v2.11-json-headers-keep.log', agents: true, hosts: true },
  { name: 'traefik-v2.11-json.log', agents: false, hosts: true },
  { name: 'traefik-v2.11-clf.log', agents: false, hosts: false },
  // Recorded with TZ=Europe/Berlin: v2's CLF still writes the time in UTC.
  { name: 'traefik-v2.11-clf-headers-keep.log', agents: true, hosts: false },
  // TZ=Europe/Berlin with StartUTC (and ClientUsername) dropped: local time, +01:00 in JSON, +0100 in CLF.
  { name: 'traefik-v2.11-json-local-time.log', agents: false, hosts: true },
  { name: 'traefik-v2.11-clf-local-time.log', agents: false, hosts: false },
];

for (const run of runs) {
  test(`real Traefik v2.11 ${run.name}: every request read with its client, method, path, status, host, router, agent, time`, () => {
    const lines = readFileSync(join(fixtures, run.name), 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, expected.length);
    const wrong: string[] = [];
    lines.forEach((line, index) => {
      const want = expected[index]!;
      const result = parseTraefikLine(line, { resolver });
      if (!result.ok) {
        wrong.push(`#${index} ${want.method} ${want.rawPath}: ${result.reason}`);
        return;
      }
      const event = result.event;
      // Only where the agent is logged is the line that long.
      const cut = want.cut === true && run.agents;
      if (cut && (!result.oversized || !want.agent.startsWith(event.userAgent) || event.userAgent.length < 10_000))
        wrong.push(`#${index} ${want.method} ${want.rawPath}: not read as a cut line`);
      const got = {
        client: event.clientIp,
        peer: event.peerIp,
        method: event.method,
        rawPath: event.rawPath,
        path: event.path,
        status: event.status,
        host: event.host,
        router: event.routerName,
        agent: event.userAgent,
        time: event.time,
      };
      const wanted = {
        client: want.client,
        peer: run.hosts ? (want.peer ?? want.client) : want.client,
        method: want.method,
        rawPath: want.rawPath,
        path: want.path,
        status: want.status,
        host: run.hosts ? want.host : undefined,
        router: cut && !run.hosts ? undefined : want.router,
        agent: !run.agents ? '' : cut ? event.userAgent : want.agent,
        time: timeOf(line),
      };
      try {
        assert.deepEqual(got, wanted);
      } catch {
        const fields = Object.keys(wanted).filter(
          (key) => got[key as keyof typeof got] !== wanted[key as keyof typeof wanted],
        );
        wrong.push(
          `#${index} ${want.method} ${want.rawPath}: ${fields.map((key) => `${key} ${JSON.stringify(got[key as keyof typeof got])} != ${JSON.stringify(wanted[key as keyof typeof wanted])}`).join(', ')}`,
        );
      }
    });
    assert.deepEqual(wrong, REFUSED[run.name] ?? [], `${wrong.length} of ${lines.length} read wrong`);
  });

  test(`real Traefik v2.11 ${run.name}: the file source reads every line`, async () => {
    const stats = emptyStats();
    let events = 0;
    for await (const batch of replayFile(join(fixtures, run.name), { trustedProxies: ['127.0.0.5'] })) {
      addStats(stats, batch.stats);
      events += batch.events.length;
    }
    assert.equal(stats.lines, expected.length);
    const unread = (REFUSED[run.name] ?? []).length;
    assert.equal(stats.skipped, unread, JSON.stringify(stats));
    assert.equal(events, expected.length - unread);
  });
}

test('real Traefik v2.11: the prefilter lets through every line of a sensitive path or a scanner agent', () => {
  const paths = new SensitivePathMatcher();
  const agents = new ScannerAgentMatcher();
  const prefilter = createPrefilter(paths.needles, agents.needles);
  let sensitive = 0;
  for (const run of runs) {
    const lines = readFileSync(join(fixtures, run.name), 'utf8').split('\n').filter(Boolean);
    lines.forEach((line, index) => {
      const want = expected[index]!;
      if (!paths.matches(want.path) && !(run.agents && agents.classify(want.agent) === 'scanner')) return;
      sensitive++;
      assert.ok(prefilter(line), `${run.name} #${index} ${want.rawPath} filtered out`);
    });
  }
  assert.ok(sensitive >= 6 * 15, `only ${sensitive} sensitive lines`);
});

test('real Traefik v2.11: the detector finds the scanner in every run, and never the trusted hop', async () => {
  for (const run of runs) {
    const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
    const found = new Set<string>();
    for await (const batch of replayFile(join(fixtures, run.name), { trustedProxies: ['127.0.0.5'] })) {
      for (const event of batch.events) detector.observe(event);
      for (const finding of detector.drainFindings(true)) found.add(finding.ip);
    }
    for (const finding of detector.drainFindings(true)) found.add(finding.ip);
    assert.ok(found.has('127.0.0.8'), `${run.name}: ${[...found]}`);
    assert.ok(!found.has('127.0.0.5'), `${run.name}: the hop`);
  }
});
