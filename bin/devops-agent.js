#!/usr/bin/env node
// Runs the TypeScript CLI on Node 24 (native type stripping). When started by an older node (the system one), re-runs
// itself with the project's own Node 24 from the `node` devDependency.
import { existsSync } from 'node:fs';
// A namespace import: a named import of a function older Node lacks (enableCompileCache) fails before any line runs.
import * as nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heapFlags } from './heap-flags.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'main.ts');
const major = Number(process.versions.node.split('.')[0]);
const args = process.argv.slice(2);

const flags = heapFlags(args);
if (major >= 24) {
  const missing = flags.filter((flag) => !process.execArgv.includes(flag));
  // Replace this process (same pid, same stdio) with one that has the flags: about 25 ms, once. Where that is not
  // possible (no execve on this platform, or refused), the command runs as it is, with V8's default heap.
  if (missing.length > 0 && typeof process.execve === 'function') {
    try {
      process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)]);
    } catch {}
  }
  // V8's code cache on disk (NODE_COMPILE_CACHE, else the OS temp dir): every later start skips re-parsing and
  // re-stripping the TypeScript it loads, about half of a short command's start-up, and never loads the TypeScript
  // stripper itself (about 20 MB of RSS).
  nodeModule.enableCompileCache();
  const { main } = await import(entry);
  const io = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    interactive: Boolean(process.stdin.isTTY),
  };
  process.exitCode = await main(args, io);
} else {
  const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(node24)) {
    process.stderr.write(`devops-agent needs Node.js >= 24 (found ${process.versions.node}); run \`npm ci\` first.\n`);
    process.exit(1);
  }
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync(node24, [...flags, join(root, 'bin', 'devops-agent.js'), ...args], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
