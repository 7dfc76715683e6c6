// Fills Node's compile cache (bin/devops-agent.js turns it on) with the modules the commands load, so the first
// command after `npm ci` starts as small and as fast as the later ones. On a cold cache each thread compiles its
// TypeScript with the type stripper loaded (about 20 MB): a first two-thread scan of 1M lines peaked at 157 MB, the
// next ones at 116. V8 keys the cache by its flags, so this runs once under each set bin/heap-flags.js chooses.
// Run by `npm ci` (postinstall). A cache is an optimisation: whatever goes wrong here is printed, never fatal. Plain
// JavaScript, so that an install run by an older Node (`npm ci --omit=dev` leaves out the Node 24 devDependency) is
// told so instead of failing on TypeScript.
//   node scripts/warm-compile-cache.js
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
// A namespace import: a named import of enableCompileCache fails on an older Node before the version check runs.
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { heapFlags } from '../bin/heap-flags.js';

const CHILD = '--child';
const major = Number(process.versions.node.split('.')[0]);

if (major < 24) console.log(`warm-compile-cache: skipped (Node ${process.versions.node}; the agent runs on Node 24)`);
else if (process.argv[2] === CHILD) await warm(process.argv[3] === 'worker');
else warmEveryFlagSet();

function warmEveryFlagSet() {
  const script = fileURLToPath(import.meta.url);
  const sets = [
    { name: 'help', flags: heapFlags(['help']), worker: false },
    { name: 'one-shot commands', flags: heapFlags(['scan']), worker: true },
    { name: 'the daemon', flags: heapFlags(['run']), worker: true },
  ];
  for (const set of sets) {
    const child = spawnSync(process.execPath, [...set.flags, script, CHILD, set.worker ? 'worker' : ''], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (child.status !== 0) {
      const why = child.error?.message ?? child.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${child.status}`;
      console.log(`warm-compile-cache: ${set.name}: skipped (${why})`);
    }
  }
}

/**
 * Loads every command's module and runs the commands that need no server on a small log in a temporary directory:
 * a command imports most of what it uses only when it runs. With `worker`, the replay worker's module too.
 */
/** @param {boolean} worker */
async function warm(worker) {
  nodeModule.enableCompileCache();
  const { main } = await import('../src/cli/main.ts'); // what bin/devops-agent.js imports (it runs nothing on import)
  const { COMMANDS } = await import('../src/cli/commands/index.ts');
  for (const entry of COMMANDS) {
    await entry.usage();
    await entry.load();
  }
  const dir = mkdtempSync(join(tmpdir(), 'warm-compile-cache-'));
  try {
    const log = join(dir, 'access.log');
    const line = JSON.stringify({ ClientHost: '192.0.2.1', DownstreamStatus: 404, RequestPath: '/.env', time: 0 });
    writeFileSync(log, `${line}\n`.repeat(200));
    const db = join(dir, 'warm.db');
    const io = { stdout: new PassThrough(), stderr: new PassThrough(), env: process.env, interactive: false };
    io.stdout.resume();
    io.stderr.resume();
    await main(['help'], io);
    await main(['scan', '--log-file', log, '--db', db], io);
    await main(['incidents', 'list', '--db', db], io);
    await main(['exec', '--dry-run', '--command', 'ls', '--db', db], io);
    if (!worker) return;
    // The replay worker's own module, compiled here: it throws at once outside a worker, after compiling (a replay
    // of a small log ends before its worker has loaded, and a worker stopped early keeps its compilation).
    await import('../src/network-guard/traefik-log/replay-worker.ts').catch(() => undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
