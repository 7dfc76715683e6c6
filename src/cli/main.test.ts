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

// `scan --log-file access.log*` hands the shell's other matches to scan as extra words: they were dropped silently.
test('a word a command does not read is a usage error, not ignored', async () => {
  const glob = await runCliInProcess(['scan', '--log-file', 'access.log', 'access.log.1', 'access.log.2.gz'], {});
  assert.equal(glob.code, 2);
  assert.match(
    glob.stderr,
    /scan reads one log, and access\.log\.1 access\.log\.2\.gz was left over \(a shell glob\?\)/,
  );
  assert.match(glob.stderr, /zcat -f access\.log\.2\.gz access\.log\.1 access\.log \| devops-agent scan --log-file -/);
  // One word and no --log-file is the log (`scan access.log`); a second one is left over all the same.
  const unflagged = await runCliInProcess(['scan', 'access.log', 'access.log.1'], {});
  assert.equal(unflagged.code, 2);
  assert.match(unflagged.stderr, /scan reads one log, and access\.log\.1 was left over/);
  for (const args of [
    ['unblock', '203.0.113.7', '203.0.113.8'],
    ['incidents', 'approve', '1', '2'],
    ['run', 'now'],
  ]) {
    const run = await runCliInProcess(args, {});
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, new RegExp(`unexpected argument: ${args.at(-1)}`), args.join(' '));
  }
});
