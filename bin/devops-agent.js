#!/usr/bin/env node
// Runs the TypeScript CLI on Node 24 (native type stripping). When started by an older node (the system one), re-runs
// itself with the project's own Node 24 from the `node` devDependency.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'main.ts');
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  // V8's code cache on disk (NODE_COMPILE_CACHE, else the OS temp dir): every later start skips re-parsing and
  // re-stripping the TypeScript it loads, about half of a short command's start-up.
  enableCompileCache();
  const { main } = await import(entry);
  const io = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    interactive: Boolean(process.stdin.isTTY),
  };
  process.exitCode = await main(process.argv.slice(2), io);
} else {
  const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(node24)) {
    process.stderr.write(`devops-agent needs Node.js >= 24 (found ${process.versions.node}); run \`npm ci\` first.\n`);
    process.exit(1);
  }
  const result = spawnSync(node24, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
