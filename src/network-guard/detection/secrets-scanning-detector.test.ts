import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import type { Finding } from '../../core/incident.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { getEvent, PROBE_PATHS } from '../../core/testing/log-events.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';

const T0 = Date.parse('2026-11-01T10:00:00Z');
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

function event(clientIp: string, rawPath: string, status: number, time: number, userAgent = BROWSER): LogEvent {
  return getEvent(clientIp, rawPath, status, time, userAgent);
}

function detector(overrides: Record<string, unknown> = {}) {
  return new SecretsScanningDetector({ ...defaultConfig().detection, ...overrides }, { source: 'test' });
}

const PROBES = PROBE_PATHS;

test('path matching sees through encoding, case, dot segments, path parameters and query strings', () => {
  const matcher = new SensitivePathMatcher();
  for (const raw of [
    '/.env',
    '/%2eenv',
    '/%252eenv',
    '/.ENV',
    '/app/../.env',
    '//.env',
    '/.env?x=1',
    '/static/.git/config',
    '/.git%2fconfig',
    '/wp-config.php;jsessionid=1',
    '/..;/.env', // servlet containers drop each segment's ;param: this is /../.env there
    '/.git;v=1/config',
    '\\.env',
  ]) {
    assert.ok(matcher.matches(normalizePath(raw)), raw);
  }
  for (const raw of [
    '/',
    '/index.html',
    '/environment',
    '/blog/git-tips',
    '/favicon.ico',
    '/robots.txt',
    '/api/v1/users',
  ]) {
    assert.ok(!matcher.matches(normalizePath(raw)), raw);
  }
});

test('a burst of more than 50 sensitive requests in a minute is a high-severity finding', () => {
  const d = detector();
  for (let i = 0; i < 60; i++) d.observe(event('203.0.113.7', PROBES[i % PROBES.length], 404, T0 + i * 500));
  const [finding] = d.drainFindings();
  assert.equal(finding.ip, '203.0.113.7');
  assert.equal(finding.threatType, 'secrets_scanning');
  assert.equal(finding.severity, 'high');
  assert.equal(finding.evidence.sensitiveHits, 60);
  assert.ok(finding.evidence.reasons.some((reason) => reason.includes('more than 50')));
  assert.ok(finding.evidence.peakPerMinute >= 50);
});

test('a named scanner agent needs only a few sensitive requests', () => {
  const d = detector();
  for (let i = 0; i < 3; i++) d.observe(event('198.51.100.4', PROBES[i], 401, T0 + i * 1000, 'trufflehog/3.63'));
  const [finding] = d.drainFindings();
  assert.equal(finding.severity, 'high');
  assert.deepEqual(finding.evidence.scannerAgents, ['trufflehog']);
});

test('a slow scanner spreading 8 probes over 50 minutes is caught; one odd request is not', () => {
  const d = detector();
  for (let i = 0; i < 8; i++) d.observe(event('192.0.2.50', PROBES[i], 404, T0 + i * 7 * 60000));
  d.observe(event('192.0.2.99', '/.env', 404, T0));
  const findings = d.drainFindings();
  assert.deepEqual(
    findings.map((finding) => finding.ip),
    ['192.0.2.50'],
  );
  assert.equal(findings[0].severity, 'medium');
});

test('probes spread wider than the slow window do not add up in its rules', () => {
  // (in three clock hours they make a returning scanner: returning-probes.test.ts)
  const d = detector({ revisits: 0 });
  for (let i = 0; i < 8; i++) d.observe(event('192.0.2.51', PROBES[i], 404, T0 + i * 20 * 60000));
  assert.deepEqual(d.drainFindings(), []);
});

test('IPv6 scanners rotating inside one /64 are one client', () => {
  const d = detector();
  for (let i = 0; i < 6; i++) d.observe(event(`2001:db8:1:2::${(i + 1).toString(16)}`, PROBES[i], 404, T0 + i * 1000));
  const [finding] = d.drainFindings();
  assert.equal(finding.ip, '2001:db8:1:2::/64');
});

test('a 2xx on a sensitive path is a critical secret_exposure finding of its own', () => {
  const d = detector();
  d.observe(event('203.0.113.9', '/.env', 200, T0));
  const findings = d.drainFindings(true);
  assert.deepEqual(
    findings.map((finding) => [finding.threatType, finding.severity]),
    [['secret_exposure', 'critical']],
  );
});

/** `visitors` browsers answered `paths` with 120 bytes, then a scanner's refused probes and `paths` answered `bytes`. */
function scannerAfterVisitors(visitors: number, paths: string[], bytes = 120): string[] {
  const d = detector();
  const answered = (ip: string, path: string, time: number, size: number) => ({
    ...event(ip, path, 200, time),
    bytes: size,
  });
  for (let i = 0; i < visitors; i++)
    for (const path of paths) d.observe(answered(`198.51.100.${i + 1}`, path, T0 + i, 120));
  d.drainFindings(true);
  for (const [i, path] of PROBES.slice(1, 7).entries()) d.observe(event('203.0.113.50', path, 404, T0 + 1000 + i));
  for (const [i, path] of paths.entries()) d.observe(answered('203.0.113.50', path, T0 + 2000 + i, bytes));
  return d
    .drainFindings(true)
    .filter((finding) => finding.ip === '203.0.113.50')
    .map((finding) => `${finding.threatType} ${(finding.evidence.extra?.leakedPaths as string[] | undefined) ?? ''}`);
}

test("a page's runtime config that two visitors' browsers loaded is not a leak when a scanner gets the same bytes", () => {
  assert.deepEqual(scannerAfterVisitors(2, ['/config.json', '/env.js']), ['secrets_scanning ']);
  // Other bytes than the visitors got: not what the pages load.
  assert.deepEqual(scannerAfterVisitors(2, ['/config.json'], 1_884), [
    'secrets_scanning ',
    'secret_exposure /config.json',
  ]);
  // One visitor is not enough to tell the page's config from a file only this visitor asked for.
  assert.deepEqual(scannerAfterVisitors(1, ['/config.json']), ['secrets_scanning ', 'secret_exposure /config.json']);
  // Names only secrets have, a linked file with a generic name, and a dot-directory's config are no runtime config.
  for (const path of ['/.env', '/files/config.xml', '/.docker/config.json'])
    assert.deepEqual(scannerAfterVisitors(2, [path]), ['secrets_scanning ', `secret_exposure ${path}`], path);
});

test('ordinary traffic creates no state at all (memory stays flat)', () => {
  const d = detector();
  for (let i = 0; i < 10000; i++) d.observe(event(`10.0.${i >> 8}.${i & 255}`, '/index.html', 200, T0 + i));
  assert.equal(d.trackedClients, 0);
});

test('tracked clients are capped, least recently active evicted', () => {
  const d = detector({ max_tracked_ips: 100 });
  for (let i = 0; i < 1000; i++) d.observe(event(`198.18.${i >> 8}.${i & 255}`, '/.env', 404, T0 + i));
  assert.equal(d.trackedClients, 100);
  assert.equal(d.evicted, 900);
});

test('findings are drained once, then again only when evidence grows', () => {
  const d = detector();
  for (let i = 0; i < 6; i++) d.observe(event('203.0.113.20', PROBES[i], 403, T0 + i));
  assert.equal(d.drainFindings().length, 1);
  assert.equal(d.drainFindings().length, 0);
  d.observe(event('203.0.113.20', '/index.html', 200, T0 + 10));
  assert.equal(d.drainFindings()[0].evidence.requests, 7);
});

test('a restart continues from the stored evidence of an active incident', () => {
  const first = detector();
  for (let i = 0; i < 6; i++) first.observe(event('203.0.113.30', PROBES[i], 404, T0 + i));
  const stored = first.drainFindings()[0].evidence;
  const restarted = new SecretsScanningDetector(defaultConfig().detection, {
    source: 'test',
    seed: (ip, threat) => (ip === '203.0.113.30' && threat === 'secrets_scanning' ? stored : undefined),
  });
  restarted.observe(event('203.0.113.30', '/.env', 404, T0 + 100));
  const [finding] = restarted.drainFindings();
  assert.equal(finding.evidence.sensitiveHits, 7);
});

test('attacker-controlled strings are capped in evidence', () => {
  const d = detector();
  const agent = `trufflehog ${'A'.repeat(5000)}`;
  for (let i = 0; i < 5; i++) d.observe(event('203.0.113.40', `/.env/${'x'.repeat(4000)}${i}`, 404, T0 + i, agent));
  const [finding] = d.drainFindings();
  assert.ok(finding.evidence.userAgents.every((entry) => entry.userAgent.length <= 300));
  assert.ok(finding.evidence.topPaths.every((entry) => entry.path.length <= 300));
});

test('secrets in sample lines and user agents are redacted before they are stored', () => {
  const d = detector();
  for (let i = 0; i < 5; i++) {
    const probe = event(
      '203.0.113.41',
      `${PROBES[i]}?token=s3cr3t-value`,
      404,
      T0 + i,
      'trufflehog Authorization: Bearer abcdefghijklmnop',
    );
    d.observe({ ...probe, raw: `GET ${PROBES[i]}?token=s3cr3t-value user=bob@example.com` });
  }
  const text = JSON.stringify(d.drainFindings()[0].evidence);
  assert.doesNotMatch(text, /s3cr3t-value|abcdefghijklmnop|bob@example\.com/);
});

test('a one-probe client is remembered by its event alone; when it returns its evidence starts at that first probe', () => {
  const d = detector({ min_sensitive_failures: 3, distinct_sensitive_paths: 50, rate_per_window: 50 });
  d.observe({ ...event('203.0.113.9', PROBES[0]!, 404, T0), raw: 'first probe line' });
  assert.deepEqual(d.drainFindings(), [], 'one probe crosses no threshold');
  d.observe(event('203.0.113.9', PROBES[1]!, 404, T0 + 60_000));
  d.observe(event('203.0.113.9', PROBES[2]!, 403, T0 + 120_000));
  const [finding] = d.drainFindings();
  assert.equal(finding?.ip, '203.0.113.9');
  assert.equal(finding?.evidence.requests, 3, 'the remembered first probe counts');
  assert.equal(finding?.evidence.firstSeen, T0);
  assert.equal(finding?.evidence.distinctSensitivePaths, 3);
  assert.equal(finding?.evidence.samples[0], 'first probe line');
});

test('a single 2xx on a sensitive path is a finding at once, without waiting for a second request', () => {
  const d = detector();
  d.observe(event('203.0.113.10', '/.env', 200, T0));
  assert.deepEqual(
    d.drainFindings(true).map((finding) => finding.threatType),
    ['secret_exposure'],
  );
});

test('a full table evicts the least recently active clients and stays within max_tracked_ips', () => {
  const d = detector({ max_tracked_ips: 1000 });
  d.observe(event('198.51.100.1', PROBES[0]!, 404, T0));
  for (let index = 0; index < 20_000; index++) {
    d.observe(event(`10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`, PROBES[0]!, 404, T0 + index));
    if (index % 100 === 0) d.observe(event('198.51.100.1', PROBES[index % 5]!, 404, T0 + index)); // kept active
  }
  assert.ok(d.trackedClients <= 1000, `${d.trackedClients} tracked`);
  assert.ok(d.evicted >= 19_000);
  const survivor = d.drainFindings().find((finding) => finding.ip === '198.51.100.1');
  assert.ok(survivor, 'an active client is not evicted');
  assert.equal(survivor.evidence.requests, 201);
});

test('one-probe clients coming back after evictions each get their own first line as a sample, and only their own', () => {
  const d = detector({ max_tracked_ips: 2000, min_sensitive_failures: 2, distinct_sensitive_paths: 50 });
  const address = (index: number) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
  const firstLine = (index: number) =>
    `first line of ${address(index)} ${'é'.repeat(index % 7)}${'x'.repeat(index % 300)}`;
  const flagged = new Map<string, string>();
  const keepSamples = (findings: Finding[]) => {
    // Campaign findings (a /24 of such clients) have no samples of their own.
    for (const finding of findings)
      if (!finding.ip.includes('/')) flagged.set(finding.ip, finding.evidence.samples[0]!);
  };
  for (let index = 0; index < 60_000; index++) {
    d.observe({ ...event(address(index), PROBES[0]!, 404, T0 + index), raw: firstLine(index) });
    // Every 7th client comes back a thousand clients later (still tracked); every 13th too late (evicted), twice.
    const soon = index - 1000;
    const late = index - 2500;
    if (soon >= 0 && soon % 7 === 0)
      d.observe({ ...event(address(soon), PROBES[1]!, 404, T0 + index), raw: `second line of ${address(soon)}` });
    if (late >= 0 && late % 13 === 0 && late % 7 !== 0)
      for (const probe of [PROBES[1]!, PROBES[2]!])
        d.observe({ ...event(address(late), probe, 404, T0 + index), raw: `second line of ${address(late)}` });
    if (index % 500 === 499) keepSamples(d.drainFindings());
  }
  keepSamples(d.drainFindings());
  let remembered = 0;
  let restarted = 0;
  for (const [ip, sample] of flagged) {
    const index = ip.split('.').reduce((value, octet, at) => (at === 0 ? 0 : value * 256 + Number(octet)), 0);
    if (sample.startsWith('first')) {
      remembered++;
      assert.equal(sample, firstLine(index));
    } else {
      restarted++;
      assert.equal(sample, `second line of ${ip}`, 'an evicted client starts again at its second line');
    }
  }
  assert.ok(restarted > 1000, `${restarted} clients came back after they were evicted`);
  assert.ok(remembered > 8000, `${remembered} clients came back while remembered`);
  assert.ok(d.trackedClients <= 2000);
});
