import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Finding } from '../../core/incident.ts';
import { openStore, type Store } from '../../store/store.ts';
import { BouncerStore } from './bouncer-store.ts';
import { parseDecisionFilter } from './decision-filter.ts';
import { type DecisionStream, pullDecisionStream, queryDecisions } from './decision-stream.ts';
import { goDuration } from './lapi-decision.ts';

const NOW = new Date('2026-12-01T10:00:00Z');
const inAnHour = new Date(NOW.getTime() + 3_600_000).toISOString();

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'decision-stream-'));
  const store = openStore(join(dir, 'agent.db'), join(dir, 'audit.jsonl'));
  const bouncers = new BouncerStore(store.db);
  const firewall = bouncers.add('firewall').bouncer;
  const everything = parseDecisionFilter(new URLSearchParams(), { scopes: 'ip,range' });
  assert.ok(everything.ok);
  const pull = (startup: boolean, at = NOW, bouncer = firewall, userAgent = 'cs-nginx-bouncer/v1.0.0') =>
    pullDecisionStream(store, bouncers, bouncer, { startup, predicate: everything.predicate, userAgent }, at);
  return { store, bouncers, firewall, pull };
}

function incident(store: Store, ip: string) {
  const finding: Finding = {
    ip,
    threatType: 'secrets_scanning',
    severity: 'high',
    evidence: {} as Finding['evidence'],
  };
  return store.incidents.create(finding, 'blocked', 'blocked');
}

const values = (decisions: DecisionStream['new']) => decisions.map((decision) => decision.value).sort();

test('startup sends every active block once, in the shape bouncers expect; the next pull sends nothing new', () => {
  const { store, pull } = setup();
  const scan = incident(store, '203.0.113.7');
  store.blocks.add('203.0.113.7', 'traefik-file', scan.id, inAnHour);
  store.blocks.add('198.51.100.0/24', 'kubernetes', null, null);
  const first = pull(true);
  assert.deepEqual(first.deleted, []);
  const ip = first.new.find((decision) => decision.value === '203.0.113.7');
  assert.deepEqual(ip, {
    id: ip?.id,
    origin: 'devops-agent',
    type: 'ban',
    scope: 'Ip',
    value: '203.0.113.7',
    scenario: 'secrets_scanning',
    duration: '1h0m0s',
  });
  const range = first.new.find((decision) => decision.value === '198.51.100.0/24');
  assert.equal(range?.scope, 'Range');
  assert.equal(range?.duration, '87600h0m0s', 'a block without expiry gets a long finite duration');
  assert.deepEqual(pull(false), { new: [], deleted: [] });
});

test('unblock, expiry and rejection each become one deletion, sent once', () => {
  const { store, pull } = setup();
  const unblocked = store.blocks.add('203.0.113.1', 'traefik-file', incident(store, '203.0.113.1').id, inAnHour);
  store.blocks.add('203.0.113.2', 'traefik-file', incident(store, '203.0.113.2').id, inAnHour);
  const rejected = incident(store, '203.0.113.3');
  store.blocks.add('203.0.113.3', 'traefik-file', rejected.id, null);
  store.blocks.add('203.0.113.4', 'traefik-file', null, null);
  assert.deepEqual(values(pull(true).new), ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']);

  store.blocks.markRemoved(unblocked.id, 'unblocked');
  assert.deepEqual(values(pull(false).deleted), ['203.0.113.1']);
  // The expiry job may not have run yet: a block past its end is no decision any more.
  const later = new Date(NOW.getTime() + 3_600_001);
  assert.deepEqual(values(pull(false, later).deleted), ['203.0.113.2']);
  store.incidents.setStatus(rejected.id, 'rejected');
  const afterRejection = pull(false, later);
  assert.deepEqual(values(afterRejection.deleted), ['203.0.113.3']);
  assert.deepEqual(afterRejection.new, []);
  assert.deepEqual(pull(false, later), { new: [], deleted: [] });
});

test('each key has its own view: a second bouncer still gets everything, a restarted one gets all again', () => {
  const { store, bouncers, pull } = setup();
  store.blocks.add('203.0.113.9', 'traefik-file', null, inAnHour);
  assert.deepEqual(values(pull(true).new), ['203.0.113.9']);
  const traefik = bouncers.add('traefik-plugin').bouncer;
  // A bouncer that never pulled gets the active decisions even without startup=true.
  assert.deepEqual(values(pull(false, NOW, traefik).new), ['203.0.113.9']);
  assert.deepEqual(values(pull(true).new), ['203.0.113.9'], 'startup=true resends what is active');
});

test('a target blocked by two blockers stays one decision until both blocks are gone', () => {
  const { store, pull } = setup();
  const file = store.blocks.add('203.0.113.5', 'traefik-file', null, inAnHour);
  const cluster = store.blocks.add('203.0.113.5', 'kubernetes', null, null);
  const first = pull(true);
  assert.equal(first.new.length, 1);
  assert.equal(first.new[0].id, file.id);
  assert.equal(first.new[0].duration, '87600h0m0s', 'the later end wins');
  store.blocks.markRemoved(file.id, 'unblocked');
  const second = pull(false);
  assert.deepEqual(second.deleted, [], 'still blocked by the other blocker');
  assert.deepEqual(
    second.new.map((decision) => decision.id),
    [cluster.id],
  );
  store.blocks.markRemoved(cluster.id, 'unblocked');
  assert.deepEqual(values(pull(false).deleted), ['203.0.113.5']);
});

test('the firewall bouncer gets no deletions at startup (its set starts empty; deleting a missing element fails)', () => {
  const { store, pull, firewall } = setup();
  const block = store.blocks.add('203.0.113.6', 'traefik-file', null, inAnHour);
  pull(true);
  store.blocks.markRemoved(block.id, 'unblocked');
  assert.deepEqual(pull(true, NOW, firewall, 'crowdsec-firewall-bouncer/v0.0.25').deleted, []);
  const other = setup();
  const again = other.store.blocks.add('203.0.113.6', 'traefik-file', null, inAnHour);
  other.pull(true);
  other.store.blocks.markRemoved(again.id, 'unblocked');
  assert.deepEqual(values(other.pull(true).deleted), ['203.0.113.6'], 'other bouncers learn what left while away');
});

test('GET /v1/decisions filters: ip inside a banned range, range contains=false, scope, unparsable ip', () => {
  const { store } = setup();
  store.blocks.add('198.51.100.0/24', 'traefik-file', null, inAnHour);
  store.blocks.add('203.0.113.8', 'traefik-file', null, inAnHour);
  store.blocks.add('2001:db8::1', 'traefik-file', null, inAnHour);
  const query = (text: string) => {
    const filter = parseDecisionFilter(new URLSearchParams(text));
    assert.ok(filter.ok, text);
    return values(queryDecisions(store, filter.predicate, NOW));
  };
  assert.deepEqual(query('ip=198.51.100.42'), ['198.51.100.0/24']);
  assert.deepEqual(query('ip=203.0.113.8'), ['203.0.113.8']);
  assert.deepEqual(query('ip=203.0.113.9'), []);
  assert.deepEqual(query('range=203.0.113.0/24&contains=false'), ['203.0.113.8']);
  assert.deepEqual(query('ip=2001:db8:0::1'), ['2001:db8::1']);
  assert.deepEqual(query('scope=range'), ['198.51.100.0/24']);
  assert.deepEqual(query('scope=ip&value=203.0.113.8'), ['203.0.113.8']);
  assert.deepEqual(query('scenarios_containing=scan'), [], 'these blocks have no incident: scenario "manual"');
  assert.equal(parseDecisionFilter(new URLSearchParams('ip=not-an-ip')).ok, false);
  assert.equal(parseDecisionFilter(new URLSearchParams('contains=maybe')).ok, false);
});

test('durations are written as Go prints time.Duration', () => {
  assert.equal(goDuration(0), '0s');
  assert.equal(goDuration(250), '250ms');
  assert.equal(goDuration(1500), '1.5s');
  assert.equal(goDuration(61_000), '1m1s');
  assert.equal(goDuration(3_600_000), '1h0m0s');
  assert.equal(goDuration(4 * 3_600_000 - 1_500), '3h59m58.5s');
  assert.equal(goDuration(-2_000), '-2s');
});

test('keys are stored hashed and only the right key authenticates', () => {
  const { store, bouncers } = setup();
  const { key } = bouncers.add('nginx');
  assert.match(key, /^[0-9a-f]{64}$/);
  const stored = store.db.prepare("SELECT * FROM bouncers WHERE name = 'nginx'").get() as Record<string, unknown>;
  assert.ok(!JSON.stringify(stored).includes(key), 'the key itself is not in the database');
  assert.equal(bouncers.authenticate(key)?.name, 'nginx');
  assert.equal(bouncers.authenticate(`${key}x`), undefined);
  assert.equal(bouncers.authenticate(''), undefined);
  assert.throws(() => bouncers.add('nginx'), /UNIQUE/);
  assert.throws(() => bouncers.add('bad name'), /invalid bouncer name/);
  assert.ok(bouncers.remove('nginx'));
  assert.equal(bouncers.authenticate(key), undefined);
});
