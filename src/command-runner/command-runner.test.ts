import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCommand, scrubEnvironment } from './command-runner.ts';
import { probeBubblewrap, sandboxArguments } from './sandbox.ts';

const workdir = mkdtempSync(join(tmpdir(), 'exec-runner-'));
after(() => rmSync(workdir, { recursive: true, force: true }));

const base = { workingDirectory: workdir, timeoutMs: 10_000, maxOutputBytes: 65536, env: { PATH: process.env.PATH } };

/** A process counts as gone when it no longer exists or is a zombie waiting for a reaper. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], ms = 3000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let living = pids.filter(alive);
  while (living.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    living = living.filter(alive);
  }
  return living;
}

describe('runCommand', () => {
  test('reports exit codes, through bash and without a shell', async () => {
    assert.equal((await runCommand({ ...base, command: 'exit 3' })).exitCode, 3);
    const direct = await runCommand({ ...base, command: 'false', argv: ['false'] });
    assert.equal(direct.exitCode, 1);
    const ok = await runCommand({ ...base, command: 'echo hello', argv: ['echo', 'hello'] });
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.stdout, 'hello\n');
    const missing = await runCommand({ ...base, command: 'no-such-program-xyz', argv: ['no-such-program-xyz'] });
    assert.equal(missing.spawnError?.code, 'ENOENT');
  });

  test('argv is not interpreted by a shell', async () => {
    const result = await runCommand({ ...base, command: 'echo', argv: ['echo', '$(id)', '; rm -rf /', '`x`'] });
    assert.equal(result.stdout, '$(id) ; rm -rf / `x`\n');
  });

  test('caps huge output but hashes all of it', async () => {
    const result = await runCommand({
      ...base,
      maxOutputBytes: 1000,
      command: 'head -c 5000000 /dev/zero; echo err >&2',
    });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout.length, 1000);
    assert.equal(result.stdoutBytes, 5_000_000);
    assert.equal(result.stderr, 'err\n');
    assert.equal(result.truncated, true);
    const stdoutDigest = createHash('sha256').update(Buffer.alloc(5_000_000)).digest('hex');
    const stderrDigest = createHash('sha256').update('err\n').digest('hex');
    assert.equal(result.outputDigest, createHash('sha256').update(stdoutDigest).update(stderrDigest).digest('hex'));
  });

  test('timeout kills the command, its children and grandchildren', async () => {
    const pidFile = join(workdir, 'pids-timeout');
    const started = Date.now();
    const result = await runCommand({
      ...base,
      timeoutMs: 700,
      command: `sleep 300 & echo $! >> ${pidFile}; bash -c 'sleep 301 & echo $! >> ${pidFile}; bash -c "sleep 302 & echo \\$! >> ${pidFile}; wait"; wait' & wait`,
    });
    assert.equal(result.timedOut, true);
    assert.ok(Date.now() - started < 5000, 'returns soon after the deadline');
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    assert.equal(pids.length, 3);
    assert.deepEqual(await waitGone(pids), [], 'no sleeper survives');
  });

  test('background jobs do not outlive a command that exits', async () => {
    const result = await runCommand({ ...base, command: 'sleep 300 & echo $!' });
    assert.equal(result.exitCode, 0);
    assert.equal(result.timedOut, false);
    assert.deepEqual(await waitGone([Number(result.stdout.trim())]), []);
  });

  test('scrubEnvironment drops secrets and shell start-up hooks', async () => {
    const { env, dropped } = scrubEnvironment(
      {
        PATH: '/usr/bin:/bin',
        HOME: '/root',
        GITHUB_TOKEN: 'x',
        DB_PASSWORD: 'y',
        My_Api_Key: 'z',
        BASH_ENV: '/tmp/evil',
        AWS_SECRET_ACCESS_KEY: 'w',
      },
      'TOKEN|KEY|SECRET|PASSWORD|CREDENTIAL',
    );
    assert.deepEqual(Object.keys(env).sort(), ['HOME', 'PATH']);
    assert.deepEqual(dropped.sort(), [
      'AWS_SECRET_ACCESS_KEY',
      'BASH_ENV',
      'DB_PASSWORD',
      'GITHUB_TOKEN',
      'My_Api_Key',
    ]);
    const result = await runCommand({ ...base, env, command: 'env' });
    assert.doesNotMatch(result.stdout, /TOKEN|PASSWORD|Api_Key|BASH_ENV/);
  });
});

describe('bubblewrap sandbox', () => {
  test('the arguments never make / or a system tree writable', () => {
    const args = sandboxArguments({
      workingDirectory: '/',
      network: false,
      writablePaths: ['/etc', '/usr/lib', '/srv/data'],
    });
    assert.deepEqual(args.slice(0, 3), ['--ro-bind', '/', '/']);
    assert.ok(args.includes('--unshare-net'));
    assert.deepEqual(
      args.flatMap((arg, index) => (arg === '--bind' ? [args[index + 1]] : [])),
      ['/srv/data'],
    );
  });

  const probe = probeBubblewrap();
  const sandboxTest = probe.available ? test : test.skip;
  if (!probe.available) test(`sandbox unavailable here: ${probe.reason}`, { skip: probe.reason }, () => {});
  const sandbox = () => ({
    bwrapPath: probe.available ? probe.path : '',
    workingDirectory: workdir,
    network: false,
    writablePaths: [],
  });

  sandboxTest('blocks the network (a loopback server reachable outside is not reachable inside)', async () => {
    const server = createServer((socket) => socket.end('hello\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const command = `exec 3<>/dev/tcp/127.0.0.1/${port} && head -n1 <&3`;
      const outside = await runCommand({ ...base, command });
      assert.equal(outside.exitCode, 0);
      assert.equal(outside.stdout, 'hello\n');
      const inside = await runCommand({ ...base, command, sandbox: sandbox() });
      assert.notEqual(inside.exitCode, 0);
      assert.match(inside.stderr, /Connection refused|Network is unreachable|Cannot assign/);
    } finally {
      server.close();
    }
  });

  sandboxTest('root is read-only, the working directory and /tmp are writable', async () => {
    const result = await runCommand({
      ...base,
      sandbox: sandbox(),
      command:
        'touch /etc/exec-sandbox-probe; echo etc=$?; touch ./inside && echo work=ok; touch /tmp/x && echo tmp=ok; ps -e | wc -l',
    });
    assert.match(result.stdout, /etc=1\nwork=ok\ntmp=ok\n/);
    assert.match(result.stderr, /Read-only file system/);
    assert.ok(Number(result.stdout.trim().split('\n').at(-1)) > 3, 'host processes stay visible for ps');
    writeFileSync(join(workdir, 'marker'), '');
    assert.equal(readFileSync(join(workdir, 'inside'), 'utf8'), '');
  });

  sandboxTest('timeout inside the sandbox kills every descendant', async () => {
    const pidFile = join(workdir, 'pids-sandbox');
    const result = await runCommand({
      ...base,
      timeoutMs: 1500,
      sandbox: sandbox(),
      command: `setsid sleep 303 & sleep 304 & sleep 0.3; pgrep -f "sleep 30[34]" > ${pidFile}; wait`,
    });
    assert.equal(result.timedOut, true);
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').filter(Boolean).map(Number);
    assert.ok(pids.length >= 2);
    assert.deepEqual(await waitGone(pids), []);
  });
});
