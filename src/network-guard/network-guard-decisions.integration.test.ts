import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import type { Finding } from '../core/incident.ts';
import type { LogEvent } from '../core/log-event.ts';
import { sixProbeScanFinding } from '../core/testing/findings.ts';
import { getEvent } from '../core/testing/log-events.ts';
import { startLoopbackServer } from '../notifiers/loopback-http-server.ts';
import { createIncidentNotifier } from './incident-notifier.ts';
import { NetworkGuard } from './network-guard.ts';
import { fileBlockerGuardParts } from './testing/file-blocker-guard.ts';

const T0 = Date.parse('2026-11-01T10:00:00Z');
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

function setup(mode: 'auto' | 'review', extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'guard-decisions-'));
  return fileBlockerGuardParts(dir, { mode, ...extra }, { maxEntries: 100 });
}

function hit(ip: string, path: string, status: number, time: number, agent: string, bytes?: number): LogEvent {
  return { ...getEvent(ip, path, status, time, agent), host: 'blog.example', bytes };
}

test('a leak notifies the configured webhook at once with what to rotate, even for an allowlisted client', async () => {
  const hook = await startLoopbackServer((_request, response) => response.end('ok'));
  try {
    const { config, store, blocker } = setup('review', {
      'notifications.channels': [{ kind: 'webhook', url: hook.url }],
    });
    store.allowlist.add('203.0.113.50', 'office');
    const notify = createIncidentNotifier(config, store);
    const sent: Array<Promise<void>> = [];
    const guard = new NetworkGuard({ config, store, blocker, source: 'test', onIncident: (o) => sent.push(notify(o)) });
    guard.observe([hit('203.0.113.50', '/.env', 200, T0, 'curl/8.0', 912)]);
    const outcomes = await guard.flush(true);
    await Promise.all(sent);
    assert.deepEqual(
      outcomes.map((o) => [o.incident.threatType, o.decision]),
      [['secret_exposure', 'allowlisted']],
    );
    assert.equal(hook.requests.length, 1);
    const body = hook.requests[0].body;
    assert.match(body, /LEAK: \/\.env served to 203\.0\.113\.50/);
    assert.match(body, /Rotate now/);
    assert.match(body, /database passwords, API keys/);
  } finally {
    await hook.close();
  }
});

async function dnsServer(records: Record<string, { type: string; data: string }>, silent: string[] = []) {
  const socket = createSocket('udp4');
  socket.on('message', (message, remote) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question || silent.includes(question.name)) return;
    const record = records[question.name];
    const found = record && record.type === question.type;
    const answers = found ? [{ type: record.type, name: question.name, ttl: 60, data: record.data }] : [];
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: record ? 0 : 3,
      questions: [question],
      answers: answers as dnsPacket.Answer[],
    });
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { server: `127.0.0.1:${socket.address().port}`, close: () => socket.close() };
}

test('auto mode: a verified crawler is recorded, a spoofer blocked, an unanswered check sent to review', async () => {
  const dns = await dnsServer(
    {
      '1.66.249.66.in-addr.arpa': { type: 'PTR', data: 'crawl-66-249-66-1.googlebot.com' },
      'crawl-66-249-66-1.googlebot.com': { type: 'A', data: '66.249.66.1' },
    },
    ['9.113.0.203.in-addr.arpa'],
  );
  try {
    const { config, store, blocker } = setup('auto', {
      'detection.crawlers.dns_server': dns.server,
      'detection.crawlers.timeout': 0.3,
    });
    const guard = new NetworkGuard({ config, store, blocker, source: 'test' });
    // the blog post links to the files it warns about: the crawler follows the links (404 each)
    const events: LogEvent[] = [];
    for (const [index, path] of [
      '/.env',
      '/.git/config',
      '/wp-config.php.bak',
      '/backup.sql',
      '/.aws/credentials',
      '/id_rsa',
    ].entries()) {
      events.push(hit('66.249.66.1', path, 404, T0 + index * 60000, GOOGLEBOT));
      events.push(hit('203.0.113.8', path, 404, T0 + index * 60000 + 1, GOOGLEBOT));
      events.push(hit('203.0.113.9', path, 404, T0 + index * 60000 + 2, GOOGLEBOT));
    }
    guard.observe(events);
    const outcomes = await guard.flush(true);
    const byIp = Object.fromEntries(outcomes.map((o) => [o.incident.ip, o]));
    assert.equal(byIp['66.249.66.1'].decision, 'recorded');
    assert.match(byIp['66.249.66.1'].incident.evidence.explanations!.join(), /verified Googlebot/);
    assert.equal(byIp['203.0.113.8'].decision, 'blocked');
    assert.match(byIp['203.0.113.8'].incident.evidence.reasons.join(), /spoofer/);
    assert.equal(byIp['203.0.113.9'].incident.status, 'pending');
    assert.equal(byIp['203.0.113.9'].decision, 'recommended');
  } finally {
    dns.close();
  }
});

test('10,000 new incidents are written in batches, every one with its audit entry, and the chain verifies', async () => {
  const { config, store, blocker } = setup('review', { 'detection.crawlers.verify': false });
  const guard = new NetworkGuard({ config, store, blocker, source: 'test' });
  const findings: Finding[] = [];
  for (let i = 0; i < 10000; i++) findings.push(sixProbeScanFinding(`198.18.${i >> 8}.${i & 255}`, T0, 'test'));
  const outcomes = await guard.ingestFindings(findings);
  assert.equal(outcomes.length, 10000);
  const pending = store.db.prepare("SELECT COUNT(*) AS n FROM incidents WHERE status = 'pending'").get() as {
    n: number;
  };
  assert.equal(pending.n, 10000);
  assert.equal(store.audit.verify().ok, true);
});

test('auto mode blocks a /24 campaign at its prefix when the policy allows it; a protected prefix is only recorded', async () => {
  const { config, store, blocker } = setup('auto', {
    'detection.crawlers.verify': false,
    'blocking.protected_ranges': ['198.51.100.0/24'],
  });
  const guard = new NetworkGuard({ config, store, blocker, source: 'test' });
  const events: LogEvent[] = [];
  const probes = ['/.env', '/.git/config', '/wp-config.php.bak', '/backup.sql', '/.aws/credentials', '/id_rsa'];
  for (const network of ['198.18.7', '198.51.100'])
    for (let member = 0; member < 8; member++)
      for (let probe = 0; probe < 3; probe++)
        events.push(
          hit(
            `${network}.${member + 10}`,
            probes[(member + probe) % 6],
            404,
            T0 + member * 1000 + probe,
            'Mozilla/5.0',
          ),
        );
  guard.observe(events);
  const outcomes = await guard.flush(true);
  const byIp = Object.fromEntries(outcomes.map((o) => [o.incident.ip, o]));
  assert.equal(byIp['198.18.7.0/24'].decision, 'blocked');
  assert.equal(byIp['198.51.100.0/24'].decision, 'recorded');
  assert.ok(store.blocks.findActive('198.18.7.0/24').length > 0);
});
