import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogEvent } from '../../core/log-event.ts';
import { findRotated, HEAD_BYTES } from '../../core/rotated-files.ts';
import type { PositionStore } from '../../store/position-store.ts';
import { ClientIpResolver } from './client-ip.ts';
import { ContainerFragments } from './container-log.ts';
import { hashHead, lastLineStart, type OpenedCopy, openCopy, openRotated, statOrUndefined } from './file-identity.ts';
import { LineScanner, type ScanOutcome } from './line-scanner.ts';
import { type ParallelReplayOptions, replayFileParallel } from './parallel-replay.ts';
import {
  DEFAULT_MAX_LINE_BYTES,
  type ParseOptions,
  parseTraefikLine,
  scannedLineOptions,
  type TraefikLogFormat,
} from './parse-traefik-line.ts';
import type { LinePrefilter } from './prefilter.ts';
import {
  countResult,
  emptyStats,
  MAX_BATCH_CHARS,
  type SourceBatch,
  type SourceStats,
  type TraefikFilePosition,
} from './source-batch.ts';

export interface TraefikFileSourceOptions {
  path: string;
  format?: TraefikLogFormat;
  /** Where a first start (no saved position) begins. */
  startAt?: 'beginning' | 'end';
  maxLineBytes?: number;
  trustedProxies?: readonly string[];
  positions: PositionStore;
  /** Key of the saved position; default `traefik-file:<absolute path>`. */
  sourceId?: string;
  prefilter?: LinePrefilter;
  pollIntervalMs?: number;
  /** tail() also wakes on file-system events for the file's directory (inotify), not only every pollIntervalMs. */
  watch?: boolean;
  /** Bytes read per read() call unless told otherwise. */
  maxBytesPerRead?: number;
  /**
   * Events per batch at most (default 256): a large read is handed out in small batches (read() goes on with the
   * bytes already read), so its events are collected young instead of a whole read's worth being promoted. A batch
   * also ends after MAX_BATCH_CHARS (1 MiB) of lines.
   */
  maxBatchEvents?: number;
  /** Called by tail() when a read fails (permissions, I/O); tail keeps polling. */
  onError?: (error: unknown) => void;
  /** How a large backlog is read with more than one thread (see CatchUpOptions); absent: this thread alone. */
  catchUp?: CatchUpOptions;
}

/**
 * A backlog of at least `minBacklogBytes` unread complete lines in the current file (the daemon was down, or lines
 * are written faster than one thread reads) is read by `threads` threads, as `scan --threads` reads a file: worker
 * threads read, prefilter and parse line-aligned ranges, and their batches come back in file order, so the detector
 * sees the same events in the same order. The workers stop when the backlog is read.
 *
 * Ordinary traffic (reading and parsing are the slow part): a 1 GB backlog took 2.28 s instead of 2.82, medians of
 * five. A flood of probes (every line judged, on this thread): the workers read every range then (range-claims.ts),
 * and a million one-probe clients took 5.0 s instead of 6.2 (medians of three, bench/README "Session 10"), at 226 to
 * 253 MB (the bounds that keep it there: MAX_PENDING_EVENTS of replay-worker.ts, a worker's young generation in
 * parallel-replay.ts, the first sightings' raw lines).
 */
export interface CatchUpOptions extends Pick<ParallelReplayOptions, 'threads' | 'minBytesPerThread' | 'rangeBytes'> {
  /** The prefilter's needles (the workers build their own prefilter from them); none: every line is parsed. */
  prefilter?: ParallelReplayOptions['prefilter'];
  /** Default 64 MiB: two ranges' worth, below which a worker's start-up costs more than it saves. */
  minBacklogBytes?: number;
}

const DEFAULT_READ_BYTES = 8 * 1024 * 1024;
const DEFAULT_BATCH_EVENTS = 256;
const MIN_BACKLOG_BYTES = 64 * 1024 * 1024;

interface OpenFile {
  handle: FileHandle;
  dev: number;
  ino: number;
}

/** A backlog being read by several threads (CatchUpOptions): its batches, from the open file's handle. */
interface CatchingUp {
  handle: FileHandle;
  batches: AsyncGenerator<SourceBatch>;
}

/** A read handed out in batches: the next batch starts at `offset` of the same file and goes on to the same `end`. */
interface ContinuingRead {
  handle: FileHandle;
  offset: number;
  end: number;
}

/**
 * Follows a Traefik access-log file. read() returns what is available now with the position after it; the caller
 * commits that position (in its own transaction, after processing the events), so a restart neither repeats nor
 * skips lines. Rotation by rename (the old file is finished first, even across a restart when it is still in the
 * directory), copytruncate and in-place replacement (size below the offset or a changed head) are recognised.
 */
export class TraefikFileSource {
  readonly sourceId: string;
  readonly path: string;
  readonly #options: TraefikFileSourceOptions;
  readonly #parseOptions: ParseOptions;
  /** The options for each line the scanner hands out (scannedLineOptions). */
  readonly #lineOptions: (cut: boolean, shared: boolean) => ParseOptions;
  readonly #scanner: LineScanner;
  /** The fragments open in a container log where the last scan ended (its handle and offset). */
  readonly #fragments = new ContainerFragments();
  #fragmentsAt: { handle: FileHandle; offset: number } | undefined;
  readonly #pollIntervalMs: number;
  #file: OpenFile | undefined;
  /**
   * A rotated-away file still being finished before the current one. `renamed`: the writer's own file, renamed away;
   * it may still be appending to it (until logrotate's postrotate signal makes it reopen the path), so it is only
   * finished once the file at the path has something in it. A copy (copytruncate's, a decompressed one) is complete.
   */
  #draining: { file: OpenFile; offset: number; skipToNewline: boolean; renamed: boolean } | undefined;
  #cursor: TraefikFilePosition | undefined;
  #continuing: ContinuingRead | undefined;
  #catchingUp: CatchingUp | undefined;
  /** A parallel catch-up failed once (a worker could not start or died): this thread reads alone from then on. */
  #catchUpFailed = false;
  readonly #maxBatchEvents: number;
  #watcher: FSWatcher | undefined;
  #changed = false;
  #wake: (() => void) | undefined;

  constructor(options: TraefikFileSourceOptions) {
    this.#options = options;
    this.path = resolve(options.path);
    this.sourceId = options.sourceId ?? `traefik-file:${this.path}`;
    const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#parseOptions = {
      format: options.format ?? 'auto',
      maxLineBytes,
      resolver: new ClientIpResolver(options.trustedProxies ?? []),
      prefilter: options.prefilter,
      fragments: this.#fragments,
    };
    this.#lineOptions = scannedLineOptions(this.#parseOptions);
    this.#scanner = new LineScanner({ chunkBytes: 1024 * 1024, maxLineBytes });
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#maxBatchEvents = Math.max(1, options.maxBatchEvents ?? DEFAULT_BATCH_EVENTS);
  }

  /**
   * Reads the lines available now, up to about maxBytes, in batches of at most `maxBatchEvents` events: a batch with
   * `readContinues` is followed by more of the same read (the caller drains and commits after the read's last one).
   */
  async read(requestedBytes = this.#options.maxBytesPerRead ?? DEFAULT_READ_BYTES): Promise<SourceBatch> {
    // A range must be able to hold a whole line plus its newline, or a read could end without progress.
    const maxBytes = Math.max(requestedBytes, (this.#parseOptions.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES) + 1);
    const notices: string[] = [];
    const events: LogEvent[] = [];
    const stats = emptyStats();
    if (this.#cursor === undefined) this.#cursor = await this.#initialPosition(notices);
    if (this.#draining) return this.#readDraining(maxBytes, events, stats, notices);
    if (this.#catchingUp) {
      const batch = await this.#readCatchingUp(this.#catchingUp);
      if (batch) return batch;
    }

    // The rest of a read handed out in batches: the file was checked when the read began (a stat, a hash of its
    // head), and is checked again when the next one begins. Checking at every batch of 256 events left the
    // daemon waiting on those reads a sixth of the time while it caught up with a flood.
    const continuing = this.#continuing;
    const file = this.#file;
    if (file && continuing?.handle === file.handle && continuing.offset === this.#cursor.offset) {
      const batch = await this.#readOn(file, this.#cursor, this.#cursor.size, maxBytes, { events, stats, notices });
      if (batch.readContinues) return batch;
      // The read's last batch: more to do if the file grew, shrank or was rotated meanwhile (the next read sees how).
      const now = await statOrUndefined(this.path);
      const changed = !now || now.ino !== file.ino || now.dev !== file.dev || now.size !== this.#cursor.size;
      return changed ? { ...batch, hasMore: true } : batch;
    }
    const current = await statOrUndefined(this.path);
    if (this.#file && (!current || current.ino !== this.#file.ino || current.dev !== this.#file.dev)) {
      // Renamed away (rotation): finish what was written to the old file, then start on the new one.
      notices.push(`${this.path} was rotated; finishing the previous file`);
      this.#draining = {
        file: this.#file,
        offset: this.#cursor.offset,
        skipToNewline: !!this.#cursor.skipToNewline,
        renamed: true,
      };
      this.#file = undefined;
      return this.#readDraining(maxBytes, events, stats, notices);
    }
    if (!current) return { events, stats, position: this.#cursor, hasMore: false, notices };
    if (!this.#file) {
      // The identity comes from the opened descriptor: the path may have been rotated since the stat above.
      const handle = await open(this.path, 'r');
      const opened = await handle.stat();
      this.#file = { handle, dev: opened.dev, ino: opened.ino };
      if (this.#cursor.ino !== opened.ino || this.#cursor.dev !== opened.dev) {
        this.#cursor = this.#fresh(opened, 0);
      }
    }
    const size = (await this.#file.handle.stat()).size;
    let cursor = this.#cursor;
    let reset: string | undefined;
    if (size < cursor.offset) reset = 'shrank below the read offset (truncated)';
    else if (cursor.headLength > 0 && (await hashHead(this.#file.handle, cursor.headLength)) !== cursor.headHash) {
      reset = 'was replaced in place (its first bytes changed)';
    }
    if (reset) {
      const copy = await openCopy(this.path, cursor, this.#file.ino, (text) => notices.push(text));
      if (copy) {
        // copytruncate: the lines we had not read yet went into the copy; finish it first.
        notices.push(`${this.path} ${reset}; finishing its copy ${copy.name} first`);
        this.#draining = {
          file: copy,
          offset: cursor.offset,
          skipToNewline: !!cursor.skipToNewline,
          renamed: false,
        };
        return this.#readDraining(maxBytes, events, stats, notices);
      }
      notices.push(`${this.path} ${reset}; reading it again from the start`);
      cursor = this.#fresh(this.#file, size);
    }
    if (this.#shouldCatchUp(cursor, size)) {
      this.#cursor = cursor;
      const batch = await this.#startCatchingUp(this.#file, cursor, size);
      if (batch) return batch;
    }
    return this.#readOn(this.#file, cursor, size, maxBytes, { events, stats, notices });
  }

  #shouldCatchUp(cursor: TraefikFilePosition, size: number): boolean {
    const catchUp = this.#options.catchUp;
    if (!catchUp || catchUp.threads < 2 || this.#catchUpFailed || cursor.skipToNewline) return false;
    return size - cursor.offset >= (catchUp.minBacklogBytes ?? MIN_BACKLOG_BYTES);
  }

  /** Starts reading the backlog's complete lines with several threads; its first batch, or undefined (nothing). */
  async #startCatchingUp(file: OpenFile, cursor: TraefikFilePosition, size: number): Promise<SourceBatch | undefined> {
    // Only complete lines: the last one may still be being written (the reads after the catch-up wait for it).
    const end = await lastLineStart(file.handle, size);
    if (end <= cursor.offset) return undefined;
    const { threads, prefilter, minBytesPerThread, rangeBytes } = this.#options.catchUp!;
    const batches = replayFileParallel(this.path, {
      format: this.#parseOptions.format,
      maxLineBytes: this.#parseOptions.maxLineBytes,
      trustedProxies: this.#options.trustedProxies,
      prefilter,
      threads,
      minBytesPerThread,
      rangeBytes,
      maxBatchEvents: this.#maxBatchEvents,
      // Reads of this thread's size: the caller drains and commits at their ends, as often as without workers.
      chunkBytes: this.#options.maxBytesPerRead ?? DEFAULT_READ_BYTES,
      start: cursor.offset,
      end,
      handle: file.handle,
    });
    this.#catchingUp = { handle: file.handle, batches };
    const batch = await this.#readCatchingUp(this.#catchingUp);
    const megabytes = ((end - cursor.offset) / 1e6).toFixed(1);
    batch?.notices.unshift(`${this.path}: reading a backlog of ${megabytes} MB with up to ${threads} threads`);
    return batch;
  }

  /**
   * The catch-up's next batch, at the position after it in this file; undefined once the backlog is read (the next
   * read goes on from there as usual). A failure ends the catch-up for good and is thrown: the caller reads again
   * from the last position it committed, with this thread alone.
   */
  async #readCatchingUp(catchingUp: CatchingUp): Promise<SourceBatch | undefined> {
    const file = this.#file;
    let next: IteratorResult<SourceBatch>;
    try {
      if (file?.handle !== catchingUp.handle) throw new Error('the file changed during a catch-up');
      next = await catchingUp.batches.next();
    } catch (error) {
      this.#catchingUp = undefined;
      this.#catchUpFailed = true;
      await catchingUp.batches.return(undefined).catch(() => undefined);
      throw new Error(
        `${this.path}: reading a backlog with several threads failed, this thread goes on alone: ${(error as Error).message ?? error}`,
      );
    }
    if (next.done) {
      this.#catchingUp = undefined;
      return undefined;
    }
    const batch = next.value;
    const cursor = await this.#positionAfter(file, this.#cursor!, batch.position.offset, batch.position.size, false);
    this.#cursor = cursor;
    // Every batch but the catch-up's last has more after it; where its reads end (readContinues) is where the caller
    // drains and commits, as with this thread's own reads.
    return { ...batch, position: cursor, hasMore: true };
  }

  /** Reads on from `cursor` in the open file of `size` bytes (a new read, or the rest of one). */
  async #readOn(
    file: OpenFile,
    cursor: TraefikFilePosition,
    size: number,
    maxBytes: number,
    sink: { events: LogEvent[]; stats: SourceStats; notices: string[] },
  ): Promise<SourceBatch> {
    const to = this.#readEnd(file.handle, cursor.offset, Math.min(size, cursor.offset + maxBytes));
    const outcome = await this.#scan(file.handle, cursor.offset, to, !!cursor.skipToNewline, false, sink);
    this.#cursor = await this.#positionAfter(file, cursor, outcome.offset, size, outcome.skipToNewline);
    const readContinues = outcome.paused;
    const { events, stats, notices } = sink;
    return { events, stats, position: this.#cursor, hasMore: readContinues || to < size, readContinues, notices };
  }

  /** Saves a position returned by read() (call it inside the transaction that stores the batch's results). */
  commit(position: TraefikFilePosition): void {
    this.#options.positions.set(this.sourceId, position);
  }

  /** Polls until the signal aborts, handing every non-empty batch to onBatch (which commits it). */
  async tail(signal: AbortSignal, onBatch: (batch: SourceBatch) => void | Promise<void>): Promise<void> {
    let last: TraefikFilePosition | undefined;
    /** The last batch handed on continues a read: its end is handed on even when it brings nothing new. */
    let readOpen = false;
    if (this.#options.watch && !this.#watcher) this.#startWatching();
    while (!signal.aborted) {
      let more = false;
      const before = this.#cursor;
      try {
        const batch = await this.read();
        more = batch.hasMore;
        const moved = !last || last.offset !== batch.position.offset || last.ino !== batch.position.ino;
        if (batch.stats.lines > 0 || batch.notices.length > 0 || moved || readOpen) await onBatch(batch);
        last = batch.position;
        readOpen = batch.readContinues === true;
      } catch (error) {
        if (!this.#options.onError) throw error;
        this.#options.onError(error);
        // The batch was not processed: read it again next time (possible while the same file is open).
        if (!this.#draining) {
          if (before === undefined) this.#cursor = undefined;
          else if (this.#file && before.ino === this.#file.ino && before.dev === this.#file.dev) this.#cursor = before;
        }
      }
      if (!more && !signal.aborted) await this.#wait(signal);
    }
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  /** Sleeps for the poll interval, or less when the watcher saw the file change. */
  async #wait(signal: AbortSignal): Promise<void> {
    if (this.#changed) {
      this.#changed = false;
      return;
    }
    const wake = new AbortController();
    const stop = () => wake.abort();
    signal.addEventListener('abort', stop, { once: true });
    this.#wake = stop;
    await sleep(this.#pollIntervalMs, undefined, { signal: wake.signal }).catch(() => undefined);
    signal.removeEventListener('abort', stop);
    this.#wake = undefined;
    this.#changed = false;
  }

  #startWatching(): void {
    const name = basename(this.path);
    try {
      // The directory, not the file: a rotation replaces the file, and the new one must still wake us.
      this.#watcher = watch(dirname(this.path), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed !== name && !changed.startsWith(name)) return;
        this.#changed = true;
        this.#wake?.();
      });
      this.#watcher.on('error', () => {
        this.#watcher?.close();
        this.#watcher = undefined; // polling alone goes on
      });
    } catch {
      this.#watcher = undefined; // no inotify (limits, file systems without it): polling alone
    }
  }

  async close(): Promise<void> {
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#catchingUp?.batches.return(undefined);
    this.#catchingUp = undefined;
    await this.#file?.handle.close();
    await this.#draining?.file.handle.close();
    this.#file = undefined;
    this.#draining = undefined;
  }

  async #readDraining(
    maxBytes: number,
    events: LogEvent[],
    stats: SourceStats,
    notices: string[],
  ): Promise<SourceBatch> {
    const draining = this.#draining!;
    // Between logrotate's rename and the writer's reopen (postrotate's USR1/HUP) the writer still appends to the
    // renamed file: the real logrotate showed 1 to 4 lines per rotation there. Until the file at the path has
    // something in it (the writer reopened; its writes go there from then on), the renamed file is not finished.
    // Stat the path first: what the renamed file holds after that is complete once the path has grown.
    const stillWritten = draining.renamed && !((await statOrUndefined(this.path))?.size ?? 0);
    const size = (await draining.file.handle.stat()).size;
    const to = this.#readEnd(draining.file.handle, draining.offset, Math.min(size, draining.offset + maxBytes));
    // The writer has moved to the new file, so a last line without a newline is complete.
    const final = to === size && !stillWritten;
    const outcome = await this.#scan(draining.file.handle, draining.offset, to, draining.skipToNewline, final, {
      events,
      stats,
      notices,
    });
    draining.offset = outcome.offset;
    draining.skipToNewline = outcome.skipToNewline;
    if (outcome.offset < size || outcome.paused || stillWritten) {
      this.#cursor = { ...this.#cursor!, dev: draining.file.dev, ino: draining.file.ino, offset: outcome.offset, size };
      this.#cursor.skipToNewline = outcome.skipToNewline || undefined;
      const hasMore = outcome.paused || (outcome.offset < size && to < size);
      return { events, stats, position: this.#cursor, hasMore, readContinues: outcome.paused, notices };
    }
    await draining.file.handle.close();
    this.#draining = undefined;
    const next = await this.#nextRotated(draining.file, notices);
    if (next) {
      this.#draining = { file: next.file, offset: 0, skipToNewline: false, renamed: next.renamed };
      this.#cursor = next.cursor;
      return { events, stats, position: this.#cursor, hasMore: true, notices };
    }
    const current = await statOrUndefined(this.path);
    this.#cursor = current ? this.#fresh(current, current.size) : this.#fresh({ dev: 0, ino: 0 }, 0);
    if (current) notices.push(`finished the previous file; now reading ${this.path} from the start`);
    return { events, stats, position: this.#cursor, hasMore: current !== undefined && current.size > 0, notices };
  }

  /**
   * Where a read from `from` ends: where the read that paused there ends, when it did (so a read handed out in
   * batches ends, and is drained and committed, however many batches it takes), else `to`.
   */
  #readEnd(handle: FileHandle, from: number, to: number): number {
    const continuing = this.#continuing;
    this.#continuing = undefined;
    return continuing?.handle === handle && continuing.offset === from ? Math.min(continuing.end, to) : to;
  }

  /**
   * Scans [from, to) into the sink, pausing after `maxBatchEvents` events or MAX_BATCH_CHARS of lines (the scanner
   * keeps what it read).
   */
  async #scan(
    handle: FileHandle,
    from: number,
    to: number,
    skipToNewline: boolean,
    final: boolean,
    sink: { events: LogEvent[]; stats: SourceStats; notices: string[] },
  ): Promise<ScanOutcome> {
    const options = this.#lineOptions;
    const { events, stats } = sink;
    const maxEvents = this.#maxBatchEvents;
    let chars = 0;
    const linesBefore = stats.lines;
    const eventsBefore = events.length;
    // A read that does not go on from where the last one ended (another file, a restart, after a catch-up) first
    // reads the records before it.
    if (this.#fragmentsAt?.handle !== handle || this.#fragmentsAt.offset !== from)
      await this.#fragments.readBefore(handle, from);
    const outcome = await this.#scanner.scan(handle, from, to, { skipToNewline, final }, (line, cut, shared) => {
      chars += line.length;
      if (line.length === 0 || (line.length < 3 && line.trim() === '')) {
        stats.lines++;
        stats.skipped++;
      } else countResult(stats, events, parseTraefikLine(line, options(cut, shared)), cut);
      return events.length < maxEvents && chars < MAX_BATCH_CHARS;
    });
    this.#scanner.kept(stats.lines - linesBefore, events.length - eventsBefore);
    this.#fragmentsAt = { handle, offset: outcome.offset };
    // A pause at the read's end is no pause: nothing of the read is left.
    if (outcome.paused && outcome.offset >= to) outcome.paused = false;
    if (outcome.paused) this.#continuing = { handle, offset: outcome.offset, end: to };
    if (outcome.nulBytes > 0) {
      sink.notices.push(`${this.path}: skipped ${outcome.nulBytes} NUL bytes (a hole left by copytruncate?)`);
    }
    return outcome;
  }

  async #initialPosition(notices: string[]): Promise<TraefikFilePosition> {
    const saved = this.#options.positions.get<TraefikFilePosition>(this.sourceId);
    const current = await statOrUndefined(this.path);
    if (saved && typeof saved.offset === 'number' && typeof saved.ino === 'number' && saved.ino !== 0) {
      const sameInode = current?.ino === saved.ino && current.dev === saved.dev;
      if (current && sameInode && (await this.#hasSavedHead(saved))) return { ...saved, path: this.path };
      if (sameInode) notices.push(`${this.path} was replaced in place while stopped (its first bytes changed)`);
      // Rotated while we were stopped, once or more: the saved file (plain, or compressed since: found by its first
      // bytes) is finished first, then every file rotated after it (read() goes on with them), then the current one.
      const found = await findRotated(this.path, saved, current?.ino ?? -1);
      let opened = found && (await openRotated(found, (text) => notices.push(text)));
      if (opened && (await opened.handle.stat()).size < saved.offset) {
        // A compressed copy with our first bytes that ends before what we had read: not the file we read.
        await opened.handle.close();
        opened = undefined;
      }
      if (found && opened) {
        notices.push(`${this.path} was rotated while stopped; finishing ${found.path}`);
        this.#draining = {
          file: opened,
          offset: saved.offset,
          skipToNewline: !!saved.skipToNewline,
          renamed: !found.compression && found.newer.length === 0,
        };
        return { ...saved, path: this.path };
      }
      notices.push(`${this.path} is a different file than the saved position and the old one is gone; from the start`);
      return current ? this.#fresh(current, current.size) : this.#fresh({ dev: 0, ino: 0 }, 0);
    }
    if (!current) return this.#fresh({ dev: 0, ino: 0 }, 0);
    if (this.#options.startAt !== 'end' || current.size === 0) return this.#fresh(current, current.size);
    // Begin after the last complete line; a partial one in progress is skipped up to its newline.
    const handle = await open(this.path, 'r');
    try {
      const start = await lastLineStart(handle, current.size);
      const position = this.#fresh(current, current.size);
      position.offset = start;
      if (start < current.size) position.skipToNewline = true;
      position.headLength = Math.min(HEAD_BYTES, start);
      position.headHash = await hashHead(handle, position.headLength);
      return position;
    } finally {
      await handle.close();
    }
  }

  /** The file at the path (the saved inode) begins with the saved first bytes: a freed inode is given out again. */
  async #hasSavedHead(saved: TraefikFilePosition): Promise<boolean> {
    if (!saved.headLength) return true;
    const handle = await open(this.path, 'r').catch(() => undefined);
    if (!handle) return false; // rotated away since the stat
    try {
      const opened = await handle.stat();
      if (opened.ino !== saved.ino || opened.dev !== saved.dev) return false;
      return (await hashHead(handle, saved.headLength)) === saved.headHash;
    } finally {
      await handle.close();
    }
  }

  /**
   * The file rotated after the one just finished (found again by its first bytes: it may have been renamed or
   * compressed meanwhile), open, with its position from 0; undefined when the file at the path comes next.
   */
  async #nextRotated(
    finished: OpenFile,
    notices: string[],
  ): Promise<{ file: OpenedCopy; renamed: boolean; cursor: TraefikFilePosition } | undefined> {
    const known = { ...this.#cursor!, dev: finished.dev, ino: finished.ino, offset: 0 };
    const current = await statOrUndefined(this.path);
    const found = await findRotated(this.path, known, current?.ino ?? -1);
    for (const next of found?.newer ?? []) {
      const file = await openRotated(next, (text) => notices.push(text));
      // Renamed meanwhile: the one after it is not the next one; the path is read from the start instead.
      if (!file) return undefined;
      const size = (await file.handle.stat()).size;
      const cursor = this.#fresh(file, size);
      cursor.headLength = Math.min(HEAD_BYTES, size);
      cursor.headHash = await hashHead(file.handle, cursor.headLength);
      const renamed = !next.compression && next === found!.newer.at(-1);
      notices.push(`${this.path}: reading ${next.path}, rotated after the file finished, in full`);
      return { file, renamed, cursor };
    }
    return undefined;
  }

  #fresh(identity: { dev: number; ino: number }, size: number): TraefikFilePosition {
    return { path: this.path, dev: identity.dev, ino: identity.ino, offset: 0, size, headHash: '', headLength: 0 };
  }

  async #positionAfter(
    file: OpenFile,
    cursor: TraefikFilePosition,
    offset: number,
    size: number,
    skipToNewline: boolean,
  ): Promise<TraefikFilePosition> {
    const position: TraefikFilePosition = { ...cursor, dev: file.dev, ino: file.ino, offset, size };
    if (skipToNewline) position.skipToNewline = true;
    else delete position.skipToNewline;
    const headLength = Math.min(HEAD_BYTES, offset);
    if (headLength > position.headLength) {
      position.headLength = headLength;
      position.headHash = await hashHead(file.handle, headLength);
    }
    return position;
  }
}
