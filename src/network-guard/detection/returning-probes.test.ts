// The returning scanner (returning-probes.ts): a real one from a real site's log, the pollers and page loads that
// must not look like one, and the same verdicts from the Elasticsearch path's aggregates.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { getEvent } from '../../core/testing/log-events.ts';
import { ClientAggregates } from '../elasticsearch/client-aggregates.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { replayFile } from '../traefik-log/replay-file.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { ReturningClients, revisitReason } from './returning-probes.ts';
import { ScannerAgentMatcher } from './scanner-agent-matcher.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';
import { SiteProfile } from './site-profile.ts';

const DMJACAS = join(import.meta.dirname, '__fixtures__', 'real-sites', 'dmjacas-2024-08-05.log');
const AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36';
const T0 = Date.parse('2026-11-02T00:10:00Z');
const HOUR = 3_600_000;
const detection = defaultConfig().detection;
const REASON = revisitReason(detection);

function detector(overrides: Record<string, unknown> = {}): SecretsScanningDetector {
  return new SecretsScanningDetector({ ...detection, ...overrides }, { source: 'test' });
}

function observeAll(d: SecretsScanningDetector, events: LogEvent[]): [string, string, string, string[]][] {
  for (const event of events) d.observe(event);
  return d
    .drainFindings(true)
    .map((finding) => [finding.ip, finding.threatType, finding.severity, finding.evidence.reasons]);
}

/** `GET /.env`, then `POST /` a second later, every `every` ms, `visits` times. */
function androxgh0st(ip: string, visits: number, every: number, start = T0): LogEvent[] {
  return Array.from({ length: visits }, (_, visit) => [
    getEvent(ip, '/.env', 404, start + visit * every, AGENT),
    { ...getEvent(ip, '/', 200, start + visit * every + 1000, AGENT), method: 'POST' },
  ]).flat();
}

test('a real site: the scanner that asks for /.env every hour or two all day is reported, the others as before', async () => {
  const d = detector();
  for await (const batch of replayFile(DMJACAS)) for (const event of batch.events) d.observe(event);
  const findings = d.drainFindings(true);
  const returning = findings.filter((finding) => finding.evidence.reasons.includes(REASON));
  assert.deepEqual(
    returning.map((finding) => [finding.ip, finding.severity, finding.evidence.sensitiveHits]),
    [['54.36.115.221', 'medium', 14]],
  );
  assert.deepEqual(
    [...new Set(findings.map((finding) => finding.ip))].sort(),
    ['160.155.114.16', '54.36.115.221', '96.126.110.181'],
    'the day holds two other scanners (five paths within the hour), reported before this rule',
  );
});

test('the third visit, with quiet hours between, makes the incident; two do not', () => {
  assert.deepEqual(observeAll(detector(), androxgh0st('198.51.100.7', 2, 3 * HOUR)), []);
  assert.deepEqual(observeAll(detector(), androxgh0st('198.51.100.7', 3, 3 * HOUR)), [
    ['198.51.100.7', 'secrets_scanning', 'medium', [REASON]],
  ]);
});

test('visits further apart than the revisit window, or with the rule off, are no incident', () => {
  assert.deepEqual(observeAll(detector(), androxgh0st('198.51.100.7', 4, 37 * HOUR)), []);
  assert.deepEqual(observeAll(detector({ revisits: 0 }), androxgh0st('198.51.100.7', 6, 3 * HOUR)), []);
  assert.deepEqual(observeAll(detector({ revisit_window: 4 * 3600 }), androxgh0st('198.51.100.7', 4, 3 * HOUR)), []);
});

test('pollers and page loads are no returning scanner', () => {
  const events: LogEvent[] = [];
  for (let minute = 0; minute < 24 * 60; minute += 10) {
    // an API client with an expired token, every ten minutes all day: one long visit
    events.push(getEvent('192.0.2.10', '/api/v1/secrets', 401, T0 + minute * 60_000, 'python-requests/2.32'));
    // a status poller refused, once an hour: status pages do not count
    if (minute % 60 === 0) events.push(getEvent('192.0.2.11', '/server-status', 403, T0 + minute * 60_000, 'curl/8'));
    // a page asking for a runtime configuration the site does not have, on every visit
    if (minute % 120 === 0) events.push(getEvent('192.0.2.12', '/config.json', 404, T0 + minute * 60_000, AGENT));
  }
  assert.deepEqual(observeAll(detector(), events), []);
});

test("a single-page app's index answered to a probed file counts as refused; its own routes' reloads do not", () => {
  const spa = (ip: string, path: string, time: number) => ({
    ...getEvent(ip, path, 200, time, AGENT),
    host: 'app.example',
    bytes: 4_312,
  });
  const d = detector();
  // a scanner teaches the profile the fallback size: the index for five different probed files
  for (const [index, path] of ['/.env', '/.git/config', '/wp-config.php.bak', '/config.php.old', '/db.sql'].entries())
    d.observe(spa('203.0.113.40', path, T0 + index * 1000));
  const events: LogEvent[] = [];
  for (let visit = 0; visit < 4; visit++) {
    // a returning scanner getting the index for /.env every three hours
    events.push(spa('198.51.100.41', '/.env', T0 + HOUR + visit * 3 * HOUR));
    // the app's own user reloading its settings route (the index again) on each visit
    events.push(spa('192.0.2.42', '/settings/credentials', T0 + HOUR + visit * 3 * HOUR));
  }
  const found = observeAll(d, events).filter(([, , , reasons]) => reasons.includes(REASON));
  assert.deepEqual(
    found.map(([ip]) => ip),
    ['198.51.100.41'],
  );
});

/** The Elasticsearch path: one range's sensitive pair of a client, as the composite aggregation returns it. */
function pair(client: string, path: string, failures: number, lastFailure: number) {
  return {
    key: { client, path },
    doc_count: failures,
    failures: { doc_count: failures, last: { value: lastFailure } },
  };
}

function aggregates(returning: ReturningClients): ClientAggregates {
  return new ClientAggregates(
    detection,
    new SensitivePathMatcher(),
    new ScannerAgentMatcher(),
    new ClientIpResolver([]),
    undefined,
    undefined,
    returning,
  );
}

test('Elasticsearch: the hours of earlier ranges add up as in the file path, overlapping ranges counted once', () => {
  const returning = new ReturningClients(detection, 100);
  const verdictsOf = (ranges: Array<[number, number]>) => {
    let reasons: string[] = [];
    for (const [failures, at] of ranges) {
      const range = aggregates(returning);
      range.addSensitivePair(pair('198.51.100.7', '/.env', failures, at));
      reasons = range.verdicts(range.clients.get('198.51.100.7')!).flatMap((verdict) => verdict.reasons);
    }
    return reasons;
  };
  // Hour-long ranges stepping by half an hour: the probe at T0 is in two of them.
  assert.deepEqual(
    verdictsOf([
      [1, T0],
      [1, T0],
      [1, T0 + 3 * HOUR],
    ]),
    [],
    'two hours so far',
  );
  assert.deepEqual(verdictsOf([[1, T0 + 6 * HOUR]]), [REASON], 'the third hour, as the file detector says');
  const poller = new ReturningClients(detection, 100);
  for (let hour = 0; hour < 4; hour++) {
    const range = aggregates(poller);
    range.addSensitivePair(pair('192.0.2.10', '/api/v1/secrets', 6, T0 + hour * HOUR));
    assert.deepEqual(range.verdicts(range.clients.get('192.0.2.10')!), [], 'every hour: one long visit, a poller');
  }
});

test("Elasticsearch: a single-page app's index answered to a probed file counts as refused, as in the file path", () => {
  const returning = new ReturningClients(detection, 100);
  const profile = new SiteProfile(detection.site_profile, detection.public_paths, detection.always_sensitive);
  // the window's sensitive paths taught the profile the fallback size (site-facts.ts: observeSize), as a scanner would
  for (const [index, path] of ['/.env', '/.git/config', '/wp-config.php.bak', '/config.php.old'].entries())
    profile.observeSize('app.example', path, 4_312, T0 + index, path.length, 0);
  assert.equal(profile.isFallbackSize('app.example', 4_312), true);
  const indexAnswer = (client: string, path: string, at: number) => ({
    key: { client, host: 'app.example', path },
    doc_count: 1,
    ok: { doc_count: 1, last: { value: at }, sizes: { buckets: [{ key: 4_312, doc_count: 1 }] } },
  });
  const reasons: Record<string, string[]> = {};
  for (const visit of [0, 3, 6]) {
    const range = new ClientAggregates(
      detection,
      new SensitivePathMatcher(),
      new ScannerAgentMatcher(),
      new ClientIpResolver([]),
      undefined,
      profile,
      returning,
    );
    range.addSensitivePair(indexAnswer('198.51.100.41', '/.env', T0 + HOUR + visit * HOUR));
    // the app's own user reloading its settings route (the index again) on each visit
    range.addSensitivePair(indexAnswer('192.0.2.42', '/settings/credentials', T0 + HOUR + visit * HOUR));
    for (const [key, client] of range.clients)
      reasons[key] = range.verdicts(client).flatMap((verdict) => verdict.reasons);
  }
  assert.ok(reasons['198.51.100.41']?.includes(REASON), 'the returning scanner');
  assert.ok(!reasons['192.0.2.42']?.includes(REASON), 'the app user');
});

test('Elasticsearch: the memory of earlier ranges is bounded, oldest client out first', () => {
  const returning = new ReturningClients(detection, 2);
  for (const [index, ip] of ['192.0.2.1', '192.0.2.2', '192.0.2.3'].entries()) returning.add(ip, T0 + index);
  assert.deepEqual(
    ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((ip) => returning.has(ip)),
    [false, true, true],
  );
  for (const visit of [0, 3, 6]) returning.add('192.0.2.2', T0 + visit * HOUR);
  returning.add('192.0.2.4', T0 + 6 * HOUR); // evicts 192.0.2.3, the least recently seen
  assert.equal(returning.verdict('192.0.2.2'), REASON);
  assert.equal(returning.has('192.0.2.3'), false);
});
