import type { FileHandle } from 'node:fs/promises';

/**
 * Receives each line; `cut` when the line was longer than maxLineBytes and only its head is given. Returning false
 * pauses the scan after this line (see LineScanner.scan).
 */
export type LineHandler = (line: string, cut: boolean) => unknown;

export interface ScanOutcome {
  /** File offset just after the last byte consumed: the start of a held-back partial line, or `to`. */
  offset: number;
  /** True while the rest of an oversized line (already reported) must be skipped up to its newline. */
  skipToNewline: boolean;
  /** NUL bytes skipped where lines should start (a sparse file after copytruncate). */
  nulBytes: number;
  /** The handler paused the scan: `offset` is the next line, and scanning on from there reuses what was read. */
  paused: boolean;
}

/** What a paused scan had read: the buffer holds file bytes [base, base + filled), the next line at `start`. */
interface PausedRead {
  handle: FileHandle;
  base: number;
  filled: number;
  start: number;
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
  #paused: PausedRead | undefined;

  constructor(options: { chunkBytes: number; maxLineBytes: number }) {
    this.#chunkBytes = Math.max(options.chunkBytes, 64 * 1024);
    this.#maxLineBytes = options.maxLineBytes;
    this.#buffer = Buffer.allocUnsafe(this.#chunkBytes + options.maxLineBytes + 1);
  }

  /**
   * Hands out the whole lines of [from, to). A handler that returns false pauses the scan after that line; calling
   * scan again from the outcome's offset goes on with the bytes already read (a consumer can take a large read in
   * small batches without reading it again). Any other call starts afresh.
   */
  async scan(
    handle: FileHandle,
    from: number,
    to: number,
    state: { skipToNewline: boolean; final: boolean },
    onLine: LineHandler,
  ): Promise<ScanOutcome> {
    const buffer = this.#buffer;
    const max = this.#maxLineBytes;
    const paused = this.#paused;
    const resumed = paused?.handle === handle && paused.base + paused.start === from;
    let { base, filled, start } = resumed ? paused! : { base: from, filled: 0, start: 0 };
    let nulBytes = 0; // since the last outcome
    this.#paused = undefined;
    let skipping = !resumed && state.skipToNewline;
    let reachedEnd = false;
    let read = resumed; // the buffer already holds bytes to hand out
    while (read || base + filled < to) {
      if (!read) {
        const want = Math.min(buffer.length - filled, this.#chunkBytes, to - base - filled);
        const { bytesRead } = await handle.read(buffer, filled, want, base + filled);
        if (bytesRead === 0) {
          reachedEnd = true; // the file shrank under us; the caller notices on its next stat
          break;
        }
        filled += bytesRead;
      }
      read = false;
      const view = buffer.subarray(0, filled);
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
        let more = true;
        if (skipping) skipping = false;
        else more = emit(buffer, start, newline, max, onLine) !== false;
        start = newline + 1;
        if (!more) {
          this.#paused = { handle, base, filled, start };
          return { offset: base + start, skipToNewline: false, nulBytes, paused: true };
        }
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
      start = 0;
    }
    if (filled > 0 && state.final && !reachedEnd) {
      emit(buffer, 0, filled, max, onLine);
      return { offset: base + filled, skipToNewline: false, nulBytes, paused: false };
    }
    return { offset: base, skipToNewline: skipping, nulBytes, paused: false };
  }
}

function emit(buffer: Buffer, start: number, end: number, max: number, onLine: LineHandler) {
  let stop = end;
  if (stop > start && buffer[stop - 1] === CARRIAGE_RETURN) stop--;
  if (stop - start > max) return onLine(buffer.toString('utf8', start, start + max), true);
  return onLine(buffer.toString('utf8', start, stop), false);
}
