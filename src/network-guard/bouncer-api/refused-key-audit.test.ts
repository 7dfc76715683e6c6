import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
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
