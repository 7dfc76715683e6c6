import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes a file so readers see the old or the new content, never half of it (temp file, fsync, rename). */
export function writeFileAtomic(path: string, content: string): void {
  const directory = dirname(path);
  mkdirSync(directory, { recursive: true });
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(temporary, 'w', 0o644);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  try {
    const directoryFd = openSync(directory, 'r');
    fsyncSync(directoryFd);
    closeSync(directoryFd);
  } catch {
    // directory fsync is best effort (not supported everywhere)
  }
}
