// The layout's one direction, checked on every import: shells (cli/, web/) above four capabilities above the platform.
// A capability never imports another capability or a shell; the platform never imports a capability or a shell.
// Test files may drive the CLI through cli/testing (they test the program as a user runs it).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = dirname(fileURLToPath(import.meta.url));
const CAPABILITIES = new Set(['network-guard', 'workload-guard', 'host-monitor', 'command-runner']);
const PLATFORM = new Set(['core', 'config', 'store', 'llm', 'notifiers', 'http', 'kubernetes']);
const SHELLS = new Set(['cli', 'web']);
const IMPORT = /(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : typescriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function area(path: string): string {
  return relative(SRC, path).split('/')[0] ?? '';
}

test('src/ holds the four capabilities, the platform and the shells, nothing else', () => {
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const known = new Set([...CAPABILITIES, ...PLATFORM, ...SHELLS]);
  assert.deepEqual(
    folders.filter((folder) => !known.has(folder)),
    [],
  );
  for (const capability of CAPABILITIES) assert.ok(folders.includes(capability), capability);
});

test('no capability imports another capability or a shell; the platform imports neither', () => {
  const violations: string[] = [];
  for (const file of typescriptFiles(SRC)) {
    const from = area(file);
    const isTest = file.endsWith('.test.ts');
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolve(dirname(file), specifier as string);
      if (!target.startsWith(`${SRC}/`)) continue;
      const to = area(target);
      if (to === from) continue;
      const intoShell = SHELLS.has(to) && !(isTest && relative(SRC, target).startsWith('cli/testing/'));
      const bad = CAPABILITIES.has(from)
        ? CAPABILITIES.has(to) || intoShell
        : PLATFORM.has(from) && (CAPABILITIES.has(to) || intoShell);
      if (bad) violations.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
    }
  }
  assert.deepEqual(violations, []);
});
