import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Store } from '../../store/store.ts';
import { openStore } from '../../store/store.ts';
import { RefusedKeyAudit } from './refused-key-audit.ts';

test('refused keys: one audit entry per address per minute, later refusals counted into the next entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'refused-key-'));
  const store = openStore(join(dir, 'agent.db'), join(dir, 'audit.jsonl'));
  try {
    const refusals = new RefusedKeyAudit(store.audit);
    const attempt = (address: string) => ({ address, userAgent: 'curl/8', path: '/v1/decisions', keyPresented: true });
    const start = Date.parse('2026-12-01T10:00:00Z');
    for (let second = 0; second < 30; second++) refusals.record(attempt('198.51.100.1'), start + second * 1000);
    refusals.record(attempt('198.51.100.2'), start + 5000);
    refusals.record(attempt('198.51.100.1'), start + 61_000);
    const entries = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: { address: string; earlierRefusals: number } })
      .filter((entry) => entry.type === 'bouncer_auth_failed')
      .map((entry) => [entry.data.address, entry.data.earlierRefusals]);
    assert.deepEqual(entries, [
      ['198.51.100.1', 0],
      ['198.51.100.2', 0],
      ['198.51.100.1', 29],
    ]);
  } finally {
    store.close();
  }
});

function auditEntries(dir: string): Array<{ type: string; data: Record<string, unknown> }> {
  return readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> })
    .filter((entry) => entry.type.startsWith('bouncer_auth_failed'));
}

function withStore(run: (store: Store, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'refused-key-'));
  const store = openStore(join(dir, 'agent.db'), join(dir, 'audit.jsonl'));
  try {
    run(store, dir);
  } finally {
    store.close();
  }
}

const refused = (address: string) => ({ address, userAgent: 'x', path: '/v1/decisions', keyPresented: true });
const START = Date.parse('2026-12-01T10:00:00Z');

test('refusals of an address that never comes back still reach the audit, in a summary', () => {
  withStore((store, dir) => {
    const refusals = new RefusedKeyAudit(store.audit);
    for (let second = 0; second < 30; second++) refusals.record(refused('198.51.100.7'), START + second * 1000);
    // another client, long after: the 29 counted refusals must not be lost
    refusals.record(refused('198.51.100.8'), START + 130_000);
    const summary = auditEntries(dir).find((entry) => entry.type === 'bouncer_auth_failed_summary');
    assert.deepEqual(summary?.data, { refusals: 29, addresses: 1, busiest: [{ address: '198.51.100.7', count: 29 }] });
  });
});

test('a flood from many addresses writes a bounded number of entries and counts every refusal', () => {
  withStore((store, dir) => {
    const refusals = new RefusedKeyAudit(store.audit);
    // one IPv6 client rotating inside its /64, and 1,000 IPv4 clients, all within one minute
    for (let index = 1; index <= 500; index++) refusals.record(refused(`2001:db8:1:2::${index.toString(16)}`), START);
    for (let index = 0; index < 1000; index++) {
      refusals.record(refused(`10.${index >> 8}.${index & 255}.1`), START + 1000);
    }
    refusals.record(refused('198.51.100.9'), START + 61_000);
    refusals.record(refused('198.51.100.9'), START + 200_000);
    const entries = auditEntries(dir);
    const single = entries.filter((entry) => entry.type === 'bouncer_auth_failed');
    assert.equal(single.length, 62, 'the first minute wrote 60 entries of its own, then one per later minute');
    // 1,500 refusals in the first minute: 60 written one by one; the 941 IPv4 clients beyond the cap are summed at the
    // next minute, the /64's 499 later ones once it has stayed away a whole minute
    const summaries = entries.filter((entry) => entry.type === 'bouncer_auth_failed_summary');
    assert.deepEqual(
      summaries.map((entry) => entry.data.refusals),
      [941, 499],
    );
    assert.deepEqual((summaries[1].data.busiest as unknown[])[0], { address: '2001:db8:1:2::/64', count: 499 });
  });
});
