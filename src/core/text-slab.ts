const DEFAULT_CHUNK_BYTES = 256 * 1024;
/**
 * Emptied chunks kept for reuse: at least a few, and an eighth of the chunks in use, since texts are often released
 * in bursts (an eviction frees a twentieth of a table at once). More are left to the collector, which frees them
 * only at its next full collection: a flood would otherwise pile up dead chunks between two.
 */
const MIN_SPARE_CHUNKS = 4;
const SPARE_SHARE = 1 / 8;

/**
 * Strings kept outside the JS heap, as UTF-8 in chunks: for many long-lived texts that are seldom read again (a
 * one-probe client's log line, kept in case it comes back) they cost their bytes and nothing more. On the heap the
 * same lines are copied by every young-generation collection they survive, marked by every full one, and counted in
 * the old generation's growth. Each text is released once (its chunk is reused when all its texts are), so memory
 * follows the texts held, not the collector. UTF-8 is exact for well-formed strings (a lone surrogate comes back as
 * U+FFFD, as it would from SQLite).
 */
export class TextSlab {
  readonly #chunkBytes: number;
  readonly #maxChunks: number;
  readonly #chunks: Array<Buffer | undefined> = [];
  /** Texts appended and not released, per chunk. */
  readonly #held: number[] = [];
  /** Emptied chunks ready for reuse, and indexes whose chunk was given up. */
  readonly #spare: number[] = [];
  readonly #vacant: number[] = [];
  #current = -1;
  #used = 0;
  /** Chunks holding texts not released (the current one included). */
  #inUse = 0;
  /** Where the last `append` put its text. */
  lastChunk = -1;
  lastStart = 0;
  lastEnd = 0;

  /** `maxBytes` bounds the chunks holding texts (spare ones are reused first); past it `append` refuses. */
  constructor(maxBytes: number, chunkBytes = DEFAULT_CHUNK_BYTES) {
    this.#chunkBytes = chunkBytes;
    this.#maxChunks = Math.max(1, Math.floor(maxBytes / chunkBytes));
  }

  /** The longest text `append` takes: at most 3 UTF-8 bytes per UTF-16 code unit must fit in one chunk. */
  get maxLength(): number {
    return Math.floor(this.#chunkBytes / 3);
  }

  /** Bytes held in chunks, spare ones included. */
  get bytes(): number {
    return this.#chunks.reduce((sum, chunk) => sum + (chunk?.length ?? 0), 0);
  }

  /**
   * Copies `text` (at most maxLength code units) into the current chunk; the text is then at `lastChunk`,
   * [`lastStart`, `lastEnd`) for `read` and `release`. False, and nothing kept, when the slab is full.
   */
  append(text: string): boolean {
    if (text.length > this.maxLength) throw new RangeError(`a text of ${text.length} code units is too long`);
    if (this.#current < 0 || this.#chunkBytes - this.#used < text.length * 3) {
      if (!this.#nextChunk()) return false;
    }
    this.lastChunk = this.#current;
    this.lastStart = this.#used;
    this.#used += this.#chunks[this.#current]!.write(text, this.#used);
    this.lastEnd = this.#used;
    this.#held[this.#current]!++;
    return true;
  }

  read(chunk: number, start: number, end: number): string {
    return this.#chunks[chunk]!.toString('utf8', start, end);
  }

  /** The text in `chunk` is no longer needed (call once per append). */
  release(chunk: number): void {
    if (--this.#held[chunk]! === 0 && chunk !== this.#current) this.#retire(chunk);
  }

  #retire(chunk: number): void {
    this.#inUse--;
    this.#spare.push(chunk);
    const keep = Math.max(MIN_SPARE_CHUNKS, Math.floor(this.#inUse * SPARE_SHARE));
    while (this.#spare.length > keep) {
      const dropped = this.#spare.pop()!;
      this.#chunks[dropped] = undefined;
      this.#vacant.push(dropped);
    }
  }

  /** Moves on to an empty chunk (spare, else new); false when that would pass the bound. */
  #nextChunk(): boolean {
    // The chunk being left may already be empty: then it is spare at once.
    const left = this.#current;
    if (left >= 0 && this.#held[left] === 0) {
      this.#retire(left);
      this.#current = -1;
    }
    const spare = this.#spare.pop();
    if (spare !== undefined) this.#current = spare;
    else if (this.#inUse >= this.#maxChunks) return false;
    else {
      this.#current = this.#vacant.pop() ?? this.#chunks.length;
      this.#chunks[this.#current] = Buffer.allocUnsafeSlow(this.#chunkBytes);
    }
    this.#held[this.#current] = 0;
    this.#used = 0;
    this.#inUse++;
    return true;
  }
}
