import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { runCliInProcess } from '../testing/run-cli.ts';

function configFile(directory: string, settings: Record<string, unknown>): string {
  const path = join(directory, 'config.yaml');
  writeFileSync(path, stringify(settings));
  return path;
}

test('two databases given with --db each keep their own audit chain, and both verify', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'audit-chain-'));
  const config = configFile(directory, {});
  for (const name of ['first', 'second']) {
    const database = join(directory, `${name}.db`);
    const added = await runCliInProcess(['allowlist', 'add', '192.0.2.1', '--config', config, '--db', database], {});
    assert.equal(added.code, 0, added.stderr);
    assert.ok(existsSync(join(directory, `${name}.audit.jsonl`)), `${name}: audit beside its database`);
  }
  for (const name of ['first', 'second']) {
    const database = join(directory, `${name}.db`);
    const verified = await runCliInProcess(['audit', 'verify', '--config', config, '--db', database], {});
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /audit OK: .*1 entries, hash chain intact, tail matches the recorded head/);
  }
});

test('a database pointed at another database’s audit file exits 2 with a clear error and appends nothing', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'audit-chain-shared-'));
  const config = configFile(directory, { audit: { path: join(directory, 'shared.jsonl') } });
  const first = await runCliInProcess(
    ['allowlist', 'add', '192.0.2.1', '--config', config, '--db', join(directory, 'a.db')],
    {},
  );
  assert.equal(first.code, 0, first.stderr);
  const second = await runCliInProcess(
    ['allowlist', 'add', '192.0.2.2', '--config', config, '--db', join(directory, 'b.db')],
    {},
  );
  assert.equal(second.code, 2, second.stderr);
  assert.match(second.stderr, /audit\.path: .*shared\.jsonl does not continue this database's audit chain/);
  const listed = await runCliInProcess(
    ['allowlist', 'ls', '--format', 'json', '--config', config, '--db', join(directory, 'b.db')],
    {},
  );
  assert.equal(listed.code, 2, 'refused before any work, not half-way');
  const verified = await runCliInProcess(['audit', 'verify', '--config', config, '--db', join(directory, 'a.db')], {});
  assert.equal(verified.code, 0, verified.stdout);
});
