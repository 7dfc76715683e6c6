import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectionSection } from '../../config/sections/detection.ts';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { ScannerAgentMatcher } from '../detection/scanner-agent-matcher.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { ClientAggregates } from './client-aggregates.ts';

const detection = detectionSection.parse({});
const pair = (client: string) => ({
  key: { client, path: '/.env' },
  doc_count: 30,
  failures: { doc_count: 30 },
});

// Traefik writes the raw X-Forwarded-For into ClientHost. Behind a trusted CDN a scanner only had to send its own
// X-Forwarded-For to turn its ClientHost into a list: the whole list became the "IP", which no policy can block.
test('a ClientHost list is read right to left past trusted proxies, as the file source reads it', () => {
  const aggregates = new ClientAggregates(
    detection,
    new SensitivePathMatcher(),
    new ScannerAgentMatcher(),
    new ClientIpResolver(['173.245.48.0/20']),
  );
  aggregates.addSensitivePair(pair('9.9.9.9, 203.0.113.7, 173.245.48.5'));
  aggregates.addSensitivePair({ ...pair('203.0.113.7'), key: { client: '203.0.113.7', path: '/.git/config' } });
  assert.deepEqual([...aggregates.clients.keys()], ['203.0.113.7'], 'the forged left end is never named');
  const client = aggregates.clients.get('203.0.113.7')!;
  assert.equal(client.sensitiveHits, 60);
  assert.deepEqual([...client.ips], ['9.9.9.9, 203.0.113.7, 173.245.48.5', '203.0.113.7'], 'values as indexed');
  assert.equal(aggregates.verdicts(client)[0]?.threatType, 'secrets_scanning');
});

test('a value that names nobody (garbage, or only trusted proxies) is skipped and counted', () => {
  const aggregates = new ClientAggregates(
    detection,
    new SensitivePathMatcher(),
    new ScannerAgentMatcher(),
    new ClientIpResolver(['173.245.48.0/20']),
  );
  aggregates.addSensitivePair(pair('173.245.48.5'));
  aggregates.addSensitivePair(pair('unknown, 173.245.48.5'));
  aggregates.addActivity({ key: { client: '<script>' }, doc_count: 1 });
  assert.equal(aggregates.clients.size, 0);
  assert.equal(aggregates.unattributed, 3);
});

test('one request that climbs out of the web root to a sensitive file is flagged, as the file detector flags it', () => {
  const aggregates = new ClientAggregates(
    detection,
    new SensitivePathMatcher(),
    new ScannerAgentMatcher(),
    new ClientIpResolver([]),
  );
  const traversal = (client: string, path: string) => ({
    key: { client, path },
    doc_count: 1,
    failures: { doc_count: 1 },
  });
  aggregates.addSensitivePair(
    traversal('203.0.113.30', '/public/plugins/grafana/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd'),
  );
  aggregates.addSensitivePair(traversal('203.0.113.31', '/%252E%252E%252Ffoo1'));
  const verdicts = (ip: string) => aggregates.verdicts(aggregates.clients.get(ip)!);
  assert.deepEqual(verdicts('203.0.113.30'), [
    {
      threatType: 'secrets_scanning',
      severity: 'high',
      reasons: ['path traversal out of the web root to a sensitive file'],
    },
  ]);
  assert.deepEqual(verdicts('203.0.113.31'), [], 'a traversal to anything else is one sensitive path');
});

test("a page's runtime configuration answered 2xx to a client that probed nothing else is no leak", () => {
  const aggregates = new ClientAggregates(
    detection,
    new SensitivePathMatcher(),
    new ScannerAgentMatcher(),
    new ClientIpResolver([]),
  );
  const answered = (client: string, path: string, failures: number) => ({
    key: { client, path },
    doc_count: 1 + failures,
    failures: { doc_count: failures },
    ok: { doc_count: 1, sizes: { buckets: [{ key: 2113 }] } },
  });
  aggregates.addSensitivePair(answered('192.0.2.60', '/config.js', 0));
  aggregates.addSensitivePair(answered('203.0.113.62', '/config.js', 1));
  const threats = (ip: string) => aggregates.verdicts(aggregates.clients.get(ip)!).map((verdict) => verdict.threatType);
  assert.deepEqual(threats('192.0.2.60'), []);
  assert.deepEqual(threats('203.0.113.62'), ['secret_exposure']);
});
