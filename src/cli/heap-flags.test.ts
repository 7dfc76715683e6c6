import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { heapFlags } from '../../bin/heap-flags.js';

const FLAGS = ['--max-semi-space-size=2', '--no-allocation-site-pretenuring'];
const DAEMON_FLAGS = ['--max-semi-space-size=8', '--no-allocation-site-pretenuring'];

test('one-shot commands get a small young generation, the daemon a larger one; none allocation-site pretenuring', () => {
  assert.deepEqual(heapFlags([]), DAEMON_FLAGS);
  assert.deepEqual(heapFlags(['--config', 'config/default.yaml']), DAEMON_FLAGS);
  assert.deepEqual(heapFlags(['run', '--config', 'x.yaml']), DAEMON_FLAGS);
  assert.deepEqual(heapFlags(['scan', '--log-file', 'access.log']), FLAGS);
  assert.deepEqual(heapFlags(['exec', '--dry-run', '--command', 'ls']), FLAGS);
  assert.deepEqual(heapFlags(['help']), []);
  assert.deepEqual(heapFlags(['scan', '--help']), []);
  assert.deepEqual(heapFlags(['-h']), []);
});

test('bin/devops-agent.js re-executes itself with the flags (same process, same stdio and exit code)', () => {
  const bin = new URL('../../bin/devops-agent.js', import.meta.url).pathname;
  // `--require` a probe that prints the flags V8 started with; the unknown command then exits 2 as usual.
  const probe = "process.stderr.write('execArgv ' + JSON.stringify(process.execArgv) + '\\n')";
  const run = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, bin, 'no-such-command'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(run.status, 2);
  const lines = run.stderr.split('\n').filter((line) => line.startsWith('execArgv '));
  assert.equal(lines.length, 2, run.stderr); // before and after the re-execution
  const restarted = JSON.parse(lines[1]!.slice('execArgv '.length));
  for (const flag of FLAGS) assert.ok(restarted.includes(flag), run.stderr);
  assert.match(run.stderr, /unknown command "no-such-command"/);
});

/** The system's node when it is older than 24 (Debian's, here): the one a shebang or a shell finds first. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const run = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (run.status === 0 && Number(run.stdout.split('.')[0]) < 24) return candidate;
  }
  return undefined;
}

const older = olderNode();
test('started by an older Node, bin/devops-agent.js runs the command on the project Node 24', {
  skip: older ? false : 'no Node older than 24 on this machine',
}, () => {
  const bin = new URL('../../bin/devops-agent.js', import.meta.url).pathname;
  // Its imports must link on the older Node too: a named import it lacks would fail before the first line runs.
  const probe = "process.on('exit', () => process.stderr.write('node ' + process.versions.node + '\\n'))";
  const run = spawnSync(older!, [bin, '--help'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^Usage: devops-agent \[command\]/m);
  const version = spawnSync(older!, [bin, 'no-such-command'], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(probe)}` },
  });
  assert.equal(version.status, 2, version.stderr);
  assert.match(version.stderr, /unknown command "no-such-command"/);
  assert.match(version.stderr, /^node 24\./m, 'the command itself ran on Node 24');
});
