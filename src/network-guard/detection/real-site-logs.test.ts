// Real sites' own traffic (fixtures in __fixtures__/real-sites, sources in its README): none of their visitors is an
// incident, and a scanner probing the same site still is.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { getEvent } from '../../core/testing/log-events.ts';
import { parseTraefikLine } from '../traefik-log/parse-traefik-line.ts';
import { replayFile } from '../traefik-log/replay-file.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';

const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const SEMICOMPLETE = join(import.meta.dirname, '__fixtures__', 'real-sites', 'semicomplete-2015.log');
const EMUZONE = join(import.meta.dirname, '__fixtures__', 'real-sites', 'emuzone-2010-common.log');
const GRANDJET = join(import.meta.dirname, '__fixtures__', 'real-sites', 'grandjet-2019.log');

async function replayed(path: string): Promise<SecretsScanningDetector> {
  const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
  for await (const batch of replayFile(path)) for (const event of batch.events) detector.observe(event);
  return detector;
}

test('a blog whose visitors open a config.xml from its directory listing: no incident', async () => {
  const detector = await replayed(SEMICOMPLETE);
  assert.deepEqual(detector.drainFindings(true), []);
});

test('the same file found by a client that probed first is a leak', async () => {
  const detector = await replayed(SEMICOMPLETE);
  const end = Date.parse('2015-05-19T18:00:00Z');
  detector.observe(getEvent('203.0.113.5', '/.env', 404, end, BROWSER));
  detector.observe({ ...getEvent('203.0.113.5', '/files/logstash/config.xml', 200, end + 1000, BROWSER), bytes: 3304 });
  assert.deepEqual(
    detector
      .drainFindings(true)
      .map((finding) => [finding.ip, finding.threatType, finding.evidence.extra?.leakedPaths]),
    [['203.0.113.5', 'secret_exposure', ['/files/logstash/config.xml']]],
  );
});

/** Lines as the site's Apache writes them (request target in absolute form), read as any log line is. */
function observeLines(detector: SecretsScanningDetector, lines: string[]): void {
  for (const line of lines) {
    const parsed = parseTraefikLine(line);
    assert.ok(parsed.ok, line);
    detector.observe(parsed.event);
  }
}

test('a site whose Apache logs every request target in absolute form: its visitors are no incident', async () => {
  const detector = await replayed(GRANDJET);
  assert.deepEqual(detector.drainFindings(true), []);
});

test('on that site a traversal and a secrets scanner, written the same way, are read by their paths', async () => {
  const detector = await replayed(GRANDJET);
  const line = (ip: string, second: number, target: string) =>
    `${ip} - - [16/Nov/2019:19:00:${String(second).padStart(2, '0')} +0300] "GET http://www.grandjet.ru${target} HTTP/1.0" 404 208 "-" "${BROWSER}"`;
  observeLines(detector, [line('203.0.113.8', 1, '/libs/../../../etc/passwd')]);
  const probes = ['/.env', '/.git/config', '/wp-config.php.bak', '/.aws/credentials', '/config/database.yml'];
  observeLines(
    detector,
    probes.map((target, index) => line('203.0.113.9', 10 + index, target)),
  );
  const findings = detector
    .drainFindings(true)
    .map((finding) => [finding.ip, finding.threatType, finding.evidence.topPaths.map((top) => top.path).sort()]);
  assert.deepEqual(findings, [
    ['203.0.113.8', 'secrets_scanning', ['/../etc/passwd']],
    ['203.0.113.9', 'secrets_scanning', [...probes].sort()],
  ]);
});

test("a XAMPP server's log in the Common Log Format: every line read, its visitors and a phpMyAdmin finder no incident", async () => {
  const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
  let lines = 0;
  let skipped = 0;
  for await (const batch of replayFile(EMUZONE)) {
    lines += batch.stats.lines;
    skipped += batch.stats.skipped;
    for (const event of batch.events) detector.observe(event);
  }
  assert.deepEqual([lines, skipped], [201, 0]);
  assert.deepEqual(detector.drainFindings(true), []);
});

test('in that format a secrets scanner is an incident', async () => {
  const detector = await replayed(EMUZONE);
  const probes = ['/.env', '/.git/config', '/wp-config.php.bak', '/.aws/credentials', '/config/database.yml'];
  observeLines(
    detector,
    probes.map((path, index) => `203.0.113.9 - - [23/Jan/2010:19:20:0${index} +0100] "GET ${path} HTTP/1.1" 404 212`),
  );
  assert.deepEqual(
    detector.drainFindings(true).map((finding) => [finding.ip, finding.threatType, finding.evidence.statuses]),
    [['203.0.113.9', 'secrets_scanning', { 404: 5 }]],
  );
});

const WHOAMI = join(import.meta.dirname, '__fixtures__', 'real-sites', 'aleksturbo-2024-whoami.log');
const WHOAMI_SCANNER = '188.166.108.93';

test('a scanner against a page that echoes the request (whoami): a scan, no leak, each answer explained', async () => {
  const detector = await replayed(WHOAMI);
  const findings = detector.drainFindings(true);
  assert.deepEqual(
    findings.map((finding) => [finding.ip, finding.threatType]),
    [
      [WHOAMI_SCANNER, 'secrets_scanning'],
      ['165.227.39.235', 'secrets_scanning'],
    ],
  );
  const notes = findings[0]!.evidence.explanations ?? [];
  assert.ok(
    notes.includes(
      "not a leak: /.env answered with the site's fallback page, which echoes the path (381 bytes: 376 plus the request's 5 characters, as for 3+ different paths)",
    ),
    notes.join('\n'),
  );
  // whoami prints the whole request target: this one's query is part of the length
  assert.ok(notes.some((note) => note.startsWith('not a leak: /debug/default/view') && note.includes("request's 32")));
  assert.equal(notes.filter((note) => note.includes('which echoes the path')).length, 8);
});

test('among those echo pages a real .env (900 bytes) is a leak, and always_sensitive keeps an echoed one a leak', async () => {
  const detector = await replayed(WHOAMI);
  const line = (ip: string, target: string, bytes: number) =>
    `${ip} - - [11/Nov/2024:11:30:00 +0000] "GET ${target} HTTP/1.1" 200 ${bytes} "-" "-" 900 "https-who@docker" "http://172.18.0.9:80" 0ms`;
  observeLines(detector, [line('203.0.113.7', '/.git/config', 389), line('203.0.113.7', '/.env', 900)]);
  const leaks = detector
    .drainFindings(true)
    .filter((finding) => finding.threatType === 'secret_exposure')
    .map((finding) => [finding.ip, finding.evidence.extra?.leakedPaths]);
  assert.deepEqual(leaks, [['203.0.113.7', ['/.env']]]);

  const pinned = new SecretsScanningDetector(
    { ...defaultConfig().detection, always_sensitive: ['/.git/config'] },
    { source: 'test' },
  );
  for await (const batch of replayFile(WHOAMI)) for (const event of batch.events) pinned.observe(event);
  assert.deepEqual(
    pinned
      .drainFindings(true)
      .filter((finding) => finding.threatType === 'secret_exposure')
      .map((finding) => [finding.ip, finding.evidence.extra?.leakedPaths]),
    [[WHOAMI_SCANNER, ['/.git/config']]],
  );
});

test("Traefik's CLF has no host: its four routers share one site profile, with the same verdicts as a profile per router", async () => {
  // Measured on the real file: whoami (echo pages), Traefik's dashboard polled by its owner, grafana, the https
  // redirect. Keying the profile by router (what a host would do) changes no finding and no explanation.
  const verdicts = async (byRouter: boolean) => {
    const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
    for await (const batch of replayFile(WHOAMI))
      for (const event of batch.events)
        detector.observe(byRouter && event.routerName ? { ...event, host: event.routerName } : event);
    const leak = `203.0.113.7 - - [11/Nov/2024:11:30:00 +0000] "GET /.env HTTP/1.1" 200 900 "-" "-" 900 "https-who@docker" "http://172.18.0.9:80" 0ms`;
    const event = parseTraefikLine(leak);
    if (!event.ok) throw new Error(event.reason);
    detector.observe(byRouter ? { ...event.event, host: event.event.routerName } : event.event);
    return detector.drainFindings(true).map((finding) => [
      finding.ip,
      finding.threatType,
      finding.evidence.extra?.leakedPaths,
      // a host is shown before the path it explains: the same words once that label is cut
      finding.evidence.explanations?.map((note) => note.replace(/ [a-z-]+@[a-z]+\//, ' /')),
    ]);
  };
  const shared = await verdicts(false);
  assert.deepEqual(
    shared.map(([ip, threat]) => `${ip} ${threat}`),
    [`${WHOAMI_SCANNER} secrets_scanning`, '165.227.39.235 secrets_scanning', '203.0.113.7 secret_exposure'],
  );
  assert.deepEqual(await verdicts(true), shared);
});
