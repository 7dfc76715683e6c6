import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const skippedDirs = new Set(['node_modules', '.git', 'data', 'test-artifacts']);

/** Test files under `roots` (relative to `base`), sorted, never inside node_modules, .git or hidden directories. */
export function findTestFiles(base: string, roots: string[], matches: (file: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skippedDirs.has(entry.name) && !entry.name.startsWith('.')) walk(path);
      } else if (entry.isFile() && matches(entry.name)) {
        found.push(relative(base, path));
      }
    }
  };
  for (const root of roots) walk(join(base, root));
  return found.sort();
}

export const isIntegrationTest = (name: string) => name.endsWith('.integration.test.ts');
export const isUnitTest = (name: string) => name.endsWith('.test.ts') && !isIntegrationTest(name);
