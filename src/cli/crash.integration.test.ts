import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { parse } from 'yaml';
import { writeTraefikLog } from '../network-guard/sample-traffic/generate-traefik-log.ts';

const BIN = new URL('../../bin/devops-agent.js', import.meta.url).pathname;

test('kill -9 at random moments never leaves half-written incidents, actions, blocks or audit entries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crash-'));
  const config = join(dir, 'config.yaml');
  const denylist = join(dir, 'dynamic', 'denylist.yaml');
  writeFileSync(
    config,
    [
      'mode: auto',
      'trusted_proxies: [10.0.0.2, 10.0.0.3]',
      `database: { path: ${join(dir, 'agent.db')} }`,
      `audit: { path: ${join(dir, 'audit.jsonl')} }`,
      `blocking: { traefik_file: { path: ${denylist} } }`,
    ].join('\n'),
  );
  const log = join(dir, 'access.log');
  const truth = await writeTraefikLog(log, { lines: 40000, seed: 21 });
  for (let round = 0; round < 6; round++) {
    const child = spawn(process.execPath, [BIN, 'scan', '--log-file', log, '--config', config, '--format', 'json'], {
      stdio: 'ignore',
    });
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(`exit ${code ?? signal}`));
      child.once('error', (error) => resolve(`spawn error ${error.message}`));
    });
    await new Promise((resolve) => setTimeout(resolve, 300 + round * 250));
    child.kill('SIGKILL'); // a no-op when the scan already finished
    const outcome = await Promise.race([
      exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('no exit event'), 30_000)),
    ]);
    assert.notEqual(outcome, 'no exit event', `round ${round}: the killed scan (pid ${child.pid}) did not exit`);
  }
  const final = spawnSync(process.execPath, [BIN, 'scan', '--log-file', log, '--config', config, '--format', 'json'], {
    encoding: 'utf8',
  });
  assert.equal(final.status, 0, final.stderr);
  const db = new DatabaseSync(join(dir, 'agent.db'));
  assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
  const incidents = db.prepare('SELECT id, ip_address, threat_type, status FROM incidents').all() as Array<{
    id: number;
    ip_address: string;
    threat_type: string;
    status: string;
  }>;
  const keys = incidents.map((incident) => `${incident.ip_address} ${incident.threat_type}`);
  assert.equal(new Set(keys).size, keys.length, 'one incident per IP and threat');
  assert.ok(
    incidents.every((incident) => incident.status !== 'blocking'),
    'no block left half-applied',
  );
  const active = (db.prepare('SELECT target FROM blocks WHERE removed_at IS NULL').all() as Array<{ target: string }>)
    .map((row) => row.target)
    .sort();
  const file = parse(readFileSync(denylist, 'utf8'));
  const listed = [...file.http.middlewares['devops-agent-denylist'].plugin.denyip.ipDenyList].sort();
  assert.deepEqual(listed, active, 'the deny list holds exactly the blocks the database owns');
  for (const attacker of truth.attackers)
    assert.ok(active.includes(attacker.ip), `${attacker.ip} (${attacker.kind}) blocked`);
  const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify', '--config', config], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
});
