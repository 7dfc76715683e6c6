import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BouncerStore } from '../../network-guard/bouncer-api/bouncer-store.ts';
import { openStore } from '../../store/store.ts';
import { runCliInProcess } from '../testing/run-cli.ts';

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'bouncers-cli-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `database: { path: ${join(dir, 'agent.db')} }\naudit: { path: ${join(dir, 'audit.jsonl')} }\n`);
  const cli = (...args: string[]) => runCliInProcess(['bouncers', ...args, '--config', config], {});
  return { dir, cli };
}

test('bouncers add | ls | rm: the key is printed once, stored hashed, listed without it, revoked by rm', async () => {
  const { dir, cli } = workspace();
  const chosen = 'k'.repeat(32);
  const added = await cli('add', 'traefik', '--key', chosen);
  assert.equal(added.code, 0, added.stderr);
  assert.ok(added.stdout.includes(chosen));
  const listed = await cli('ls', '--format', 'json');
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(!listed.stdout.includes(chosen), 'ls never shows a key');
  assert.deepEqual(
    (JSON.parse(listed.stdout) as { bouncers: Array<{ name: string; lastPullAt: null }> }).bouncers.map((b) => [
      b.name,
      b.lastPullAt,
    ]),
    [['traefik', null]],
  );
  const store = openStore(join(dir, 'agent.db'), join(dir, 'audit.jsonl'));
  try {
    assert.equal(new BouncerStore(store.db).authenticate(chosen)?.name, 'traefik');
  } finally {
    store.close();
  }
  assert.equal((await cli('add', 'traefik')).code, 1, 'a second key under the same name is refused');
  assert.equal((await cli('rm', 'traefik')).code, 0);
  assert.equal((await cli('rm', 'traefik')).code, 1);
  const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
  assert.match(audit, /"bouncer_added"/);
  assert.match(audit, /"bouncer_removed"/);
  assert.ok(!audit.includes(chosen), 'the audit log never holds the key');
});

test('bouncers: bad names, short chosen keys and unknown verbs are usage errors', async () => {
  const { cli } = workspace();
  assert.equal((await cli('add', 'has space')).code, 2);
  assert.equal((await cli('add', 'x\u001b[31m')).code, 2);
  assert.equal((await cli('add', 'short', '--key', 'abc')).code, 2);
  assert.equal((await cli('rotate', 'x')).code, 2);
  assert.equal((await cli('add')).code, 2);
});
