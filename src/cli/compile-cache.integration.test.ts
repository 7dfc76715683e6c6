import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs bin/devops-agent.js with the given cache and Node's compile-cache log on; returns that log. */
function run(cache: string, args: string[]): string {
  const result = spawnSync(process.execPath, [join(root, 'bin/devops-agent.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_COMPILE_CACHE: cache, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
  });
  assert.equal(result.status, 0, result.stderr.slice(-2000));
  return result.stderr;
}

/** TypeScript files a command had to strip itself (the stripper loaded: about 20 MB per thread). */
const stripped = (log: string) =>
  [...log.matchAll(/no transpile cache for StrippedTypeScript (\S+)/g)].map((m) => m[1]);

test('after the install warm-up, help, exec and a two-thread scan strip no TypeScript themselves', () => {
  const cache = join(dir, 'cache');
  const warm = spawnSync(process.execPath, [join(root, 'scripts/warm-compile-cache.js')], {
    encoding: 'utf8',
    env: { ...process.env, NODE_COMPILE_CACHE: cache },
  });
  assert.equal(warm.status, 0, warm.stderr);
  assert.equal(warm.stdout, '', 'every flag set warmed');
  // Two 32 MiB shares: the scan starts a replay worker.
  const log = join(dir, 'access.log');
  const line = `${JSON.stringify({ ClientHost: '192.0.2.7', DownstreamStatus: 200, RequestPath: '/index.html', StartUTC: '2026-12-01T08:00:00Z', 'request_User-Agent': 'Mozilla/5.0 '.padEnd(300, 'x') })}\n`;
  writeFileSync(log, line.repeat(Math.ceil((66 * 1024 * 1024) / line.length)));
  const db = join(dir, 'agent.db');
  const logs = [
    run(cache, ['help']),
    run(cache, ['exec', '--dry-run', '--command', 'ls', '--db', db]),
    run(cache, ['scan', '--log-file', log, '--db', db, '--threads', '2']),
  ];
  assert.match(logs[2]!, /replay-worker\.ts/, 'the scan ran a worker');
  assert.deepEqual(logs.flatMap(stripped), []);
  // Without the warm-up the same scan strips its files itself: the check can fail.
  assert.ok(stripped(run(join(dir, 'cold'), ['scan', '--log-file', log, '--db', db, '--threads', '2'])).length > 10);
});
