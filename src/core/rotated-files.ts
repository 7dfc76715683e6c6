import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Paths in a log's directory whose name extends its name: where logrotate and its peers put the rotated file
 * (`access.log.1`, `auth.log.1`, dateext's `secure-20261201`, `access.log.2.gz`); [] if the directory is unreadable.
 */
export async function rotatedCandidates(path: string): Promise<string[]> {
  const directory = dirname(path);
  const prefix = basename(path);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  return names.filter((name) => name.startsWith(prefix) && name !== prefix).map((name) => join(directory, name));
}

/** The rotated copy that is still the file we read (same device and inode), if it is in the directory. */
export async function rotatedByInode(path: string, known: { dev: number; ino: number }): Promise<string | undefined> {
  for (const candidate of await rotatedCandidates(path)) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile() && info.ino === known.ino && info.dev === known.dev) return candidate;
  }
  return undefined;
}
