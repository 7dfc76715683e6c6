import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { heapFlags } from '../../bin/heap-flags.js';

const FLAGS = ['--max-semi-space-size=2', '--no-allocation-site-pretenuring'];

test('every command but help gets a small young generation and no allocation-site pretenuring', () => {
  assert.deepEqual(heapFlags([]), FLAGS);
  assert.deepEqual(heapFlags(['--config', 'config/default.yaml']), FLAGS);
  assert.deepEqual(heapFlags(['run', '--config', 'x.yaml']), FLAGS);
  assert.deepEqual(heapFlags(['scan', '--log-file', 'access.log']), FLAGS);
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
