import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
