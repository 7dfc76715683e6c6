import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { collectProcesses } from './process-collector.ts';

/** A /proc tree laid out as the kernel's: comm with its newline, status's Uid line, cmdline, the exe link. */
const root = mkdtempSync(join(tmpdir(), 'proc-tree-'));
after(() => rmSync(root, { recursive: true, force: true }));

function processEntry(pid: number, entry: { comm: string; argv: string[]; exe?: string; uid?: number }) {
  const directory = join(root, 'proc', String(pid));
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'comm'), `${entry.comm}\n`);
  writeFileSync(join(directory, 'cmdline'), `${entry.argv.join('\0')}\0`);
  writeFileSync(join(directory, 'status'), `Name:\t${entry.comm}\nUid:\t${entry.uid ?? 1000}\t1000\t1000\t1000\n`);
  if (entry.exe) symlinkSync(entry.exe, join(directory, 'exe'));
}

const binaries = join(root, 'bin');
mkdirSync(binaries);
const sshd = join(binaries, 'sshd');
writeFileSync(sshd, 'binary');
const removed = join(binaries, 'nginx');
writeFileSync(removed, 'binary');
processEntry(10, {
  comm: 'sshd',
  argv: ['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'],
  exe: sshd,
  uid: 0,
});
processEntry(20, { comm: 'sleep', argv: ['sshd'], exe: '/bin/sleep' }); // exec -a sshd sleep
processEntry(21, { comm: 'sshd ', argv: ['node'], exe: '/usr/bin/node' }); // prctl 'sshd '
processEntry(22, { comm: 'sshd\nfake', argv: ['x'], exe: '/usr/bin/node' });
processEntry(30, {
  comm: 'fail2ban-server',
  argv: ['/usr/bin/python3', '/usr/bin/fail2ban-server'],
  exe: '/bin/sleep',
});
processEntry(40, { comm: 'nginx', argv: ['nginx: master process'], exe: removed });
unlinkSync(removed); // the link now dangles, as /proc/<pid>/exe does not: see the integration test for the real one

test('argv[0] and a padded or multi-line comm are not the watched name; comm and the executed file are', async () => {
  const [byName, byPath, script] = await collectProcesses(['sshd', sshd, 'fail2ban-server'], join(root, 'proc'));
  assert.deepEqual(byName.pids, [10]);
  assert.deepEqual(byName.matches, [{ pid: 10, uid: 0, exe: sshd }]);
  assert.deepEqual(byPath.pids, [10], 'a path matches the exe link only');
  assert.deepEqual(script.pids, [30], 'a script: comm is its file name, exe its interpreter');
});

test('an exe that cannot be followed is not taken as deleted from its text', async () => {
  const [nginx] = await collectProcesses(['nginx'], join(root, 'proc'));
  assert.deepEqual(nginx.pids, [40]);
  assert.equal(nginx.matches?.[0].deleted, undefined);
});
