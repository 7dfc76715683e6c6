import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempConfig } from '../config/testing/temp-config.ts';
import { runCliInProcess } from './testing/run-cli.ts';

/** A config whose Elasticsearch URL carries a password and points at a closed port. */
function configWithSecretUrl(prefix: string): string {
  return tempConfig(prefix, () => ({ elasticsearch: { url: 'http://elastic:s3cr3tPassw0rd@127.0.0.1:1' } })).config;
}

// Elasticsearch URLs are often written with their credentials; the error names the URL it could not reach.
test('a failing command never prints the password of a URL from the config', async () => {
  const config = configWithSecretUrl('cli-main-');
  const run = await runCliInProcess(['scan', '--since', '1h', '--config', config], { USER: 'tester' });
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /127\.0\.0\.1:1/, 'the error still says where');
  assert.doesNotMatch(run.stdout + run.stderr, /s3cr3tPassw0rd/);
});

test('the daemon log never prints the password of the Elasticsearch URL it cannot reach', async () => {
  const config = configWithSecretUrl('cli-run-');
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '../../bin/devops-agent.js'), 'run', '--config', config],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const sawFailure = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no cycle failure logged within 60s:\n${output}`)), 60_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/cycle failed/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
  });
  try {
    await sawFailure;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  assert.match(output, /GET \/ on http:\/\/elastic:\[REDACTED\]@127\.0\.0\.1:1/);
  assert.doesNotMatch(output, /s3cr3tPassw0rd/);
});
