import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { tempConfig } from '../config/testing/temp-config.ts';
import { runCliInProcess, spawnCli } from './testing/run-cli.ts';

const denylistIn = (directory: string) => join(directory, 'traefik-dynamic', 'devops-agent-denylist.yaml');

// A router that references devops-agent-denylist@file answers 404 to everybody while the middleware does not exist.
test('the daemon writes the deny-list middleware, with an empty list, as soon as it starts', async () => {
  const { directory, config } = tempConfig('run-prepare-', (directory) => ({
    mode: 'auto',
    sources: { traefik_file: { path: join(directory, 'access.log') } },
    blocking: { blocker: 'traefik-file', traefik_file: { path: denylistIn(directory) } },
    web: { enabled: false },
  }));
  const denylist = denylistIn(directory);
  const daemon = spawnCli(['run', '--config', config]);
  try {
    const deadline = Date.now() + 30_000;
    while (!existsSync(denylist) && Date.now() < deadline) await sleep(50);
    assert.ok(existsSync(denylist), `no ${denylist} within 30s:\n${daemon.output()}`);
    const document = parse(readFileSync(denylist, 'utf8'));
    assert.deepEqual(document.http.middlewares['devops-agent-denylist'], { plugin: { denyip: { ipDenyList: [] } } });
  } finally {
    await daemon.stop();
  }
  assert.match(daemon.output(), /with an empty deny list/);
});

// The tail wakes on inotify: a scanner's lines are handled at once, not at the next poll (60 s here).
test('the daemon handles new access-log lines without waiting for the poll interval', async () => {
  const { directory, config } = tempConfig('run-watch-', (directory) => ({
    mode: 'disabled',
    sources: { traefik_file: { path: join(directory, 'access.log'), poll_interval: '60s' } },
    blocking: { blocker: 'none' },
    web: { enabled: false },
  }));
  const log = join(directory, 'access.log');
  writeFileSync(log, '');
  const daemon = spawnCli(['run', '--config', config]);
  try {
    const deadline = Date.now() + 30_000;
    while (!daemon.output().includes('running in disabled mode') && Date.now() < deadline) await sleep(50);
    await sleep(1500); // the first read (of the empty file) is done; the tail now sleeps for up to 60 s
    const paths = ['/.env', '/.git/config', '/.aws/credentials', '/wp-config.php.bak', '/.npmrc', '/id_rsa'];
    const lines = paths.map((path) =>
      JSON.stringify({
        ClientAddr: '203.0.113.77:40000',
        ClientHost: '203.0.113.77',
        DownstreamStatus: 404,
        RequestMethod: 'GET',
        RequestPath: path,
        StartUTC: new Date().toISOString(),
      }),
    );
    appendFileSync(log, `${lines.join('\n')}\n`);
    const appended = Date.now();
    while (!/incident 1: secrets_scanning from 203\.0\.113\.77/.test(daemon.output()) && Date.now() - appended < 10_000)
      await sleep(50);
    assert.match(
      daemon.output(),
      /incident 1: secrets_scanning from 203\.0\.113\.77/,
      `within 10 s of the append:\n${daemon.output()}`,
    );
  } finally {
    await daemon.stop();
  }
});

// A config pointing the daemon at a rotated copy (`access.log.1.gz`) would tail binary noise that never grows.
test('the daemon refuses a compressed log as its source, naming the key, and starts nothing', async () => {
  const { directory, config } = tempConfig('run-compressed-', (directory) => ({
    mode: 'disabled',
    sources: { traefik_file: { path: join(directory, 'access.log.1.gz') } },
    blocking: { blocker: 'none' },
    web: { enabled: false },
  }));
  writeFileSync(
    join(directory, 'access.log.1.gz'),
    gzipSync('1.2.3.4 - - [01/Dec/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 19\n'),
  );
  const run = await runCliInProcess(['run', '--config', config], process.env);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /sources\.traefik_file\.path: .*access\.log\.1\.gz is a gzip file/);
  assert.match(run.stderr, /devops-agent scan --log-file /);
  assert.equal(existsSync(join(directory, 'agent.db')), false, 'no database was opened');
});
