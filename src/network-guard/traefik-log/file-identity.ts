import { createHash } from 'node:crypto';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { compressionOf, readDecompressed } from '../../core/compressed-file.ts';
import { type RotatedFile, rotatedCandidates } from '../../core/rotated-files.ts';

/** Helpers that tell which file is which: identity (device, inode), head hash, rotated copies, line starts. */

/** The file's identity and size; undefined when it does not exist (or, with `filesOnly`, is not a regular file). */
export async function statOrUndefined(
  path: string,
  filesOnly = false,
): Promise<{ dev: number; ino: number; size: number } | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      if (filesOnly) return undefined;
      throw new Error(`${path} is not a regular file`);
    }
    return { dev: info.dev, ino: info.ino, size: info.size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function hashHead(handle: FileHandle, length: number): Promise<string> {
  if (length === 0) return '';
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, 0);
  return createHash('sha256').update(buffer.subarray(0, bytesRead)).digest('hex');
}

/** Offset just after the last newline of the file (0 when there is none). */
export async function lastLineStart(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(10);
    if (newline >= 0) return start + newline + 1;
    end = start;
  }
  return 0;
}

/**
 * A copy of the file as we knew it (copytruncate): same first bytes, at least as long as what we had read, another
 * inode. Lines written after our last read and before the copy are only there.
 */
export async function findCopy(
  path: string,
  known: { headHash: string; headLength: number; offset: number },
  currentIno: number,
): Promise<string | undefined> {
  if (known.headLength === 0) return undefined;
  let best: { path: string; modified: number } | undefined;
  for (const candidate of await rotatedCandidates(path)) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(candidate);
    } catch {
      continue;
    }
    if (!info.isFile() || info.ino === currentIno || info.size < known.offset) continue;
    // logrotate may compress and remove it between the stat and the open.
    const handle = await open(candidate, 'r').catch(() => undefined);
    if (!handle) continue;
    try {
      if ((await hashHead(handle, known.headLength)) !== known.headHash) continue;
    } finally {
      await handle.close();
    }
    if (!best || info.mtimeMs > best.modified) best = { path: candidate, modified: info.mtimeMs };
  }
  return best?.path;
}

/** A rotated copy of the file, open for reading (name: where it was found). */
export interface OpenedCopy {
  handle: FileHandle;
  dev: number;
  ino: number;
  name: string;
}

/**
 * The copy of the file as we knew it (findCopy), open; else a compressed one: logrotate's `compress` (without
 * `delaycompress`) leaves only `access.log.1.gz` of the file we were reading, and a copytruncate's copy may be
 * compressed at once too. A gzip or zstd copy whose decompressed first bytes are the ones we knew is decompressed into
 * a temporary file, already removed when this returns: it lives as long as the handle.
 */
export async function openCopy(
  path: string,
  known: { headHash: string; headLength: number; offset: number },
  currentIno: number,
  notice: (text: string) => void,
): Promise<OpenedCopy | undefined> {
  const plain = await findCopy(path, known, currentIno);
  // Gone between finding and opening: logrotate compressed the copy meanwhile (copytruncate + compress, the real
  // logrotate showed it), and removed the plain one only once the compressed one was complete.
  const opened = plain ? await openFound(plain, plain).catch(unlessGone) : undefined;
  if (opened) return opened;
  if (known.headLength === 0) return undefined;
  const { decompressedCopy } = await import('./scan-input.ts');
  let best: { path: string; modified: number; compression: 'gzip' | 'zstd' } | undefined;
  for (const candidate of await rotatedCandidates(path)) {
    try {
      const info = await stat(candidate);
      if (!info.isFile() || (best && info.mtimeMs <= best.modified)) continue;
      const compression = await compressionOf(candidate);
      if (!compression) continue;
      const head = (await readDecompressed(candidate, compression, 0, known.headLength)).bytes;
      if (head.length < known.headLength || createHash('sha256').update(head).digest('hex') !== known.headHash)
        continue;
      best = { path: candidate, modified: info.mtimeMs, compression };
    } catch {
      // Unreadable or corrupt: not the copy.
    }
  }
  if (!best) return undefined;
  const copy = await decompressedCopy(best.path, best.compression, notice);
  try {
    const opened = await openFound(copy.path, best.path);
    if ((await opened.handle.stat()).size >= known.offset) return opened;
    await opened.handle.close();
    return undefined;
  } finally {
    await copy.close();
  }
}

function unlessGone(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT') return undefined;
  throw error;
}

async function openFound(path: string, name: string): Promise<OpenedCopy> {
  const handle = await open(path, 'r');
  const info = await handle.stat();
  return { handle, dev: info.dev, ino: info.ino, name };
}

/**
 * A rotated file found by findRotated (core/rotated-files.ts), open: a plain one as it is (undefined when another
 * file has its name by now: logrotate renamed them meanwhile), a compressed one from a decompressed temporary copy,
 * already removed when this returns (it lives as long as the handle).
 */
export async function openRotated(file: RotatedFile, notice: (text: string) => void): Promise<OpenedCopy | undefined> {
  if (!file.compression) {
    const opened = await openFound(file.path, file.path).catch(() => undefined);
    if (opened && opened.ino === file.ino && opened.dev === file.dev) return opened;
    await opened?.handle.close();
    return undefined;
  }
  const { decompressedCopy } = await import('./scan-input.ts');
  const copy = await decompressedCopy(file.path, file.compression, notice);
  try {
    return await openFound(copy.path, file.path);
  } finally {
    await copy.close();
  }
}
