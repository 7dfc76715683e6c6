import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { runNmap } from './nmap-collector.ts';
import { pingTarget } from './ping-collector.ts';
import { runCommand } from './run-command.ts';

/**
 * Runs the real tools against 127.0.0.1. They must be installed (`apt-get install -y nmap iputils-ping lm-sensors`);
 * a missing tool fails here with the package to install, it is never skipped.
 */
function requireTool(tool: string, packageName: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
  } catch {
    assert.fail(
      `${tool} is not installed: run apt-get install -y ${packageName} (the monitor's host-tools tests need it)`,
    );
  }
}

test('real ping to 127.0.0.1 parses into loss and round-trip times', async () => {
  requireTool('ping', 'iputils-ping');
  const result = await pingTarget('127.0.0.1', 2);
  assert.ok(!('error' in result), `ping failed: ${'error' in result ? result.error : ''}`);
  assert.equal(result.transmitted, 2);
  assert.equal(result.received, 2);
  assert.equal(result.lossPercent, 0);
  assert.ok(result.rttAvgMs !== undefined && result.rttAvgMs >= 0 && result.rttAvgMs < 100);
});

test('real nmap -oX - against 127.0.0.1 parses hosts and sees a port we opened', async () => {
  requireTool('nmap', 'nmap');
  const { createServer } = await import('node:net');
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const result = await runNmap('127.0.0.1', `-T4 -Pn -p ${port},1`, 120_000);
    assert.equal(result.status, 'ok', result.status === 'ok' ? '' : result.error);
    if (result.status !== 'ok') return;
    assert.equal(result.scan.hosts.length, 1);
    assert.equal(result.scan.hosts[0].status, 'up');
    const open = result.scan.hosts[0].ports.filter((item) => item.state === 'open').map((item) => item.port);
    assert.deepEqual(open, [port]);
  } finally {
    server.close();
  }
});

test('sensors -j runs and prints JSON (an empty object on a machine without sensors)', async () => {
  requireTool('sensors', 'lm-sensors');
  const result = await runCommand('sensors', ['-j']);
  assert.notEqual(result.status, 'missing');
  const stdout = result.status === 'missing' ? '' : result.stdout.trim();
  assert.doesNotThrow(() => JSON.parse(stdout || '{}'), `sensors -j printed non-JSON: ${stdout.slice(0, 200)}`);
});

test('a tool that is not installed is reported as missing, not thrown', async () => {
  const result = await runCommand('definitely-not-a-real-tool-xyz', []);
  assert.equal(result.status, 'missing');
});

test('real journalctl: a first start reads only its recent window; an unknown cursor is reset, not retried forever', async () => {
  requireTool('journalctl', 'systemd');
  const { openDatabase } = await import('../../store/database.ts');
  const { CORE_MIGRATIONS } = await import('../../store/core-migrations.ts');
  const { migrate } = await import('../../store/database.ts');
  const { PositionStore } = await import('../../store/position-store.ts');
  const { readJournal } = await import('./journald-reader.ts');
  const db = openDatabase(':memory:');
  migrate(db, 'core', CORE_MIGRATIONS);
  const positions = new PositionStore(db);
  // A window that starts in an hour: journalctl accepts --since=@<epoch> and returns nothing older.
  const first = await readJournal(positions, { since: Date.now() + 3600_000 });
  assert.equal(first.status, 'ok', 'detail' in first ? first.detail : '');
  assert.deepEqual(first.records, [], 'a first start does not replay history before its window');
  positions.set('monitor:journald', 's=0000;i=1;b=bogus');
  const bogus = await readJournal(positions, { since: 0 });
  assert.equal(bogus.status, 'failed');
  assert.match('detail' in bogus ? (bogus.detail ?? '') : '', /cursor was reset/);
  assert.equal(positions.get('monitor:journald'), '');
  db.close();
});
