import { isAscii } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';

/**
 * Receives each line; `cut` when the line was longer than maxLineBytes and only its head is given; `shared` when the
 * line is a slice of a block of lines (see BLOCK_BYTES): whatever is kept of it must be copied first, or it keeps the
 * whole block alive. Returning false pauses the scan after this line (see LineScanner.scan).
 */
export type LineHandler = (line: string, cut: boolean, shared: boolean) => unknown;

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

/** The bytes a scan works on: file bytes [base + start, base + filled) are at buffer[start, filled). */
interface Window {
  handle: FileHandle;
  buffer: Buffer;
  base: number;
  start: number;
  filled: number;
}

/** A read issued ahead into the buffer not in use, settled as a value (its error too) so nothing goes unhandled. */
interface ReadAhead {
  handle: FileHandle;
  buffer: Buffer;
  position: number;
  result: Promise<number | Error>;
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
/**
 * Whole lines of ASCII are decoded this many bytes at a time, and handed out as slices of the block: one string and
 * one native call per block instead of per line. Small enough to stay out of V8's large-object space (a larger
 * block there made a prefiltered scan slower than decoding each line).
 */
const BLOCK_BYTES = 64 * 1024;

/**
 * Reads a byte range of a file in large chunks and hands out whole lines, decoding only what is handed out. A line
 * never takes more than maxLineBytes of memory: a longer one is reported once, cut, and the rest is skipped. A
 * partial last line (no newline yet) is held back unless the range is final (the file is complete).
 *
 * Two buffers take turns: while the lines of one are handed out, the next chunk of the range is already being read
 * into the other (a read from the page cache is a copy on a thread-pool thread; waiting for each one left this
 * thread idle a fifth of a 1 GB scan). Each chunk is read after a headroom of maxLineBytes + 1, where the partial
 * line before it is copied, so a line is contiguous without moving the chunk.
 */
export class LineScanner {
  readonly #buffers: [Buffer, Buffer];
  readonly #chunkBytes: number;
  readonly #maxLineBytes: number;
  readonly #headroom: number;
  /** Where a paused scan stopped: scanning on from there reuses what was read (and is being read). */
  #paused: Window | undefined;
  #ahead: ReadAhead | undefined;
  #blocks = true;

  constructor(options: { chunkBytes: number; maxLineBytes: number }) {
    this.#chunkBytes = Math.max(options.chunkBytes, 64 * 1024);
    this.#maxLineBytes = options.maxLineBytes;
    this.#headroom = options.maxLineBytes + 1;
    const size = this.#headroom + this.#chunkBytes;
    this.#buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  }

  /**
   * Tells the scanner how many of the lines its last scan handed out were kept (parsed into events, each copied out
   * of its block). When most are (a flood of probes), later scans decode line by line: a block decoded and then
   * copied line by line allocates each line twice. When few are, blocks again.
   */
  kept(lines: number, kept: number): void {
    if (lines > 0) this.#blocks = kept * 4 < lines;
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
    const max = this.#maxLineBytes;
    const paused = this.#paused;
    this.#paused = undefined;
    const resumed = paused?.handle === handle && paused.base + paused.start === from;
    if (!resumed) await this.#dropReadAhead();
    let { buffer, base, start, filled } = resumed
      ? paused!
      : { buffer: this.#buffers[0], base: from, start: 0, filled: 0 };
    let nulBytes = 0; // since the last outcome
    let skipping = !resumed && state.skipToNewline;
    let reachedEnd = false;
    let fresh = resumed; // the window holds bytes not looked at yet
    let lineByLine = 0; // in the window, lines before this offset are decoded one by one
    for (;;) {
      if (!fresh) {
        if (base + filled >= to) break;
        const position = base + filled;
        const other = buffer === this.#buffers[0] ? this.#buffers[1] : this.#buffers[0];
        const bytesRead = await this.#read(handle, other, position, to);
        if (bytesRead === 0) {
          reachedEnd = true; // the file shrank under us; the caller notices on its next stat
          break;
        }
        // The partial line before the chunk goes into the headroom just before it.
        const leftover = filled - start;
        buffer.copy(other, this.#headroom - leftover, start, filled);
        const free = buffer;
        buffer = other;
        base = position - this.#headroom;
        start = this.#headroom - leftover;
        filled = this.#headroom + bytesRead;
        this.#readAhead(handle, free, base + filled, to);
        lineByLine = 0;
      }
      fresh = false;
      const view = buffer.subarray(0, filled);
      for (;;) {
        // NUL padding where a line should start: the hole left in a sparse file when a writer without O_APPEND
        // keeps its offset after copytruncate. Skipped (and reported), so the next real line is not lost.
        if (buffer[start] === 0) {
          const padding = start;
          while (start < filled && buffer[start] === 0) start++;
          nulBytes += start - padding;
        }
        const blockEnd =
          skipping || start < lineByLine || !this.#blocks
            ? -1
            : view.lastIndexOf(NEWLINE, Math.min(filled, start + BLOCK_BYTES) - 1) + 1;
        if (blockEnd > start && isAscii(view.subarray(start, blockEnd))) {
          const block = emitBlock(buffer.toString('latin1', start, blockEnd), max, onLine);
          nulBytes += block.nulBytes;
          start += block.consumed;
          if (block.paused) {
            this.#paused = { handle, buffer, base, start, filled };
            return { offset: base + start, skipToNewline: false, nulBytes, paused: true };
          }
          continue;
        }
        // Not ASCII: the lines up to the block's end are decoded one by one (UTF-8), then blocks again.
        if (blockEnd > start) lineByLine = blockEnd;
        const newline = view.indexOf(NEWLINE, start);
        if (newline < 0) break;
        let more = true;
        if (skipping) skipping = false;
        else more = emit(buffer, start, newline, max, onLine) !== false;
        start = newline + 1;
        if (!more) {
          this.#paused = { handle, buffer, base, start, filled };
          return { offset: base + start, skipToNewline: false, nulBytes, paused: true };
        }
      }
      if (skipping || filled - start > max) {
        if (!skipping) emit(buffer, start, filled, max, onLine);
        skipping = true;
        start = filled; // the rest of the line is not kept
      }
    }
    // No read is ahead here: one is issued only while the range goes on, and the loop takes it before it ends.
    if (filled > start && state.final && !reachedEnd) {
      emit(buffer, start, filled, max, onLine);
      return { offset: base + filled, skipToNewline: false, nulBytes, paused: false };
    }
    return { offset: base + start, skipToNewline: skipping, nulBytes, paused: false };
  }

  /** The chunk at `position` read into `buffer` after its headroom: the read issued ahead if it is that one. */
  async #read(handle: FileHandle, buffer: Buffer, position: number, to: number): Promise<number> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    if (ahead) {
      const result = await ahead.result;
      if (ahead.handle === handle && ahead.buffer === buffer && ahead.position === position) {
        if (result instanceof Error) throw result;
        return Math.min(result, to - position); // a scan resumed with a nearer end ignores the bytes past it
      }
    }
    const want = Math.min(this.#chunkBytes, to - position);
    return (await handle.read(buffer, this.#headroom, want, position)).bytesRead;
  }

  /** Starts reading the chunk at `position` into `buffer` (the one not in use), when the range goes on. */
  #readAhead(handle: FileHandle, buffer: Buffer, position: number, to: number): void {
    if (position >= to) return;
    const want = Math.min(this.#chunkBytes, to - position);
    const result = handle.read(buffer, this.#headroom, want, position).then(
      ({ bytesRead }) => bytesRead,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    this.#ahead = { handle, buffer, position, result };
  }

  /** Waits for a read issued ahead that will not be used (its buffer is about to be written). */
  async #dropReadAhead(): Promise<void> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    if (ahead) await ahead.result;
  }
}

/**
 * Hands out the lines of `block` (whole lines of ASCII bytes, decoded at once: a character per byte, so lengths are
 * byte counts), as slices of it (`shared`). Stops after a line whose handler returns false. Returns the bytes
 * consumed and the NUL padding skipped.
 */
function emitBlock(
  block: string,
  max: number,
  onLine: LineHandler,
): { consumed: number; nulBytes: number; paused: boolean } {
  let nulBytes = 0;
  let at = 0;
  while (at < block.length) {
    if (block.charCodeAt(at) === 0) {
      const padding = at;
      while (at < block.length && block.charCodeAt(at) === 0) at++;
      nulBytes += at - padding;
      if (at === block.length) break;
    }
    const newline = block.indexOf('\n', at);
    let stop = newline;
    if (stop > at && block.charCodeAt(stop - 1) === CARRIAGE_RETURN) stop--;
    const more =
      stop - at > max ? onLine(block.slice(at, at + max), true, true) : onLine(block.slice(at, stop), false, true);
    at = newline + 1;
    if (more === false) return { consumed: at, nulBytes, paused: true };
  }
  return { consumed: block.length, nulBytes, paused: false };
}

function emit(buffer: Buffer, start: number, end: number, max: number, onLine: LineHandler) {
  let stop = end;
  if (stop > start && buffer[stop - 1] === CARRIAGE_RETURN) stop--;
  if (stop - start > max) return onLine(buffer.toString('utf8', start, start + max), true, false);
  return onLine(buffer.toString('utf8', start, stop), false, false);
}
