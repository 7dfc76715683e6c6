import type { LogEvent } from '../../core/log-event.ts';
import type { ParseResult } from './parse-traefik-line.ts';

/** Counts of one read. lines = events + skipped + filtered; the other counters say why lines were skipped. */
export interface SourceStats {
  /** Every line read, blank and bad ones included. */
  lines: number;
  /** Lines that gave no event and were not filtered: blank, malformed, truncated, binary, unattributed, oversized. */
  skipped: number;
  malformed: number;
  truncated: number;
  binary: number;
  /** Lines longer than maxLineBytes; those whose head still parsed gave an event (and are not in `skipped`). */
  oversized: number;
  /** Rejected by the prefilter: ordinary traffic the detector does not need. */
  filtered: number;
  /** No valid client address outside the trusted proxies. */
  unattributed: number;
  /** A connection's line with no HTTP request in it (a TLS handshake on the HTTP port, nothing sent), answered 400/408. */
  not_http: number;
}

/** Where a Traefik file source stands: the file's identity and how far it has been read. */
export interface TraefikFilePosition {
  path: string;
  dev: number;
  ino: number;
  /** Bytes consumed: everything before is read (a partial last line is not consumed). */
  offset: number;
  /** File size when the position was taken. */
  size: number;
  /** sha256 of the first headLength bytes, to notice a file replaced or truncated and rewritten in place. */
  headHash: string;
  headLength: number;
  /** The line at `offset` was longer than maxLineBytes, already reported; skip to its newline. */
  skipToNewline?: boolean;
}

export interface SourceBatch {
  events: LogEvent[];
  /** When asked for (ReplayOptions.textStarts): per event, TEXT_START_FIELDS starts of its texts in its line. */
  textStarts?: Int32Array;
  stats: SourceStats;
  /** Give it to `commit()` once the events are processed. */
  position: TraefikFilePosition;
  /** More bytes were already available than this batch read: call read() again without waiting. */
  hasMore: boolean;
  /** More events of the same read follow in the next batch: drain findings after the read's last batch. */
  readContinues?: boolean;
  /** Rotation, truncation or replacement noticed during this read, in words (for the operator log). */
  notices: string[];
}

/**
 * A batch ends after this many characters of lines, events or not (as well as after its maximum of events).
 * Ordinary traffic is mostly prefiltered away: without this bound a 4 MiB read was one batch, one turn of the event
 * loop, and V8's concurrent collection work waited for it (a one-thread 1 GB scan held 13 MB more RSS).
 */
export const MAX_BATCH_CHARS = 1024 * 1024;

export function emptyStats(): SourceStats {
  return {
    lines: 0,
    skipped: 0,
    malformed: 0,
    truncated: 0,
    binary: 0,
    oversized: 0,
    filtered: 0,
    unattributed: 0,
    not_http: 0,
  };
}

/** Adds one parse result to the counters, and its event to the list. */
export function countResult(stats: SourceStats, events: LogEvent[], result: ParseResult, cut: boolean): void {
  stats.lines++;
  if (cut) stats.oversized++;
  if (result.ok) {
    if (result.oversized && !cut) stats.oversized++;
    events.push(result.event);
    return;
  }
  if (result.reason === 'filtered') {
    stats.filtered++;
    return;
  }
  stats.skipped++;
  if (result.reason === 'oversized') {
    if (!cut) stats.oversized++;
  } else stats[result.reason]++;
}

export function addStats(total: SourceStats, more: SourceStats): void {
  for (const key of Object.keys(total) as Array<keyof SourceStats>) total[key] += more[key];
}
