import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.ts';
import { AuditChainError } from './audit-log.ts';
import { openStore } from './store.ts';

const directory = () => mkdtempSync(join(tmpdir(), 'audit-log-'));

test('a torn last line with multi-byte characters is cut at its first byte, so the chain stays intact', () => {
  const dir = directory();
  const path = join(dir, 'audit.jsonl');
  const store = openStore(join(dir, 'agent.db'), path);
  store.audit.append('one', { note: 'café' });
  store.audit.append('two', { note: '日本語' });
  const intact = statSync(path).size;
  // A crash in the middle of writing entry 3: no newline, and characters of 2-4 bytes (string length != bytes).
  appendFileSync(path, '{"seq":3,"time":"2026-01-01","data":{"note":"éééé 日本語 👀👀👀');
  store.audit.append('three', { note: 'après' });
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.equal(JSON.parse(lines[2]).type, 'three');
  assert.ok(statSync(path).size > intact);
  assert.deepEqual(store.audit.verify(), { ok: true, entries: 3 });
  store.close();
});

test('a torn line longer than the read window is cut too, and a long last entry still chains', () => {
  const dir = directory();
  const path = join(dir, 'audit.jsonl');
  const store = openStore(join(dir, 'agent.db'), path);
  store.audit.append('big', { note: 'é'.repeat(200_000) });
  appendFileSync(path, `{"seq":2,"data":"${'ü'.repeat(300_000)}`);
  store.audit.append('after', {});
  assert.deepEqual(store.audit.verify(), { ok: true, entries: 2 });
  store.close();
});

test('a second database refuses to append to a file that holds another database’s chain', () => {
  const dir = directory();
  const path = join(dir, 'shared.jsonl');
  const first = openStore(join(dir, 'first.db'), path);
  first.audit.append('first', { i: 1 });
  const second = openStore(join(dir, 'second.db'), path);
  const before = readFileSync(path, 'utf8');
  assert.throws(
    () => second.audit.append('second', { i: 1 }),
    (error: unknown) => {
      assert.ok(error instanceof AuditChainError);
      assert.ok(error instanceof ConfigError, 'a ConfigError, so the CLI exits 2');
      assert.match(error.message, /audit\.path: .*shared\.jsonl/);
      assert.match(error.message, /this database has never written to it/);
      return true;
    },
  );
  assert.throws(() => second.audit.assertAppendable(), AuditChainError);
  assert.equal(readFileSync(path, 'utf8'), before, 'nothing was appended');
  assert.deepEqual(first.audit.verify(), { ok: true, entries: 1 });
  // The first database still appends: its head matches.
  first.audit.append('first', { i: 2 });
  assert.deepEqual(first.audit.verify(), { ok: true, entries: 2 });
  first.close();
  second.close();
});

test('a file that moved on without this database, or vanished, is refused', () => {
  const dir = directory();
  const path = join(dir, 'audit.jsonl');
  const store = openStore(join(dir, 'agent.db'), path);
  store.audit.append('one', {});
  store.audit.append('two', {});
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  // An older copy of the file put back: it ends before the head the database recorded.
  writeFileSync(path, `${lines[0]}\n`);
  assert.throws(() => store.audit.append('three', {}), /ends at entry 1, this database last wrote entry 2/);
  rmSync(path);
  assert.throws(() => store.audit.append('three', {}), /missing or empty, but this database wrote 2 entries/);
  writeFileSync(path, 'not json\n');
  assert.throws(() => store.audit.append('three', {}), /last line is not an audit entry/);
  store.close();
});

test('two databases that claimed the same empty file: the first to write owns it, the other is refused', () => {
  const dir = directory();
  const path = join(dir, 'audit.jsonl');
  const first = openStore(join(dir, 'first.db'), path);
  const second = openStore(join(dir, 'second.db'), path);
  first.audit.append('first', {});
  assert.throws(() => second.audit.append('second', {}), AuditChainError);
  first.audit.append('first', {});
  assert.deepEqual(first.audit.verify(), { ok: true, entries: 2 });
  first.close();
  second.close();
});

test('a crash during the very first append is recovered by the database that wrote it', () => {
  const dir = directory();
  const path = join(dir, 'audit.jsonl');
  const store = openStore(join(dir, 'agent.db'), path);
  store.audit.append('one', {});
  // The entry reached the file, the head commit did not.
  store.db.prepare('UPDATE audit_head SET seq = 0, hash = ? WHERE path = ?').run('0'.repeat(64), path);
  store.audit.append('two', {});
  assert.deepEqual(store.audit.verify(), { ok: true, entries: 2 });
  store.close();
});
