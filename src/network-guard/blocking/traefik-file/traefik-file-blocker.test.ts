import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { TraefikFileBlocker } from './traefik-file-blocker.ts';

function blockerIn(directory: string) {
  const path = join(directory, 'dynamic', 'devops-agent-denylist.yaml');
  const blocker = new TraefikFileBlocker({
    path,
    middleware_name: 'devops-agent-denylist',
    plugin_name: 'denyip',
    max_entries: 10,
  });
  return { path, blocker };
}

const listIn = (path: string) =>
  parse(readFileSync(path, 'utf8')).http.middlewares['devops-agent-denylist'].plugin.denyip.ipDenyList;

const request = (target: string) => ({ target, incidentId: 1, reason: 'test', expiresAt: null });

test('prepare writes the middleware with an empty list when the file does not exist', async () => {
  const { path, blocker } = blockerIn(mkdtempSync(join(tmpdir(), 'denylist-')));
  assert.equal(existsSync(path), false);
  const result = await blocker.prepare();
  assert.equal(result.status, 'applied');
  assert.deepEqual(listIn(path), []);
  assert.equal((await blocker.prepare()).status, 'unchanged', 'a second start writes nothing');
});

test('prepare adds the middleware to a file holding other configuration, keeping it', async () => {
  const { path, blocker } = blockerIn(mkdtempSync(join(tmpdir(), 'denylist-')));
  await blocker.prepare(); // creates the directory
  writeFileSync(path, 'http:\n  middlewares:\n    other:\n      headers:\n        customRequestHeaders: { X-A: b }\n');
  assert.equal((await blocker.prepare()).status, 'applied');
  const document = parse(readFileSync(path, 'utf8'));
  assert.deepEqual(document.http.middlewares.other, { headers: { customRequestHeaders: { 'X-A': 'b' } } });
  assert.deepEqual(listIn(path), []);
});

test('prepare repairs a middleware whose list is missing, and keeps a human list as it is', async () => {
  const { path, blocker } = blockerIn(mkdtempSync(join(tmpdir(), 'denylist-')));
  await blocker.prepare();
  writeFileSync(path, 'http:\n  middlewares:\n    devops-agent-denylist:\n      plugin:\n        denyip: {}\n');
  assert.equal((await blocker.prepare()).status, 'applied');
  assert.deepEqual(listIn(path), []);
  writeFileSync(
    path,
    'http:\n  middlewares:\n    devops-agent-denylist:\n      plugin:\n        denyip:\n          ipDenyList: [192.0.2.9]\n',
  );
  assert.equal((await blocker.prepare()).status, 'unchanged');
  assert.deepEqual(listIn(path), ['192.0.2.9']);
});

test('a file that does not parse is reported, never overwritten', async () => {
  const { path, blocker } = blockerIn(mkdtempSync(join(tmpdir(), 'denylist-')));
  await blocker.prepare();
  for (const broken of ['http: [unclosed\n', '- a list\n- not a mapping\n']) {
    writeFileSync(path, broken);
    const result = await blocker.prepare();
    assert.equal(result.status, 'failed');
    assert.equal(readFileSync(path, 'utf8'), broken);
    assert.equal((await blocker.apply(request('203.0.113.7'))).status, 'failed');
    assert.equal(readFileSync(path, 'utf8'), broken);
  }
});

test('removing the last entry leaves the middleware in place with an empty list', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'denylist-'));
  const { path, blocker } = blockerIn(directory);
  assert.equal((await blocker.apply(request('203.0.113.7'))).status, 'applied');
  assert.deepEqual(listIn(path), ['203.0.113.7']);
  assert.equal((await blocker.revert('203.0.113.7')).status, 'applied');
  assert.deepEqual(listIn(path), []);
  assert.deepEqual(
    readdirSync(join(directory, 'dynamic')).filter((name) => name.endsWith('.tmp')),
    [],
    'no temporary file is left for a directory-watching Traefik to see',
  );
});

test('plans follow the file: a block applied, a human edit, a deleted file all show in the next plan', async () => {
  const { path, blocker } = blockerIn(mkdtempSync(join(tmpdir(), 'denylist-')));
  await blocker.prepare();
  const first = await blocker.plan(request('198.51.100.1'));
  assert.equal(first.alreadyBlocked, false);
  assert.match(first.diff, /^\+\s+- 198\.51\.100\.1$/m);
  assert.deepEqual(await blocker.plan(request('198.51.100.1')), first, 'the same file, the same plan');
  await blocker.apply(request('198.51.100.1'));
  assert.equal((await blocker.plan(request('198.51.100.1'))).alreadyBlocked, true, 'after the write');
  // A human adds an entry by hand (the file keeps its inode: written in place, not replaced).
  const edited = parse(readFileSync(path, 'utf8'));
  edited.http.middlewares['devops-agent-denylist'].plugin.denyip.ipDenyList.push('203.0.113.9');
  writeFileSync(path, stringify(edited));
  assert.equal((await blocker.plan(request('203.0.113.9'))).alreadyBlocked, true, 'after the human edit');
  rmSync(path);
  const fresh = await blocker.plan(request('203.0.113.9'));
  assert.equal(fresh.alreadyBlocked, false, 'after the file was deleted');
});
