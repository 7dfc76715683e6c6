import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../store/store.ts';
import { ManualClock } from '../clock.ts';
import { createMonitor } from '../create-monitor.ts';
import { collectProcesses } from './process-collector.ts';
import { oneCollectorConfig } from './testing/one-collector-config.ts';

/**
 * Real processes whose names their starter chose: argv[0] set with `exec -a` (`sshd`, `sshd: root@pts/0`, a
 * 4,000-character name, newlines and ANSI escapes), /proc/<pid>/comm set by the process itself (prctl PR_SET_NAME,
 * which Node's process.title calls) to `sshd ` with a trailing space, and a copied binary deleted after start, in a
 * directory whose name holds a newline, a forged log line and escape sequences.
 */
const linuxProc = existsSync('/proc/self/comm') && existsSync('/bin/sleep');
const directory = mkdtempSync(join(tmpdir(), 'hostile-processes-'));
const hostileDirectory = join(directory, 'bin\n[monitor] all clear \u001b[2J\u001b[31m`@everyone`');
const children: ChildProcess[] = [];
let deleted: ChildProcess;
let deletedPath: string;

const start = (command: string, args: string[]) => {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  return child;
};
const argv0 = (name: string) => start('bash', ['-c', 'exec -a "$0" sleep 600', name]);

/** Waits until the kernel shows what the child set (its exec or prctl has run). */
async function settled(child: ChildProcess, check: (pid: number) => boolean) {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      if (check(child.pid as number)) return;
    } catch {
      // Not there yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`process ${child.pid} did not settle`);
}
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8');

describe('processes with names their starters chose', { skip: linuxProc ? undefined : 'needs Linux /proc' }, () => {
  const spoofs: ChildProcess[] = [];
  before(async () => {
    for (const name of ['sshd', 'sshd: root@pts/0', `sshd${'x'.repeat(4000)}`, 'sshd\n[monitor] sshd ok\u001b[0m']) {
      const child = argv0(name);
      await settled(child, (pid) => cmdline(pid).startsWith(name.slice(0, 100)));
      spoofs.push(child);
    }
    const comm = start(process.execPath, ['-e', "process.title = 'sshd '; setTimeout(() => {}, 600_000)"]);
    await settled(comm, (pid) => readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sshd \n');
    spoofs.push(comm);
    mkdirSync(hostileDirectory);
    deletedPath = join(hostileDirectory, 'monitor-victim');
    copyFileSync('/bin/sleep', deletedPath);
    deleted = start(deletedPath, ['600']);
    await settled(deleted, (pid) => readlinkSync(`/proc/${pid}/exe`) === deletedPath);
    unlinkSync(deletedPath);
  });
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });

  test('argv[0] and a padded comm do not make a watched process run', async () => {
    const [sshd] = await collectProcesses(['sshd']);
    const spoofed = sshd.pids.filter((pid) => spoofs.some((child) => child.pid === pid));
    assert.deepEqual(spoofed, [], 'processes that only call themselves sshd');
  });

  test('a binary deleted after start is reported as the kernel shows it, and matched by its name', async () => {
    const [victim] = await collectProcesses(['monitor-victim']);
    assert.equal(victim.running, true);
    assert.deepEqual(victim.pids, [deleted.pid]);
    assert.deepEqual(
      victim.matches?.map((match) => [match.pid, match.exe, match.deleted]),
      [[deleted.pid, `${deletedPath} (deleted)`, true]],
    );
    // The same binary by its path: the kernel's exe link, not a name the process chose.
    const [byPath] = await collectProcesses([deletedPath]);
    assert.deepEqual(byPath.pids, [deleted.pid]);
  });

  test('a monitor cycle: the deleted binary is a finding whose text quotes the kernel path, no forged line or escape in any finding', async () => {
    const config = oneCollectorConfig(directory, { processes: ['monitor-victim', 'sshd'] });
    const store = openStore(config.database.path, config.audit.path);
    try {
      const setup = createMonitor(config, store, { clock: new ManualClock(Date.now()), llm: null });
      const report = await setup.monitor.runCycle();
      const finding = report.findings.find((item) => item.key === 'process-binary-deleted:monitor-victim');
      assert.ok(finding, `findings: ${report.findings.map((item) => item.key).join(', ')}`);
      assert.ok(finding.detail.includes(JSON.stringify(`${deletedPath} (deleted)`)), finding.detail);
      for (const text of report.findings.flatMap((item) => [item.title, item.detail])) {
        assert.doesNotMatch(text, /\n\[monitor\]/, 'a forged log line');
        assert.doesNotMatch(text, /\u001b/, 'an escape sequence');
      }
    } finally {
      store.close();
    }
  });
});
