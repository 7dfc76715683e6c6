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

test("dateext rotation (Red Hat's `secure` -> `secure-20261201`) is finished too, not an older rotation", async () => {
  const path = join(directory, 'secure');
  writeFileSync(`${path}-20261130`, 'older-rotation\n');
  writeFileSync(path, 'a\n');
  await readNewLines(path, store.positions, options);
  appendFileSync(path, 'b-written-before-rotation\n');
  renameSync(path, `${path}-20261201`);
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

test('a first start at the end reads the recent window by timestamp, then only new lines', async () => {
  const path = join(directory, 'recent.log');
  const now = Date.parse('2026-03-01T12:00:00Z');
  const stamped = (minutesAgo: number, text: string) =>
    `${new Date(now - minutesAgo * 60_000).toISOString()} ${text}\n`;
  writeFileSync(
    path,
    [
      stamped(60, 'old'),
      'no timestamp\n',
      stamped(11, 'older'),
      stamped(9, 'recent'),
      'ünïcode tail\n',
      stamped(1, 'newest'),
    ].join(''),
  );
  const recentWindow = {
    since: now - 10 * 60_000,
    timeOf: (line: string) => Date.parse(line.split(' ')[0]) || undefined,
  };
  const first = await readNewLines(path, store.positions, { ...options, startAt: 'end', recentWindow });
  assert.deepEqual(
    first.lines.map((line) => line.replace(/^\d{4}-\S+ /, '')),
    ['recent', 'ünïcode tail', 'newest'],
  );
  assert.deepEqual(first.events, ['first-start', 'recent-window']);
  appendFileSync(path, stamped(0, 'live'));
  const next = await readNewLines(path, store.positions, { ...options, startAt: 'end', recentWindow });
  assert.deepEqual(
    next.lines.map((line) => line.replace(/^\S+ /, '')),
    ['live'],
  );
});

test('the recent window stays within maxBytes and starts on a line boundary; nothing recent: the end', async () => {
  const path = join(directory, 'recent-big.log');
  const now = Date.parse('2026-03-01T12:00:00Z');
  const line = (index: number) => `${new Date(now - 60_000).toISOString()} line-${String(index).padStart(4, '0')}\n`;
  writeFileSync(path, Array.from({ length: 100 }, (_, index) => line(index)).join(''));
  const recentWindow = { since: now - 600_000, timeOf: (text: string) => Date.parse(text.split(' ')[0]) || undefined };
  const result = await readNewLines(path, store.positions, {
    maxBytes: 10 * line(0).length + 5,
    startAt: 'end',
    recentWindow,
  });
  assert.deepEqual(
    result.lines.map((text) => text.split(' ')[1]),
    [
      'line-0090',
      'line-0091',
      'line-0092',
      'line-0093',
      'line-0094',
      'line-0095',
      'line-0096',
      'line-0097',
      'line-0098',
      'line-0099',
    ],
  );
  const stale = join(directory, 'stale.log');
  writeFileSync(stale, line(0));
  const none = await readNewLines(stale, store.positions, {
    ...options,
    startAt: 'end',
    recentWindow: { ...recentWindow, since: now },
  });
  assert.deepEqual(none.lines, []);
  assert.deepEqual(none.events, ['first-start']);
});
