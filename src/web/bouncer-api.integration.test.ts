// The bouncer endpoints over real HTTP on the daemon's web server, keys made with the real CLI (in process).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCliInProcess } from '../cli/testing/run-cli.ts';
import type { BouncerUsage } from '../network-guard/bouncer-api/usage-metrics.ts';
import { scanEvents, startWebFixture } from './web-test-setup.ts';

const BOUNCER_AGENT = 'crowdsec-firewall-bouncer/v0.0.25';

async function fixtureWithKey() {
  // The review API's bearer token is set: bouncers must not need it (they only know X-Api-Key).
  const fixture = await startWebFixture({ token: 'review-token-123', mode: 'auto' });
  const env = {};
  // The CLI opens the same database, audit log and blocker as the server (daemon and CLI side by side).
  const configPath = join(fixture.dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      `database: { path: ${join(fixture.dir, 'agent.db')} }`,
      `audit: { path: ${join(fixture.dir, 'audit.jsonl')} }`,
      `blocking: { blocker: traefik-file, traefik_file: { path: ${fixture.denylist} } }`,
    ].join('\n'),
  );
  const added = await runCliInProcess(['bouncers', 'add', 'edge-firewall', '--config', configPath], env);
  assert.equal(added.code, 0, added.stderr);
  const key = /^\s+([0-9a-f]{64})$/m.exec(added.stdout)?.[1];
  assert.ok(key, added.stdout);
  const call = (path: string, options: { key?: string; method?: string } = {}) =>
    fetch(`${fixture.server.url}${path}`, {
      method: options.method ?? 'GET',
      headers: { 'User-Agent': BOUNCER_AGENT, ...(options.key ? { 'X-Api-Key': options.key } : {}) },
    });
  return { fixture, key, call, configPath, env };
}

test('a bouncer pulls the block an incident made, then its deletion after unblock', async () => {
  const { fixture, key, call, configPath, env } = await fixtureWithKey();
  try {
    const [incident] = await fixture.replay(scanEvents('203.0.113.50'));
    assert.equal(incident.status, 'blocked');

    const health = await call('/v1/decisions', { key, method: 'HEAD' });
    assert.equal(health.status, 200);
    const startup = await call('/v1/decisions/stream?startup=true', { key });
    assert.equal(startup.status, 200);
    const first = (await startup.json()) as { new: Array<Record<string, unknown>>; deleted: unknown[] };
    assert.equal(first.new.length, 1);
    assert.deepEqual(
      { ...first.new[0], duration: undefined },
      {
        id: first.new[0].id,
        origin: 'devops-agent',
        type: 'ban',
        scope: 'Ip',
        value: '203.0.113.50',
        scenario: 'secrets_scanning',
        duration: undefined,
      },
    );
    // Whole seconds rounded up, as the Local API writes them: a pull within the block's first second reads 24h0m0s.
    assert.match(String(first.new[0].duration), /^(23h59m\d+s|24h0m0s)$/);
    assert.deepEqual(first.deleted, []);

    const live = await call('/v1/decisions?ip=203.0.113.50', { key });
    assert.equal(((await live.json()) as unknown[]).length, 1);
    const none = await call('/v1/decisions?ip=203.0.113.51', { key });
    assert.equal(await none.text(), 'null', 'the Local API answers null when nothing matches');
    const badIp = await call('/v1/decisions?ip=nonsense', { key });
    assert.equal(badIp.status, 400);

    const unblocked = await runCliInProcess(['unblock', '203.0.113.50', '--config', configPath], env);
    assert.equal(unblocked.code, 0, unblocked.stderr);
    // A HEAD probe of the stream answers 200 and must not consume the deletion.
    assert.equal((await call('/v1/decisions/stream', { key, method: 'HEAD' })).status, 200);
    const delta = (await (await call('/v1/decisions/stream?startup=false', { key })).json()) as {
      new: unknown[];
      deleted: Array<{ value: string }>;
    };
    assert.deepEqual(delta.new, []);
    assert.deepEqual(
      delta.deleted.map((decision) => decision.value),
      ['203.0.113.50'],
    );

    const listed = await runCliInProcess(['bouncers', 'ls', '--config', configPath], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /edge-firewall .*crowdsec-firewall-bouncer\/v0\.0\.25/);
  } finally {
    await fixture.close();
  }
});

test('a missing or wrong key gets 403 and is audited without the key; a removed key stops working', async () => {
  const { fixture, key, call, configPath, env } = await fixtureWithKey();
  try {
    const wrongKey = 'f'.repeat(64);
    for (const [path, presented] of [
      ['/v1/decisions/stream?startup=true', undefined],
      ['/v1/decisions?ip=1.2.3.4', wrongKey],
    ] as const) {
      const response = await call(path, { key: presented });
      assert.equal(response.status, 403);
      assert.deepEqual(await response.json(), { message: 'access forbidden' });
    }
    const head = await call('/v1/decisions', { key: wrongKey, method: 'HEAD' });
    assert.equal(head.status, 403);
    const audit = readFileSync(join(fixture.dir, 'audit.jsonl'), 'utf8');
    const failures = audit
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> })
      .filter((entry) => entry.type === 'bouncer_auth_failed');
    // One entry per address per minute (the later refusals are counted into the next one): see refused-key-audit.ts.
    assert.equal(failures.length, 1);
    assert.deepEqual(failures[0].data, {
      address: '127.0.0.1',
      userAgent: BOUNCER_AGENT,
      path: '/v1/decisions/stream',
      keyPresented: false,
      earlierRefusals: 0,
    });
    assert.ok(!audit.includes(wrongKey), 'the presented key is not written to the audit log');

    assert.equal((await call('/v1/decisions/stream', { key })).status, 200);
    const removed = await runCliInProcess(['bouncers', 'rm', 'edge-firewall', '--config', configPath], env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await call('/v1/decisions/stream', { key })).status, 403);
    assert.match(readFileSync(join(fixture.dir, 'audit.jsonl'), 'utf8'), /"bouncer_removed"/);
  } finally {
    await fixture.close();
  }
});

test('usage reports: 201 and no body as the Local API, summed per bouncer and shown by bouncers ls', async () => {
  const { fixture, key, configPath, env } = await fixtureWithKey();
  const report = (dropped: number) =>
    JSON.stringify({
      remediation_components: [
        {
          version: 'v0.0.31',
          type: 'crowdsec-firewall-bouncer',
          os: { name: 'Debian GNU/Linux', version: '12' },
          feature_flags: [],
          utc_startup_timestamp: 1764000000,
          metrics: [
            {
              items: [
                {
                  name: 'dropped',
                  unit: 'packet',
                  value: dropped,
                  labels: { ip_type: 'ipv4', origin: 'devops-agent' },
                },
              ],
              meta: { window_size_seconds: 900, utc_now_timestamp: 1764000900 },
            },
          ],
        },
      ],
    });
  const post = (body: string, presented?: string) =>
    fetch(`${fixture.server.url}/v1/usage-metrics`, {
      method: 'POST',
      headers: {
        'User-Agent': BOUNCER_AGENT,
        'Content-Type': 'application/json',
        ...(presented ? { 'X-Api-Key': presented } : {}),
      },
      body,
    });
  try {
    const created = await post(report(5), key);
    assert.equal(created.status, 201);
    assert.equal(await created.text(), '');
    assert.equal((await post(report(7), key)).status, 201);
    const refused = await post(report(1));
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), { message: 'access forbidden' });
    const invalid = await post(JSON.stringify({ remediation_components: [{ version: 'v1' }] }), key);
    assert.equal(invalid.status, 422);
    assert.deepEqual(await invalid.json(), {
      message: 'validation failure list:\nremediation_components.0.utc_startup_timestamp in body is required',
    });

    const listed = await runCliInProcess(['bouncers', 'ls', '--format', 'json', '--config', configPath], env);
    assert.equal(listed.code, 0, listed.stderr);
    const [bouncer] = (
      JSON.parse(listed.stdout) as { bouncers: Array<{ lastUsageAt: string | null; usage: BouncerUsage }> }
    ).bouncers;
    assert.ok(bouncer);
    assert.equal(bouncer.usage.reports, 2);
    assert.equal(bouncer.usage.version, 'v0.0.31');
    assert.deepEqual(bouncer.usage.series, [
      { name: 'dropped', unit: 'packet', labels: { ip_type: 'ipv4', origin: 'devops-agent' }, value: 12 },
    ]);
    assert.ok(bouncer.lastUsageAt);
    const table = await runCliInProcess(['bouncers', 'ls', '--config', configPath], env);
    assert.match(table.stdout, /v0\.0\.31\s+12 packet/);
  } finally {
    await fixture.close();
  }
});
