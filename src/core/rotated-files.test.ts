import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readDecompressed } from './compressed-file.ts';
import { findRotated, HEAD_BYTES, orderRotated, sha256 } from './rotated-files.ts';

let directory: string;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'rotated-files-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

let directories = 0;
/** A directory of its own for each test: a log and its rotated copies. */
async function logIn(name: string): Promise<string> {
  const own = join(directory, String(directories++));
  await mkdir(own);
  return join(own, name);
}

const names = (paths: string[]) => paths.map((path) => basename(path));
const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, n) => `Dec  4 20:07:01 host sshd[${from + n}]: Invalid user admin\n`).join('');

test('numbered copies: a higher number is older; plain and compressed alike', () => {
  const ordered = orderRotated('/var/log/auth.log', ['auth.log.1', 'auth.log.10.gz', 'auth.log.2.gz', 'auth.log.3.gz']);
  assert.deepEqual(names(ordered), ['auth.log.10.gz', 'auth.log.3.gz', 'auth.log.2.gz', 'auth.log.1']);
});

test('dateext copies: the lexically smaller is older, with or without compression, other date formats too', () => {
  const ordered = orderRotated('/var/log/secure', ['secure-20261202', 'secure-20261130.gz', 'secure-20261201.gz']);
  assert.deepEqual(names(ordered), ['secure-20261130.gz', 'secure-20261201.gz', 'secure-20261202']);
  const seconds = orderRotated('/l/access.log', [
    'access.log.2026-12-04-1764878401',
    'access.log.2026-12-04-1764878400.gz',
  ]);
  assert.deepEqual(names(seconds), ['access.log.2026-12-04-1764878400.gz', 'access.log.2026-12-04-1764878401']);
});

test('other names are no rotation: the log itself, its siblings, compressions Node cannot read', () => {
  const ordered = orderRotated('/var/log/auth.log', [
    'auth.log',
    'auth.log.lock',
    'auth.log.old',
    'auth.log.3.xz',
    'auth.logger',
    'syslog.1',
    'auth.log.1',
  ]);
  assert.deepEqual(names(ordered), ['auth.log.1']);
});

test('a copy logrotate is still compressing is listed after its plain twin; numbered before dated', () => {
  const ordered = orderRotated('/var/log/auth.log', ['auth.log.2.gz', 'auth.log.2', 'auth.log-20261201', 'auth.log.1']);
  assert.deepEqual(names(ordered), ['auth.log.2', 'auth.log.2.gz', 'auth.log.1', 'auth.log-20261201']);
});

test('finds the file by its first bytes once compressed into a new inode, with the copies rotated after it', async () => {
  const log = await logIn('auth.log');
  await writeFile(log, lines(0, 40));
  const head = (await readFile(log)).subarray(0, HEAD_BYTES);
  const known = { ...(await identity(log)), headHash: sha256(head), headLength: head.length, offset: 1500 };
  // Two rotations with compress + delaycompress: the file we had is auth.log.2.gz, auth.log.1 we never saw.
  await writeFile(`${log}.2.gz`, gzipSync(await readFile(log)));
  await rm(log);
  await writeFile(`${log}.3.gz`, gzipSync(lines(1000, 1010)));
  await writeFile(`${log}.1`, lines(40, 60));
  await writeFile(log, lines(60, 61));
  const found = await findRotated(log, known, (await identity(log)).ino);
  assert.equal(found?.path, `${log}.2.gz`);
  assert.equal(found?.compression, 'gzip');
  assert.deepEqual(
    found?.newer.map((file) => basename(file.path)),
    ['auth.log.1'],
  );
  const rest = await readDecompressed(found!.path, 'gzip', 1500, 1 << 20);
  assert.equal(rest.end, true);
  assert.equal(rest.bytes.toString(), lines(0, 40).slice(1500));
});

test('another head, or a plain copy shorter than the offset, is not the file', async () => {
  const log = await logIn('access.log');
  await writeFile(log, lines(0, 40));
  const head = (await readFile(log)).subarray(0, HEAD_BYTES);
  const known = { ...(await identity(log)), headHash: sha256(head), headLength: head.length, offset: 2000 };
  await writeFile(`${log}.2.gz`, gzipSync(lines(100, 140)));
  await writeFile(`${log}.1`, (await readFile(log)).subarray(0, 1800));
  await rm(log);
  await writeFile(log, '');
  assert.equal(await findRotated(log, known, (await identity(log)).ino), undefined);
});

test('a position saved without a head: found by inode, plain only, newer copies included', async () => {
  const log = await logIn('syslog');
  await writeFile(log, lines(0, 5));
  const known = { ...(await identity(log)), offset: 10 };
  await rename(log, `${log}.2`);
  await writeFile(`${log}.1`, lines(5, 10));
  await writeFile(log, lines(10, 11));
  const found = await findRotated(log, known, (await identity(log)).ino);
  assert.equal(found?.path, `${log}.2`);
  assert.deepEqual(
    found?.newer.map((file) => basename(file.path)),
    ['syslog.1'],
  );
  await rm(`${log}.2`);
  await writeFile(`${log}.2.gz`, gzipSync(lines(0, 5)));
  assert.equal(await findRotated(log, { ...known, ino: (await identity(`${log}.2.gz`)).ino }, -1), undefined);
});

async function identity(path: string) {
  const info = await stat(path);
  return { dev: info.dev, ino: info.ino };
}
