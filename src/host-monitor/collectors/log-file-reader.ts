import { type FileHandle, open } from 'node:fs/promises';
import { readDecompressed } from '../../core/compressed-file.ts';
import { findRotated, HEAD_BYTES, type RotatedFile, sha256 } from '../../core/rotated-files.ts';

/** The part of PositionStore the reader needs (src/store/position-store.ts). */
export interface PositionKeeper {
  get<T>(source: string): T | undefined;
  set(source: string, position: unknown): void;
}

/**
 * Where reading stopped: the file's identity, the byte offset after the last complete line, and the sha256 of its
 * first headLength bytes (at most HEAD_BYTES), which find it again once logrotate compressed it into a new inode.
 * Positions saved before the head was kept have none: their file is found by inode alone.
 */
export interface FilePosition {
  device: number;
  inode: number;
  offset: number;
  headHash?: string;
  headLength?: number;
}

export interface ReadResult {
  status: 'ok' | 'missing';
  lines: string[];
  /** What happened to the file since last time, for the cycle report. */
  events: Array<'first-start' | 'recent-window' | 'rotated' | 'truncated' | 'capped' | 'line-too-long'>;
  detail?: string;
}

export interface ReadOptions {
  /** Bytes read per call at most; the rest waits for the next cycle. */
  maxBytes: number;
  /** Where a first start begins: only new lines (the default), or the whole file. */
  startAt: 'end' | 'beginning';
  /**
   * With `startAt: 'end'`, a first start also reads the lines written since `since` (epoch ms, by each line's own
   * timestamp from `timeOf`), within the last `maxBytes`: a first `monitor --once` sees the last login window.
   */
  recentWindow?: { since: number; timeOf: (line: string) => number | undefined };
}

/**
 * The offset of the first line, in the last `maxBytes` of the file, stamped at or after `since`; the file's size when
 * none is. Logs are written in time order, so everything after that line is recent too.
 */
async function recentWindowStart(
  handle: FileHandle,
  size: number,
  maxBytes: number,
  window: NonNullable<ReadOptions['recentWindow']>,
): Promise<number> {
  const start = Math.max(0, size - maxBytes);
  const chunk = await readRange(handle, start, size, maxBytes);
  // Inside the file, the first bytes are the end of a line that started before the chunk.
  let position = start === 0 ? 0 : chunk.indexOf(0x0a) + 1;
  if (start > 0 && position === 0) return size;
  while (position < chunk.length) {
    const newline = chunk.indexOf(0x0a, position);
    if (newline < 0) break;
    const time = window.timeOf(chunk.subarray(position, newline).toString('utf8'));
    if (time !== undefined && time >= window.since) return start + position;
    position = newline + 1;
  }
  return size;
}

async function readRange(handle: FileHandle, start: number, end: number, maxBytes: number) {
  const length = Math.max(0, Math.min(end - start, maxBytes));
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** Complete lines from a chunk and how many bytes they span; a trailing partial line waits for the next read. */
function completeLines(chunk: Buffer, capped: boolean): { lines: string[]; consumed: number; tooLong: boolean } {
  const lastNewline = chunk.lastIndexOf(0x0a);
  if (lastNewline < 0) {
    // A chunk as large as the cap without a newline is one absurdly long line: skip it rather than stall forever.
    return capped ? { lines: [], consumed: chunk.length, tooLong: true } : { lines: [], consumed: 0, tooLong: false };
  }
  const text = chunk.subarray(0, lastNewline).toString('utf8');
  return { lines: text.split('\n').filter((line) => line.length > 0), consumed: lastNewline + 1, tooLong: false };
}

/**
 * Reads the lines appended to a log since the last call, keeping the position in the store so a restart neither
 * repeats nor skips. Rotation (another inode at the path, or the same one with other first bytes: a freed inode is
 * given out again) and truncation (same inode, smaller size: copytruncate): the file we were reading is found among
 * the rotated copies (core/rotated-files.ts: by its first bytes, also once compressed, `auth.log.2.gz`) and finished
 * from the saved offset, then every copy rotated after it (files written while we were away) is read in full, oldest
 * first, then the file at the path from 0. All of it within `maxBytes` a call: the position may stay in a rotated
 * copy, and the next call goes on from there (`capped`).
 */
export async function readNewLines(path: string, positions: PositionKeeper, options: ReadOptions): Promise<ReadResult> {
  let handle: FileHandle;
  try {
    // Everything about the file at the path comes from this descriptor: logrotate may rename it meanwhile.
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { status: 'missing', lines: [], events: [], detail: `${path}: ${code ?? (error as Error).message}` };
  }
  try {
    return await readOpenFile(path, handle, positions, options);
  } catch (error) {
    return { status: 'missing', lines: [], events: [], detail: `${path}: ${(error as Error).message}` };
  } finally {
    await handle.close();
  }
}

async function readOpenFile(
  path: string,
  handle: FileHandle,
  positions: PositionKeeper,
  options: ReadOptions,
): Promise<ReadResult> {
  const key = `monitor:file:${path}`;
  const result: ReadResult = { status: 'ok', lines: [], events: [] };
  const info = await handle.stat();
  const saved = positions.get<FilePosition>(key);
  const budget = { left: options.maxBytes };
  let offset: number;
  let head = { hash: saved?.headHash ?? '', length: saved?.headLength ?? 0 };
  if (!saved) {
    result.events.push('first-start');
    offset = options.startAt === 'end' ? info.size : 0;
    if (options.startAt === 'end' && options.recentWindow) {
      offset = await recentWindowStart(handle, info.size, options.maxBytes, options.recentWindow);
      if (offset < info.size) result.events.push('recent-window');
    }
  } else if (await isSameFile(handle, info, saved)) {
    offset = saved.offset;
  } else {
    // Another file at the path: rotated (a new inode, or the freed one given out again, with other first bytes), or
    // the same inode truncated (copytruncate, whose copy is found like a rotated file, by its first bytes: then it
    // counts as rotated).
    const found = await findRotated(path, { ...saved, dev: saved.device, ino: saved.inode }, info.ino);
    const sameInode = saved.inode === info.ino && saved.device === info.dev;
    result.events.push(sameInode && !found ? 'truncated' : 'rotated');
    if (found) {
      const stopped = await readRotated([found, ...found.newer], saved, info.size, budget, result);
      if (stopped) {
        positions.set(key, stopped);
        return result;
      }
    }
    offset = 0;
    head = { hash: '', length: 0 };
  }
  const chunk = await readRange(handle, offset, info.size, budget.left);
  const capped = info.size - offset > budget.left;
  if (capped) result.events.push('capped');
  const { lines, consumed, tooLong } = completeLines(chunk, capped && chunk.length === budget.left);
  if (tooLong) result.events.push('line-too-long');
  result.lines.push(...lines);
  offset += consumed;
  const headLength = Math.min(HEAD_BYTES, offset);
  if (headLength > head.length) {
    head = { hash: sha256(await readRange(handle, 0, headLength, headLength)), length: headLength };
  }
  const position: FilePosition = {
    device: info.dev,
    inode: info.ino,
    offset,
    headHash: head.hash,
    headLength: head.length,
  };
  positions.set(key, position);
  return result;
}

/** The open file is still the saved one: same inode, at least as long, the same first bytes. */
async function isSameFile(handle: FileHandle, info: { dev: number; ino: number; size: number }, saved: FilePosition) {
  if (saved.inode !== info.ino || saved.device !== info.dev || info.size < saved.offset) return false;
  if (!saved.headLength || !saved.headHash) return true;
  const head = await readRange(handle, 0, saved.headLength, saved.headLength);
  return head.length === saved.headLength && sha256(head) === saved.headHash;
}

/**
 * Reads the rotated files in order (the one we were reading from `offset`, the later ones from 0) within the budget.
 * Returns where to stop when reading must go on there next call (the budget ran out, the newest copy may still be
 * written, or logrotate moved a file since it was listed); undefined when all are read and the path comes next.
 */
async function readRotated(
  files: RotatedFile[],
  saved: FilePosition,
  currentSize: number,
  budget: { left: number },
  result: ReadResult,
): Promise<FilePosition | undefined> {
  let finished: FilePosition | undefined;
  for (const [index, file] of files.entries()) {
    const from = index === 0 ? saved.offset : 0;
    let handle: FileHandle | undefined;
    try {
      handle = await open(file.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return finished ?? saved;
      continue; // Unreadable (permissions): nothing we can read there.
    }
    try {
      const info = await handle.stat();
      // Another file under that name, or gone (above): logrotate renamed them since they were listed. The next call
      // lists them again, from the end of the last file finished here (or the saved position, not moved).
      if (info.ino !== file.ino || info.dev !== file.dev) return finished ?? saved;
      const read = file.compression
        ? await readDecompressed(handle, file.compression, from, budget.left)
        : await readPlain(handle, info.size, from, budget.left);
      // The writer appends to the renamed file until postrotate's HUP makes it reopen the path: the newest copy is
      // finished only once the file at the path has something in it (the path was stat'ed before this read).
      const stillWritten = index === files.length - 1 && !file.compression && currentSize === 0;
      const complete = read.end && !stillWritten;
      const { lines, consumed, tooLong } = complete
        ? { lines: splitLines(read.bytes), consumed: read.bytes.length, tooLong: false }
        : completeLines(read.bytes, !read.end && read.bytes.length === budget.left);
      if (tooLong) result.events.push('line-too-long');
      result.lines.push(...lines);
      budget.left -= consumed;
      const head = file.compression
        ? (await readDecompressed(handle, file.compression, 0, HEAD_BYTES)).bytes
        : await readRange(handle, 0, info.size, HEAD_BYTES);
      const here = {
        device: file.dev,
        inode: file.ino,
        offset: from + consumed,
        headHash: sha256(head),
        headLength: head.length,
      };
      const more = index < files.length - 1 || currentSize > 0;
      if (!read.end || (budget.left <= 0 && more)) result.events.push('capped');
      if (!complete || (budget.left <= 0 && more)) return here;
      finished = here;
    } finally {
      await handle.close();
    }
  }
  return undefined;
}

async function readPlain(handle: FileHandle, size: number, from: number, maxBytes: number) {
  const bytes = await readRange(handle, from, size, maxBytes);
  return { bytes, end: from + bytes.length >= size };
}

/** A complete file's lines: a last line without newline is still a line. */
function splitLines(bytes: Buffer): string[] {
  return bytes
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0);
}
