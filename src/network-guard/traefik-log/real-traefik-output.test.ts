// Lines written by a real Traefik v3.6.12 (testbed build), recorded from loopback clients 127.0.0.x: a browser, a
// scanner on /.env and /.git/config, a client the deny-list plugin answered 403, one request through a trusted hop
// (127.0.0.5, X-Forwarded-For 198.51.100.23) and one with a forged X-Forwarded-For from an untrusted peer.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LogEvent } from '../../core/log-event.ts';
import { replayFile } from './replay-file.ts';
import { addStats, emptyStats } from './source-batch.ts';

const fixtures = join(import.meta.dirname, '__fixtures__');

async function replay(name: string, trustedProxies: string[] = []) {
  const stats = emptyStats();
  const events: LogEvent[] = [];
  for await (const batch of replayFile(join(fixtures, name), { trustedProxies })) {
    addStats(stats, batch.stats);
    events.push(...batch.events);
  }
  return { stats, events };
}

const expectedRequests = [
  { ip: '127.0.0.7', path: '/', status: 200 },
  { ip: '127.0.0.8', path: '/.env', status: 404 },
  { ip: '127.0.0.8', path: '/.git/config', status: 404 },
  { ip: '127.0.0.9', path: '/wp-config.php.bak', status: 403 },
  { ip: '198.51.100.23', path: '/.aws/credentials', status: 404 },
  { ip: '127.0.0.6', path: '/index.html', status: 404 },
];

for (const name of ['traefik-v3.6-json.log', 'traefik-v3.6-json-user-agent.log', 'traefik-v3.6-clf.log']) {
  test(`Traefik v3.6's own ${name} parses with nothing skipped`, async () => {
    const { stats, events } = await replay(name, ['127.0.0.5']);
    assert.equal(stats.lines, 6);
    assert.equal(stats.skipped, 0, JSON.stringify(stats));
    assert.deepEqual(
      events.map((event) => ({ ip: event.clientIp, path: event.path, status: event.status })),
      expectedRequests,
    );
  });
}

test('JSON with request_User-Agent kept carries the agent; headers dropped (the default) and CLF carry none', async () => {
  const kept = await replay('traefik-v3.6-json-user-agent.log', ['127.0.0.5']);
  assert.deepEqual(
    kept.events.map((event) => event.userAgent),
    [
      'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
      'gitleaks/8.18',
      'gitleaks/8.18',
      'curl/8.14',
      'python-requests/2.32',
      'Mozilla/5.0 "quoted"',
    ],
  );
  for (const name of ['traefik-v3.6-json.log', 'traefik-v3.6-clf.log']) {
    const dropped = await replay(name, ['127.0.0.5']);
    assert.ok(
      dropped.events.every((event) => !event.userAgent || event.userAgent === '-'),
      `${name}: ${dropped.events.map((event) => event.userAgent)}`,
    );
  }
});

test("Traefik v3.6's generic CLF (format: genericCLF, headers kept): every line, its agent and referer, no router", async () => {
  // Recorded the same way, with `accessLog.format: genericCLF`: the line ends after the user agent.
  const { stats, events } = await replay('traefik-v3.6-generic-clf.log');
  assert.equal(stats.lines, 5);
  assert.equal(stats.skipped, 0, JSON.stringify(stats));
  assert.deepEqual(
    events.map((event) => ({ ip: event.clientIp, path: event.path, status: event.status, agent: event.userAgent })),
    [
      { ip: '127.0.0.7', path: '/index.html', status: 200, agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' },
      { ip: '127.0.0.8', path: '/.env', status: 404, agent: 'gitleaks/8.21.2' },
      { ip: '127.0.0.8', path: '/.git/config', status: 404, agent: 'gitleaks/8.21.2' },
      { ip: '127.0.0.9', path: '/.aws/credentials', status: 404, agent: 'say "hi" " "x' },
      { ip: '127.0.0.6', path: '/', status: 200, agent: 'curl/7.88.1' },
    ],
  );
  assert.ok(events.every((event) => event.routerName === undefined));
});
