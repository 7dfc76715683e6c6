import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openStore } from '../../store/store.ts';
import { readNewLines } from './log-file-reader.ts';

const directory = mkdtempSync(join(tmpdir(), 'monitor-log-reader-'));
const store = openStore(join(directory, 'agent.db'), join(directory, 'audit.jsonl'));
after(() => {
  store.close();
  rmSync(directory, { recursive: true, force: true });
});
const options = { maxBytes: 1024 * 1024, startAt: 'beginning' as const };

test('reads only new complete lines, keeps a partial line for later, survives a restart', async () => {
  const path = join(directory, 'auth.log');
  writeFileSync(path, 'one\ntwo\nthree-partial');
  let result = await readNewLines(path, store.positions, options);
  assert.deepEqual(result.lines, ['one', 'two']);
  assert.deepEqual(result.events, ['first-start']);
  appendFileSync(path, ' done\nfour\n');
  result = await readNewLines(path, store.positions, options);
  assert.deepEqual(result.lines, ['three-partial done', 'four']);
  // A "restart": a new store handle on the same database reads nothing old.
  const reopened = openStore(join(directory, 'agent.db'), join(directory, 'audit.jsonl'));
  appendFileSync(path, 'five\n');
  result = await readNewLines(path, reopened.positions, options);
  reopened.close();
  assert.deepEqual(result.lines, ['five']);
});

test('a first start at the end skips history', async () => {
  const path = join(directory, 'syslog');
  writeFileSync(path, 'old\nolder\n');
  assert.deepEqual((await readNewLines(path, store.positions, { ...options, startAt: 'end' })).lines, []);
  appendFileSync(path, 'new\n');
  assert.deepEqual((await readNewLines(path, store.positions, options)).lines, ['new']);
});

test('truncation (copytruncate) restarts at 0', async () => {
  const path = join(directory, 'truncated.log');
  writeFileSync(path, 'a\nb\nc\n');
  await readNewLines(path, store.positions, options);
  truncateSync(path, 0);
  appendFileSync(path, 'x\n');
  const result = await readNewLines(path, store.positions, options);
  assert.deepEqual(result.lines, ['x']);
  assert.deepEqual(result.events, ['truncated']);
});

test('rotation (rename + new file) finishes the rotated file, then reads the new one', async () => {
  const path = join(directory, 'rotated.log');
  writeFileSync(path, 'a\n');
  await readNewLines(path, store.positions, options);
  appendFileSync(path, 'b-written-before-rotation\n');
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'c\n');
  const result = await readNewLines(path, store.positions, options);
  assert.deepEqual(result.lines, ['b-written-before-rotation', 'c']);
  assert.deepEqual(result.events, ['rotated']);
});

test('a cap per call leaves the rest for the next call; a missing file is reported, not thrown', async () => {
  const path = join(directory, 'big.log');
  writeFileSync(path, `${'x'.repeat(60)}\n`.repeat(10));
  const first = await readNewLines(path, store.positions, { ...options, maxBytes: 200 });
  assert.equal(first.lines.length, 3);
  assert.ok(first.events.includes('capped'));
  const rest = await readNewLines(path, store.positions, options);
  assert.equal(rest.lines.length, 7);
  const missing = await readNewLines(join(directory, 'absent.log'), store.positions, options);
  assert.equal(missing.status, 'missing');
  assert.match(missing.detail ?? '', /ENOENT/);
});
