import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { IpSet, normalizeIp, parseCidr } from '../core/ip-address.ts';
import { redactSecrets } from '../core/redact.ts';
import { sixProbeScanFinding } from '../core/testing/findings.ts';
import { openStore } from './store.ts';

function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  return { dir, store: openStore(join(dir, 'agent.db'), join(dir, 'audit', 'audit.jsonl')) };
}

test('IP parsing and sets: v4, v6, mapped, CIDR bounds, junk', () => {
  assert.equal(normalizeIp('::ffff:203.0.113.4'), '203.0.113.4');
  assert.equal(normalizeIp('[2001:DB8::1]:443'), '2001:db8::1');
  assert.equal(normalizeIp('203.0.113.4:5555'), '203.0.113.4');
  assert.equal(normalizeIp('999.1.1.1'), undefined);
  assert.equal(normalizeIp('010.1.1.1'), undefined);
  assert.equal(normalizeIp('<script>'), undefined);
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  const set = new IpSet(['10.0.0.0/8', '2001:db8::/32']);
  assert.ok(set.has('10.200.0.1'));
  assert.ok(set.has('2001:db8:ffff::1'));
  assert.ok(!set.has('11.0.0.1'));
  assert.ok(set.coversCidr('10.1.0.0/16'));
  assert.ok(!set.coversCidr('0.0.0.0/0'));
});

test('allowlist: CIDR and IPv6 matches, expiry honoured, canonical form', () => {
  const { store } = fresh();
  store.allowlist.add('203.0.113.0/24', 'office');
  store.allowlist.add('2001:DB8:0:0::/64', 'v6 office');
  store.allowlist.add('198.51.100.7', 'expired', new Date(Date.now() - 1000).toISOString());
  assert.equal(store.allowlist.match('203.0.113.77')?.description, 'office');
  assert.equal(store.allowlist.match('2001:db8::42')?.ipOrCidr, '2001:db8::/64');
  assert.equal(store.allowlist.match('2001:db8::/64')?.ipOrCidr, '2001:db8::/64');
  assert.equal(store.allowlist.match('198.51.100.7'), undefined);
  assert.equal(
    store.allowlist.match('203.0.0.0/16')?.ipOrCidr,
    '203.0.113.0/24',
    'a wider network containing an allowlisted one matches it (blocking it would block the allowlisted addresses)',
  );
  assert.equal(store.allowlist.match('203.0.112.0/24'), undefined, 'a neighbouring network does not match');
  assert.equal(store.allowlist.add('not-an-ip'), undefined);
  assert.equal(store.allowlist.list().length, 2);
  assert.equal(store.allowlist.list(true).length, 3);
  assert.ok(store.allowlist.remove('203.0.113.0/24'));
  assert.equal(store.allowlist.match('203.0.113.77', new Date(Date.now() + 2000)), undefined);
});

test('audit log: verifies, and detects an edit, a deletion and a truncated tail', () => {
  const { store } = fresh();
  for (let i = 0; i < 5; i++) store.audit.append('test', { i, note: 'Authorization: Bearer abcdefghijklmnop' });
  assert.deepEqual(store.audit.verify(), { ok: true, entries: 5 });
  const path = store.audit.path;
  const original = readFileSync(path, 'utf8');
  assert.doesNotMatch(original, /abcdefghijklmnop/, 'secrets are redacted before they are written');
  const lines = original.trimEnd().split('\n');
  writeFileSync(path, `${[lines[0], lines[1].replace('"i":1', '"i":9'), ...lines.slice(2)].join('\n')}\n`);
  assert.match(store.audit.verify().problem ?? '', /line 2: content does not match/);
  writeFileSync(path, `${[lines[0], ...lines.slice(2)].join('\n')}\n`);
  assert.match(store.audit.verify().problem ?? '', /line 2: sequence 3/);
  writeFileSync(path, `${lines.slice(0, 4).join('\n')}\n`);
  assert.match(store.audit.verify().problem ?? '', /tail truncated/);
  writeFileSync(path, original);
  assert.equal(store.audit.verify().ok, true);
});

test('two processes appending keep one chain (SQLite serialises writers)', () => {
  const { dir, store } = fresh();
  const second = openStore(join(dir, 'agent.db'), join(dir, 'audit', 'audit.jsonl'));
  for (let i = 0; i < 10; i++) (i % 2 ? store : second).audit.append('interleaved', { i });
  assert.deepEqual(store.audit.verify(), { ok: true, entries: 10 });
  second.close();
});

test('migrations are applied once; reopening keeps data', () => {
  const { dir, store } = fresh();
  store.allowlist.add('192.0.2.1', 'kept');
  store.close();
  const again = openStore(join(dir, 'agent.db'), join(dir, 'audit', 'audit.jsonl'));
  assert.equal(again.allowlist.list()[0].description, 'kept');
  const applied = again.db.prepare("SELECT COUNT(*) AS n FROM schema_migrations WHERE family = 'core'").get() as {
    n: number;
  };
  assert.equal(applied.n, 2);
});

test('incidents: created with status, decision and reason in one row; evidence updates reach only the active one', () => {
  const { store } = fresh();
  const finding = sixProbeScanFinding('198.51.100.7', 1000, 'test');
  const created = store.incidents.create(finding, 'pending', 'recommended', new Date(5000), 'awaiting review');
  assert.deepEqual(store.incidents.get(created.id), created);
  assert.equal(store.incidents.statusReason(created.id), 'awaiting review');
  // Severity only rises; the returned incident is the stored one.
  const high = { ...finding, severity: 'high' as const, evidence: { ...finding.evidence, requests: 9 } };
  const raised = store.incidents.updateActiveEvidence(high, new Date(6000));
  assert.deepEqual(raised, {
    ...created,
    severity: 'high',
    updatedAt: new Date(6000).toISOString(),
    evidence: high.evidence,
  });
  assert.deepEqual(store.incidents.get(created.id), raised);
  assert.equal(store.incidents.updateActiveEvidence(finding, new Date(7000))?.severity, 'high');
  assert.equal(store.incidents.updateActiveEvidence({ ...finding, threatType: 'secret_exposure' }), undefined);
  store.incidents.setStatus(created.id, 'resolved');
  assert.equal(store.incidents.updateActiveEvidence(high), undefined);
  assert.equal(store.incidents.get(created.id)?.evidence.requests, 6);
});

test('a failed transaction leaves nothing behind', () => {
  const { store } = fresh();
  assert.throws(() =>
    store.transaction(() => {
      store.allowlist.add('192.0.2.5', 'half');
      throw new Error('crash in the middle');
    }),
  );
  assert.equal(store.allowlist.list().length, 0);
});

test('redaction covers tokens, keys, passwords in query strings, URLs with credentials, emails', () => {
  const text = redactSecrets(
    'GET /login?user=bob&password=hunter2 Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijk AKIAABCDEFGHIJKLMNOP postgres://u:pw@db/x bob@example.com',
  );
  for (const secret of ['hunter2', 'eyJhbGci', 'AKIAABCDEFGHIJKLMNOP', ':pw@', 'bob@example.com'])
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  assert.equal(redactSecrets('/.env'), '/.env');
});

test('audit recovers from a crash between the file append and the head commit, and from a torn line', () => {
  const { dir, store } = fresh();
  store.audit.append('one', {});
  store.audit.append('two', {});
  const path = store.audit.path;
  const lines = readFileSync(path, 'utf8');
  // simulate: entry 2 reached the file but the SQLite head still says 1
  store.db
    .prepare('UPDATE audit_head SET seq = 1, hash = ? WHERE path = ?')
    .run(JSON.parse(lines.split('\n')[0]).hash, path);
  writeFileSync(path, `${lines}{"seq":3,"time":"2026-`);
  const reopened = openStore(join(dir, 'agent.db'), path);
  reopened.audit.append('three', {});
  assert.deepEqual(reopened.audit.verify(), { ok: true, entries: 3 });
});

test('audit recovers from a crash after a batched append wrote several entries but not the head', () => {
  const { dir, store } = fresh();
  store.audit.append('one', {});
  const path = store.audit.path;
  const firstHash = JSON.parse(readFileSync(path, 'utf8').split('\n')[0]).hash;
  store.audit.appendMany([
    { type: 'two', data: {} },
    { type: 'three', data: {} },
    { type: 'four', data: {} },
  ]);
  // simulate: the batch reached the file but the SQLite head still says 1
  store.db.prepare('UPDATE audit_head SET seq = 1, hash = ? WHERE path = ?').run(firstHash, path);
  const reopened = openStore(join(dir, 'agent.db'), path);
  reopened.audit.append('five', {});
  assert.deepEqual(reopened.audit.verify(), { ok: true, entries: 5 });
});
