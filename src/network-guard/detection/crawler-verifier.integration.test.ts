import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { CrawlerVerifier } from './crawler-verifier.ts';

/**
 * A DNS server on loopback speaking the real wire protocol (RFC 1035 over UDP, encoded by dns-packet): PTR and A/AAAA
 * records from a table, NXDOMAIN for names it does not know, and silence for `*.silent` names (a resolver timeout).
 */
const RECORDS: Record<string, { type: 'PTR' | 'A' | 'AAAA'; data: string }> = {
  '1.66.249.66.in-addr.arpa': { type: 'PTR', data: 'crawl-66-249-66-1.googlebot.com' },
  'crawl-66-249-66-1.googlebot.com': { type: 'A', data: '66.249.66.1' },
  // a spoofer who controls its own reverse zone: the name claims Google, the forward lookup says otherwise
  '7.113.0.203.in-addr.arpa': { type: 'PTR', data: 'crawl-203-0-113-7.googlebot.com.evil.example' },
  '8.113.0.203.in-addr.arpa': { type: 'PTR', data: 'crawl-66-249-66-9.googlebot.com' },
  'crawl-66-249-66-9.googlebot.com': { type: 'A', data: '66.249.66.9' },
  '5.40.55.157.in-addr.arpa': { type: 'PTR', data: 'msnbot-157-55-40-5.search.msn.com' },
  'msnbot-157-55-40-5.search.msn.com': { type: 'A', data: '157.55.40.5' },
};
let server: Socket;
let port = 0;
let queries = 0;

before(async () => {
  server = createSocket('udp4');
  server.on('message', (message, remote) => {
    queries++;
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    // never answers: the client times out
    if (question.name === '9.113.0.203.in-addr.arpa' || question.name.endsWith('.2.0.192.in-addr.arpa')) return;
    const record = RECORDS[question.name];
    const found = record && record.type === question.type;
    const answer = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (found || record ? 0 : 3), // 3 = NXDOMAIN
      questions: [question],
      answers: found
        ? [{ type: record.type, name: question.name, ttl: 300, data: record.data } as dnsPacket.Answer]
        : [],
    });
    server.send(answer, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  port = server.address().port;
});

after(() => server.close());

function verifier() {
  return new CrawlerVerifier({ dns_server: `127.0.0.1:${port}`, timeout: 0.3, cache_ttl: 3600 });
}

test('a real Googlebot and a real Bingbot are verified by forward-confirmed reverse DNS', async () => {
  const check = await verifier().verify('66.249.66.1', 'Googlebot');
  assert.equal(check.status, 'verified');
  assert.match(check.detail, /66\.249\.66\.1 -> crawl-66-249-66-1\.googlebot\.com -> 66\.249\.66\.1/);
  assert.equal((await verifier().verify('157.55.40.5', 'Bingbot')).status, 'verified');
});

test('a wrong domain, a name that does not resolve back, or no PTR at all is a spoofer', async () => {
  const v = verifier();
  assert.equal((await v.verify('203.0.113.7', 'Googlebot')).status, 'spoofed');
  assert.equal((await v.verify('203.0.113.8', 'Googlebot')).status, 'spoofed');
  const none = await v.verify('198.51.100.200', 'Googlebot');
  assert.equal(none.status, 'spoofed');
  assert.match(none.detail, /spoofer/);
});

test('a resolver that does not answer gives unanswered (review), remembered for a minute only', async () => {
  const v = verifier();
  const first = await v.verify('203.0.113.9', 'Googlebot');
  assert.equal(first.status, 'unanswered');
  const before = queries;
  assert.equal((await v.verify('203.0.113.9', 'Googlebot')).status, 'unanswered');
  assert.equal(queries, before, 'a silent resolver does not stall the next batch');
  const shortCache = new CrawlerVerifier({ dns_server: `127.0.0.1:${port}`, timeout: 0.3, cache_ttl: 0 });
  await shortCache.verify('203.0.113.9', 'Googlebot');
  const again = queries;
  await shortCache.verify('203.0.113.9', 'Googlebot');
  assert.ok(queries > again, 'asked again once the cache expired');
});

test('many claimed crawlers in one batch are checked side by side: one timeout, not one each', async () => {
  const { checkCrawlers } = await import('../crawler-decisions.ts');
  const v = verifier();
  const findings = Array.from({ length: 20 }, (_, index) => ({
    ip: `203.0.113.9`,
    threatType: 'secrets_scanning' as const,
    severity: 'high' as const,
    evidence: {
      requests: 1,
      sensitiveHits: 1,
      firstSeen: 0,
      lastSeen: 0,
      statuses: {},
      topPaths: [],
      userAgents: [],
      scannerAgents: [],
      distinctSensitivePaths: 1,
      peakPerMinute: 1,
      perMinute: {},
      samples: [],
      reasons: [],
      source: 'test',
      extra: { crawlerClaim: 'Googlebot', crawlerAddress: `192.0.2.${index + 1}` },
    },
  }));
  const started = performance.now();
  const checked = await checkCrawlers(findings, v, 'auto');
  assert.equal(checked.length, 20);
  assert.ok(
    checked.every(({ override }) => override?.status === 'pending'),
    'unanswered: all sent to review',
  );
  assert.ok(performance.now() - started < 0.3 * 1000 * 5, 'concurrent, not 20 timeouts in a row');
});

test('results are cached: a second check of the same address asks nothing', async () => {
  const v = verifier();
  await v.verify('66.249.66.1', 'Googlebot');
  const before = queries;
  assert.equal((await v.verify('66.249.66.1', 'Googlebot')).status, 'verified');
  assert.equal(queries, before);
});

test('reverse names follow RFC 1035 and RFC 3596', async () => {
  const { reverseName } = await import('./crawler-verifier.ts');
  assert.equal(reverseName('66.249.66.1'), '1.66.249.66.in-addr.arpa');
  assert.equal(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
});
