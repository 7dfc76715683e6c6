import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Writes a ttar text archive (the format node_exporter keeps its sysfs fixtures in: `Directory:`, `Path:` with
 * `Lines: N` and the file's lines, or `SymlinkTo:`) into a new temporary directory and returns that directory.
 */
export function materializeTtar(archive: string): string {
  const root = mkdtempSync(join(tmpdir(), 'ttar-'));
  const lines = archive.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const directory = /^Directory: (.+)$/.exec(lines[index]);
    if (directory) {
      mkdirSync(join(root, directory[1]), { recursive: true });
      continue;
    }
    const path = /^Path: (.+)$/.exec(lines[index]);
    if (!path) continue;
    const target = join(root, path[1]);
    mkdirSync(dirname(target), { recursive: true });
    const header = lines[index + 1] ?? '';
    const link = /^SymlinkTo: (.+)$/.exec(header);
    const count = /^Lines: (\d+)( NoTrailingNewline)?$/.exec(header);
    if (link) symlinkSync(link[1], target);
    else if (count) {
      const body = lines.slice(index + 2, index + 2 + Number(count[1])).join('\n');
      writeFileSync(target, count[2] || body === '' ? body : `${body}\n`);
      index += Number(count[1]);
    } else throw new Error(`ttar: ${path[1]} has neither Lines nor SymlinkTo`);
    index++;
  }
  return root;
}
