import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../config/load-config.ts';
import type { Mode } from '../config/schema.ts';
import type { LogEvent } from '../core/log-event.ts';
import { scanBurst } from '../core/testing/log-events.ts';
import { openStore } from '../store/store.ts';
import { TraefikFileBlocker } from './blocking/traefik-file/traefik-file-blocker.ts';
import { approveIncident, expireBlocks, rejectIncident, unblockTarget } from './incident-actions.ts';
import { NetworkGuard } from './network-guard.ts';

const T0 = Date.parse('2026-11-01T10:00:00Z');

function scan(ip: string, status = 404): LogEvent[] {
  return scanBurst(ip, T0, status, 'curl/8.0');
}

function setup(mode: Mode, extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'guard-'));
  const denylist = join(dir, 'dynamic', 'denylist.yaml');
  const config = defaultConfig({
    mode,
    'database.path': join(dir, 'agent.db'),
    'audit.path': join(dir, 'audit.jsonl'),
    'blocking.traefik_file.path': denylist,
    trusted_proxies: ['198.51.100.10'],
    ...extra,
  });
  const store = openStore(config.database.path, config.audit.path);
  const blocker = new TraefikFileBlocker({ ...config.blocking.traefik_file, max_entries: 100 });
  const guard = new NetworkGuard({ config, store, blocker, source: 'test' });
  return { dir, denylist, config, store, guard };
}

test('review mode records a pending incident with the exact planned change, then approval blocks once', async () => {
  const { store, guard, denylist } = setup('review');
  guard.observe(scan('203.0.113.5'));
  const [outcome] = await guard.flush();
  assert.equal(outcome.incident.status, 'pending');
  assert.equal(outcome.decision, 'recommended');
  const [planned] = store.actions.forIncident(outcome.incident.id);
  assert.equal(planned.status, 'planned');
  assert.match((planned.plan as { diff: string }).diff, /\+ +- 203\.0\.113\.5/);
  const approved = await approveIncident(outcome.incident.id, 'alice', guard.blockContext);
  assert.equal(approved.status, 'blocked');
  assert.match(readFileSync(denylist, 'utf8'), /ipDenyList:\n\s+- 203\.0\.113\.5/);
  const again = await approveIncident(outcome.incident.id, 'alice', guard.blockContext);
  assert.equal(again.status, 'conflict');
  assert.equal(store.blocks.active().length, 1);
  assert.equal(store.audit.verify().ok, true);
});

test('auto mode blocks at once; more evidence updates the same incident', async () => {
  const { store, guard, denylist } = setup('auto');
  guard.observe(scan('203.0.113.6'));
  const [first] = await guard.flush();
  assert.equal(first.incident.status, 'blocked');
  assert.equal(first.decision, 'blocked');
  guard.observe(scan('203.0.113.6').map((event) => ({ ...event, time: event.time + 60000 })));
  const [second] = await guard.flush();
  assert.equal(second.created, false);
  assert.equal(second.incident.id, first.incident.id);
  assert.equal(second.incident.evidence.sensitiveHits, 12);
  assert.equal(store.incidents.list().length, 1);
  assert.equal((readFileSync(denylist, 'utf8').match(/203\.0\.113\.6/g) ?? []).length, 1);
});

test('allowlisted, private and trusted-proxy addresses are never blocked', async () => {
  const { store, guard } = setup('auto');
  store.allowlist.add('203.0.113.0/28', 'office');
  guard.observe([...scan('203.0.113.7'), ...scan('10.1.2.3'), ...scan('198.51.100.10')]);
  const outcomes = await guard.flush();
  const byIp = Object.fromEntries(
    outcomes.map((outcome) => [outcome.incident.ip, [outcome.incident.status, outcome.decision]]),
  );
  assert.deepEqual(byIp, {
    '203.0.113.7': ['allowed', 'allowlisted'],
    '10.1.2.3': ['open', 'recorded'],
    '198.51.100.10': ['open', 'recorded'],
  });
  assert.equal(store.blocks.active().length, 0);
});

test('disabled mode only records, and approval is refused', async () => {
  const { guard } = setup('disabled');
  guard.observe(scan('203.0.113.8'));
  const [outcome] = await guard.flush();
  assert.deepEqual([outcome.incident.status, outcome.decision], ['open', 'recorded']);
  assert.equal((await approveIncident(outcome.incident.id, 'bob', guard.blockContext)).status, 'conflict');
});

test('reject keeps one incident and refuses a later approval', async () => {
  const { guard, store } = setup('review');
  guard.observe(scan('203.0.113.9'));
  const [outcome] = await guard.flush();
  assert.equal(rejectIncident(outcome.incident.id, 'carol', 'our pentest', guard.blockContext).status, 'rejected');
  const approval = await approveIncident(outcome.incident.id, 'carol', guard.blockContext);
  assert.equal(approval.status, 'conflict');
  guard.observe(scan('203.0.113.9').map((event) => ({ ...event, time: event.time + 60000 })));
  await guard.flush();
  assert.equal(store.incidents.list().length, 1);
});

test('unblock removes only what the agent added; a hand-added entry is kept and refused', async () => {
  const { guard, denylist } = setup('auto');
  guard.observe(scan('203.0.113.10'));
  await guard.flush();
  const text = readFileSync(denylist, 'utf8').replace(/^(\s*)- 203\.0\.113\.10$/m, '$1- 192.0.2.77\n$1- 203.0.113.10');
  writeFileSync(denylist, text);
  assert.equal((await unblockTarget('192.0.2.77', 'dave', 'test', guard.blockContext)).status, 'not_ours');
  assert.equal((await unblockTarget('203.0.113.10', 'dave', 'test', guard.blockContext)).status, 'unblocked');
  const after = readFileSync(denylist, 'utf8');
  assert.match(after, /192\.0\.2\.77/);
  assert.doesNotMatch(after, /203\.0\.113\.10/);
});

test('expired blocks are removed and their incidents resolved', async () => {
  let now = new Date('2026-11-01T10:00:00Z');
  const { config, store, denylist } = setup('auto', { 'blocking.duration': '1h' });
  const blocker = new TraefikFileBlocker({ ...config.blocking.traefik_file, max_entries: 100 });
  const guard = new NetworkGuard({ config, store, blocker, source: 'test', now: () => now });
  guard.observe(scan('203.0.113.11'));
  const [outcome] = await guard.flush();
  assert.equal((await expireBlocks(guard.blockContext)).length, 0);
  now = new Date('2026-11-01T11:00:01Z');
  const expired = await expireBlocks(guard.blockContext);
  assert.deepEqual(
    expired.map((result) => result.status),
    ['unblocked'],
  );
  assert.doesNotMatch(readFileSync(denylist, 'utf8'), /203\.0\.113\.11/);
  assert.equal(store.incidents.get(outcome.incident.id)?.status, 'resolved');
});

test('an unblocked incident is not reopened on the same evidence, only on new sensitive hits', async () => {
  const { store, guard } = setup('auto');
  const events = scan('203.0.113.12');
  guard.observe(events);
  const [first] = await guard.flush();
  assert.equal(first.decision, 'blocked');
  assert.equal((await unblockTarget('203.0.113.12', 'erin', 'test', guard.blockContext)).status, 'unblocked');
  // What an Elasticsearch cycle does next: the same documents, computed again, come back as the same finding.
  const again = await guard.ingestFindings([{ ...first.incident, evidence: first.incident.evidence }]);
  assert.deepEqual(again, []);
  assert.equal(store.incidents.list().length, 1);
  // The scanner comes back: more sensitive hits than the closed incident saw.
  const more = await guard.ingestFindings([
    {
      ...first.incident,
      evidence: { ...first.incident.evidence, sensitiveHits: first.incident.evidence.sensitiveHits + 1 },
    },
  ]);
  assert.equal(more.length, 1);
  assert.equal(more[0].created, true);
  assert.equal(more[0].decision, 'blocked');
});
