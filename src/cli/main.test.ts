import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { runCliInProcess } from './testing/run-cli.ts';

// Elasticsearch URLs are often written with their credentials; the error names the URL it could not reach.
test('a failing command never prints the password of a URL from the config', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'cli-main-'));
  const config = join(directory, 'config.yaml');
  writeFileSync(
    config,
    stringify({
      database: { path: join(directory, 'agent.db') },
      audit: { path: join(directory, 'audit.jsonl') },
      elasticsearch: { url: 'http://elastic:s3cr3tPassw0rd@127.0.0.1:1' },
    }),
  );
  const run = await runCliInProcess(['scan', '--since', '1h', '--config', config], { USER: 'tester' });
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /127\.0\.0\.1:1/, 'the error still says where');
  assert.doesNotMatch(run.stdout + run.stderr, /s3cr3tPassw0rd/);
});
