import { type FileHandle, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { LogEvent } from '../../core/log-event.ts';
import { ClientIpResolver } from './client-ip.ts';
import { ContainerFragments } from './container-log.ts';
import { LineScanner } from './line-scanner.ts';
import {
  DEFAULT_MAX_LINE_BYTES,
  type ParseOptions,
  parseTraefikLine,
  scannedLineOptions,
  TEXT_START_FIELDS,
  type TraefikLogFormat,
} from './parse-traefik-line.ts';
import type { LinePrefilter } from './prefilter.ts';
import { countResult, emptyStats, MAX_BATCH_CHARS, type SourceBatch } from './source-batch.ts';

export interface ReplayOptions {
  format?: TraefikLogFormat;
  maxLineBytes?: number;
  trustedProxies?: readonly string[];
  prefilter?: LinePrefilter;
  /** Bytes read per batch (default 4 MiB): memory stays bounded whatever the file size. */
  chunkBytes?: number;
  /** Characters of each line kept in event.raw (default 2048). */
  rawChars?: number;
  /**
   * Events per yielded batch at most (default 256): a read is handed out in small batches, so its events are
   * observed and collected young instead of a whole read's worth living long enough to be promoted. A batch also
   * ends after MAX_BATCH_CHARS (1 MiB) of lines.
   */
  maxBatchEvents?: number;
  /** Each batch says where its events' texts start in their lines (SourceBatch.textStarts), for a replay worker. */
  textStarts?: boolean;
  /** Read only [start, end) (both at line starts, see splitAtLines): one range of a parallel replay. */
  start?: number;
  end?: number;
  /**
   * The scanner (from replayScanner, with the same options) to read with, reused from one range to the next: its
   * buffers are 2 MB, which a replay per range would otherwise leave to the collector each time.
   */
  scanner?: LineScanner;
  /**
   * The file, already open (left open): every range of a parallel replay reads the file that was there when the
   * replay began, even if the path is rotated or deleted meanwhile.
   */
  handle?: FileHandle;
}

const DEFAULT_BATCH_EVENTS = 256;

/**
 * Streams a whole file once, from its first byte to the size it had when the replay started, in large reads (for
 * one-shot scans). A read is yielded in batches of at most `maxBatchEvents` events; all but its last batch have
 * `readContinues` (findings are drained once per read, after its last batch, whatever the batch size). Each batch
 * has the same counters as TraefikFileSource.read(); its position is informational (nothing is saved). A last line
 * without a newline is read too.
 */
export async function* replayFile(path: string, options: ReplayOptions = {}): AsyncGenerator<SourceBatch> {
  const absolute = resolve(path);
  const { maxLineBytes, chunkBytes } = readSizes(options);
  const maxBatchEvents = Math.max(1, options.maxBatchEvents ?? DEFAULT_BATCH_EVENTS);
  const parseOptions: ParseOptions = {
    format: options.format ?? 'auto',
    maxLineBytes,
    resolver: new ClientIpResolver(options.trustedProxies ?? []),
    prefilter: options.prefilter,
    rawChars: options.rawChars,
    textStarts: options.textStarts ? new Int32Array(TEXT_START_FIELDS) : undefined,
    fragments: new ContainerFragments(),
  };
  const optionsFor = scannedLineOptions(parseOptions);
  const scanner = options.scanner ?? replayScanner(options);
  const handle = options.handle ?? (await open(absolute, 'r'));
  try {
    const info = await handle.stat();
    const size = Math.min(info.size, options.end ?? info.size);
    let offset = options.start ?? 0;
    await parseOptions.fragments!.readBefore(handle, offset);
    let skipToNewline = false;
    let readEnd = 0; // the end of the read in progress (a paused scan goes on to the same end)
    let paused = false;
    while (offset < size) {
      const events: LogEvent[] = [];
      const stats = emptyStats();
      const lineStarts = parseOptions.textStarts;
      const textStarts = lineStarts ? new Int32Array(maxBatchEvents * TEXT_START_FIELDS) : undefined;
      if (!paused) readEnd = Math.min(size, offset + chunkBytes);
      const state = { skipToNewline, final: readEnd === size };
      let chars = 0;
      const outcome = await scanner.scan(handle, offset, readEnd, state, (line, cut, shared) => {
        chars += line.length;
        if (line.length === 0) {
          stats.lines++;
          stats.skipped++;
        } else {
          const before = events.length;
          countResult(stats, events, parseTraefikLine(line, optionsFor(cut, shared)), cut);
          if (textStarts && events.length > before) textStarts.set(lineStarts!, before * TEXT_START_FIELDS);
        }
        return events.length < maxBatchEvents && chars < MAX_BATCH_CHARS;
      });
      scanner.kept(stats.lines, events.length);
      // Going on with a paused read may hand out nothing (its rest is the start of the next read's first line).
      // Otherwise no progress only happens when the file shrank under us: what was there has been read.
      const progressed = outcome.offset > offset || paused;
      paused = outcome.paused;
      offset = progressed ? outcome.offset : size;
      skipToNewline = outcome.skipToNewline;
      yield {
        events,
        ...(textStarts && { textStarts }),
        stats,
        position: { path: absolute, dev: info.dev, ino: info.ino, offset, size, headHash: '', headLength: 0 },
        hasMore: offset < size,
        readContinues: paused && offset < size,
        notices:
          outcome.nulBytes > 0 ? [`${absolute}: skipped ${outcome.nulBytes} NUL bytes where lines should start`] : [],
      };
    }
  } finally {
    if (!options.handle) await handle.close();
  }
}

export function readSizes(options: ReplayOptions): { maxLineBytes: number; chunkBytes: number } {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // A range must be able to hold a whole line plus its newline, or it could end without progress.
  return { maxLineBytes, chunkBytes: Math.max(options.chunkBytes ?? 4 * 1024 * 1024, maxLineBytes + 1) };
}

/** The scanner replayFile reads with, for these options: a read's bytes go through buffers of a batch's size. */
export function replayScanner(options: ReplayOptions): LineScanner {
  const { maxLineBytes, chunkBytes } = readSizes(options);
  return new LineScanner({ chunkBytes: Math.min(chunkBytes, MAX_BATCH_CHARS), maxLineBytes });
}

/** The same as replayFile (both names are part of the source's API). */
export const replay = replayFile;
