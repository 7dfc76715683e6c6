import { type FileHandle, open, stat } from 'node:fs/promises';
import { rotatedByInode } from '../../core/rotated-files.ts';

/** The part of PositionStore the reader needs (src/store/position-store.ts). */
export interface PositionKeeper {
  get<T>(source: string): T | undefined;
  set(source: string, position: unknown): void;
}

/** Where reading stopped: the file's identity and the byte offset after the last complete line. */
export interface FilePosition {
  device: number;
  inode: number;
  offset: number;
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
 * repeats nor skips. Rotation (a new inode at the path) first finishes the rotated file when it is found beside it
 * (`<path>.1`, `<path>-20261201`: the same inode), then starts the new file at 0; truncation (same inode, smaller size) restarts at 0.
 */
export async function readNewLines(path: string, positions: PositionKeeper, options: ReadOptions): Promise<ReadResult> {
  const key = `monitor:file:${path}`;
  const result: ReadResult = { status: 'ok', lines: [], events: [] };
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    return {
      status: 'missing',
      lines: [],
      events: [],
      detail: `${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    };
  }
  const saved = positions.get<FilePosition>(key);
  let offset: number;
  if (!saved) {
    result.events.push('first-start');
    offset = options.startAt === 'end' ? info.size : 0;
    if (options.startAt === 'end' && options.recentWindow) {
      const handle = await open(path, 'r').catch(() => undefined);
      if (handle) {
        try {
          offset = await recentWindowStart(handle, info.size, options.maxBytes, options.recentWindow);
        } finally {
          await handle.close();
        }
      }
      if (offset < info.size) result.events.push('recent-window');
    }
  } else if (saved.inode !== info.ino || saved.device !== info.dev) {
    result.events.push('rotated');
    const rotated = await rotatedByInode(path, { dev: saved.device, ino: saved.inode });
    if (rotated) await finishRotated(rotated, saved, options.maxBytes, result);
    offset = 0;
  } else if (info.size < saved.offset) {
    result.events.push('truncated');
    offset = 0;
  } else {
    offset = saved.offset;
  }
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const budget = Math.max(0, options.maxBytes - result.lines.reduce((sum, line) => sum + line.length + 1, 0));
    const chunk = await readRange(handle, offset, info.size, budget);
    const capped = info.size - offset > budget;
    if (capped) result.events.push('capped');
    const { lines, consumed, tooLong } = completeLines(chunk, capped && chunk.length === budget);
    if (tooLong) result.events.push('line-too-long');
    result.lines.push(...lines);
    offset += consumed;
  } catch (error) {
    return { status: 'missing', lines: [], events: result.events, detail: `${path}: ${(error as Error).message}` };
  } finally {
    await handle?.close();
  }
  positions.set(key, { device: info.dev, inode: info.ino, offset } satisfies FilePosition);
  return result;
}

/**
 * logrotate renames `auth.log` to `auth.log.1` (Debian), `secure` to `secure-20261201` (dateext: Red Hat, Fedora,
 * Amazon Linux): read what was appended there after our last position.
 */
async function finishRotated(rotatedPath: string, saved: FilePosition, maxBytes: number, result: ReadResult) {
  try {
    const info = await stat(rotatedPath);
    if (info.ino !== saved.inode || info.dev !== saved.device || info.size <= saved.offset) return;
    const handle = await open(rotatedPath, 'r');
    try {
      const chunk = await readRange(handle, saved.offset, info.size, maxBytes);
      // The rotated file is complete: a last line without newline is still a line.
      const text = chunk.toString('utf8');
      result.lines.push(...text.split('\n').filter((line) => line.length > 0));
    } finally {
      await handle.close();
    }
  } catch {
    // Rotated away or compressed already: those lines are lost to us, the new file starts at 0.
  }
}
