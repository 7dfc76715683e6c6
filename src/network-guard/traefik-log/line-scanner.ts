import type { FileHandle } from 'node:fs/promises';

/** Receives each line; `cut` when the line was longer than maxLineBytes and only its head is given. */
export type LineHandler = (line: string, cut: boolean) => void;

export interface ScanOutcome {
  /** File offset just after the last byte consumed: the start of a held-back partial line, or `to`. */
  offset: number;
  /** True while the rest of an oversized line (already reported) must be skipped up to its newline. */
  skipToNewline: boolean;
  /** NUL bytes skipped where lines should start (a sparse file after copytruncate). */
  nulBytes: number;
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

/**
 * Reads a byte range of a file in large chunks and hands out whole lines, decoding only what is handed out. A line
 * never takes more than maxLineBytes of memory: a longer one is reported once, cut, and the rest is skipped. A
 * partial last line (no newline yet) is held back unless the range is final (the file is complete).
 */
export class LineScanner {
  readonly #buffer: Buffer;
  readonly #chunkBytes: number;
  readonly #maxLineBytes: number;

  constructor(options: { chunkBytes: number; maxLineBytes: number }) {
    this.#chunkBytes = Math.max(options.chunkBytes, 64 * 1024);
    this.#maxLineBytes = options.maxLineBytes;
    this.#buffer = Buffer.allocUnsafe(this.#chunkBytes + options.maxLineBytes + 1);
  }

  async scan(
    handle: FileHandle,
    from: number,
    to: number,
    state: { skipToNewline: boolean; final: boolean },
    onLine: LineHandler,
  ): Promise<ScanOutcome> {
    const buffer = this.#buffer;
    const max = this.#maxLineBytes;
    let skipping = state.skipToNewline;
    let base = from; // file offset of buffer[0]
    let filled = 0;
    let reachedEnd = false;
    let nulBytes = 0;
    while (base + filled < to) {
      const want = Math.min(buffer.length - filled, this.#chunkBytes, to - base - filled);
      const { bytesRead } = await handle.read(buffer, filled, want, base + filled);
      if (bytesRead === 0) {
        reachedEnd = true; // the file shrank under us; the caller notices on its next stat
        break;
      }
      filled += bytesRead;
      const view = buffer.subarray(0, filled);
      let start = 0;
      for (;;) {
        // NUL padding where a line should start: the hole left in a sparse file when a writer without O_APPEND
        // keeps its offset after copytruncate. Skipped (and reported), so the next real line is not lost.
        if (buffer[start] === 0) {
          const padding = start;
          while (start < filled && buffer[start] === 0) start++;
          nulBytes += start - padding;
        }
        const newline = view.indexOf(NEWLINE, start);
        if (newline < 0) break;
        if (skipping) skipping = false;
        else emit(buffer, start, newline, max, onLine);
        start = newline + 1;
      }
      const leftover = filled - start;
      if (skipping || leftover > max) {
        if (!skipping) emit(buffer, start, filled, max, onLine);
        skipping = true;
        base += filled;
        filled = 0;
      } else {
        if (start > 0) buffer.copyWithin(0, start, filled);
        base += start;
        filled = leftover;
      }
    }
    if (filled > 0 && state.final && !reachedEnd) {
      emit(buffer, 0, filled, max, onLine);
      return { offset: base + filled, skipToNewline: false, nulBytes };
    }
    return { offset: base, skipToNewline: skipping, nulBytes };
  }
}

function emit(buffer: Buffer, start: number, end: number, max: number, onLine: LineHandler): void {
  let stop = end;
  if (stop > start && buffer[stop - 1] === CARRIAGE_RETURN) stop--;
  if (stop - start > max) onLine(buffer.toString('utf8', start, start + max), true);
  else onLine(buffer.toString('utf8', start, stop), false);
}
