import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { openStore } from '../../store/store.ts';
import { readNewLines } from './log-file-reader.ts';

// Rotations the reader was away for (a stopped daemon, cycles far apart), as Debian's rsyslog stanza does them:
// compress + delaycompress, so the file we had becomes auth.log.1, then auth.log.2.gz (a new inode).

const directory = mkdtempSync(join(tmpdir(), 'monitor-log-rotation-'));
const store = openStore(join(directory, 'agent.db'), join(directory, 'audit.jsonl'));
after(() => {
  store.close();
  rmSync(directory, { recursive: true, force: true });
});
const options = { maxBytes: 1024 * 1024, startAt: 'beginning' as const };
let logs = 0;
function freshLog(): string {
  const own = join(directory, String(logs++));
  mkdirSync(own);
  return join(own, 'auth.log');
}
const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, n) => `Dec  4 20:07:01 host sshd[${from + n}]: Invalid user admin\n`).join('');
const range = (from: number, to: number) => lines(from, to).trimEnd().split('\n');

/** logrotate with compress + delaycompress: .N -> .N+1 (compressed from .2 on), the log -> .1, a new log. */
function rotate(path: string, kept: number) {
  for (let n = kept; n >= 1; n--) {
    const plain = `${path}.${n}`;
    const compressed = `${plain}.gz`;
    try {
      if (n === 1) {
        writeFileSync(`${path}.2.gz`, gzipSync(readFileSync(plain)));
        rmSync(plain);
      } else renameSync(compressed, `${path}.${n + 1}.gz`);
    } catch {
      // not there yet
    }
  }
  renameSync(path, `${path}.1`);
  writeFileSync(path, '');
}

test('away across two rotations: the rest of auth.log.2.gz, all of auth.log.1 (never seen), then the new file', async () => {
  const path = freshLog();
  writeFileSync(path, lines(0, 30));
  assert.deepEqual((await readNewLines(path, store.positions, options)).lines, range(0, 30));
  appendFileSync(path, lines(30, 40));
  rotate(path, 4);
  appendFileSync(path, lines(40, 60));
  rotate(path, 4);
  appendFileSync(path, lines(60, 65));
  const result = await readNewLines(path, store.positions, options);
  assert.deepEqual(result.lines, range(30, 65));
  assert.deepEqual(result.events, ['rotated']);
  assert.deepEqual((await readNewLines(path, store.positions, options)).lines, []);
});

test('the cap holds across the rotated files: each call reads at most maxBytes, the next goes on, nothing twice', async () => {
  const path = freshLog();
  writeFileSync(path, lines(0, 10));
  await readNewLines(path, store.positions, options);
  appendFileSync(path, lines(10, 40));
  for (let rotation = 0, next = 40; rotation < 3; rotation++, next += 30) {
    rotate(path, 4);
    appendFileSync(path, lines(next, next + 30));
  }
  const maxBytes = 500;
  const read: string[] = [];
  for (let call = 0; call < 100; call++) {
    const result = await readNewLines(path, store.positions, { ...options, maxBytes });
    assert.ok(result.lines.reduce((sum, line) => sum + line.length + 1, 0) <= maxBytes);
    if (result.lines.length === 0) break;
    read.push(...result.lines);
    assert.ok(call > 0 || result.events.includes('capped'));
  }
  assert.deepEqual(read, range(10, 130));
});

test('the newest copy is not finished while the file at the path is empty: the writer may not have reopened yet', async () => {
  const path = freshLog();
  writeFileSync(path, lines(0, 3));
  await readNewLines(path, store.positions, options);
  rotate(path, 4);
  // Between logrotate's rename and the writer's reopen (postrotate's HUP), the writer appends to auth.log.1.
  appendFileSync(`${path}.1`, lines(3, 5));
  assert.deepEqual((await readNewLines(path, store.positions, options)).lines, range(3, 5));
  appendFileSync(`${path}.1`, lines(5, 6));
  appendFileSync(path, lines(6, 8));
  assert.deepEqual((await readNewLines(path, store.positions, options)).lines, range(5, 8));
});

test('a position saved before heads were kept (device, inode, offset) still finishes a renamed file', async () => {
  const path = freshLog();
  writeFileSync(path, lines(0, 4));
  const { dev, ino, size } = statSync(path);
  store.positions.set(`monitor:file:${path}`, { device: dev, inode: ino, offset: size });
  appendFileSync(path, lines(4, 6));
  rotate(path, 4);
  appendFileSync(path, lines(6, 7));
  assert.deepEqual((await readNewLines(path, store.positions, options)).lines, range(4, 7));
});

test('a file rewritten in place past the old offset (other first bytes, same inode) is read from the start', async () => {
  const path = freshLog();
  writeFileSync(path, lines(0, 5));
  await readNewLines(path, store.positions, options);
  writeFileSync(path, lines(100, 120));
  const result = await readNewLines(path, store.positions, options);
  assert.deepEqual(result.lines, range(100, 120));
  assert.deepEqual(result.events, ['truncated']);
});
