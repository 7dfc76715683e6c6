import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';

const BIN = join(import.meta.dirname, '../../bin/devops-agent.js');

// A router that references devops-agent-denylist@file answers 404 to everybody while the middleware does not exist.
test('the daemon writes the deny-list middleware, with an empty list, as soon as it starts', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'run-prepare-'));
  const denylist = join(directory, 'traefik-dynamic', 'devops-agent-denylist.yaml');
  const config = join(directory, 'config.yaml');
  writeFileSync(
    config,
    stringify({
      mode: 'auto',
      database: { path: join(directory, 'agent.db') },
      audit: { path: join(directory, 'audit.jsonl') },
      sources: { traefik_file: { path: join(directory, 'access.log') } },
      blocking: { blocker: 'traefik-file', traefik_file: { path: denylist } },
      web: { enabled: false },
    }),
  );
  const child = spawn(process.execPath, [BIN, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 30_000;
    while (!existsSync(denylist) && Date.now() < deadline) await sleep(50);
    assert.ok(existsSync(denylist), `no ${denylist} within 30s:\n${output}`);
    const document = parse(readFileSync(denylist, 'utf8'));
    assert.deepEqual(document.http.middlewares['devops-agent-denylist'], { plugin: { denyip: { ipDenyList: [] } } });
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  assert.match(output, /with an empty deny list/);
});

// The tail wakes on inotify: a scanner's lines are handled at once, not at the next poll (60 s here).
test('the daemon handles new access-log lines without waiting for the poll interval', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'run-watch-'));
  const log = join(directory, 'access.log');
  writeFileSync(log, '');
  const config = join(directory, 'config.yaml');
  writeFileSync(
    config,
    stringify({
      mode: 'disabled',
      database: { path: join(directory, 'agent.db') },
      audit: { path: join(directory, 'audit.jsonl') },
      sources: { traefik_file: { path: log, poll_interval: '60s' } },
      blocking: { blocker: 'none' },
      web: { enabled: false },
    }),
  );
  const child = spawn(process.execPath, [BIN, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 30_000;
    while (!output.includes('running in disabled mode') && Date.now() < deadline) await sleep(50);
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
    while (!/incident 1: secrets_scanning from 203\.0\.113\.77/.test(output) && Date.now() - appended < 10_000)
      await sleep(50);
    assert.match(output, /incident 1: secrets_scanning from 203\.0\.113\.77/, `within 10 s of the append:\n${output}`);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
