import { type FileHandle, open } from 'node:fs/promises';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { startCompiledWorker } from '../../core/compiled-worker.ts';
import { decodeEvents, type WireEvents } from './event-wire.ts';
import { splitAtReadEnds } from './line-boundaries.ts';
import { createPrefilter } from './prefilter.ts';
import { DETECTOR_THREAD, RangeClaims } from './range-claims.ts';
import { type ReplayOptions, readSizes, replayFile, replayScanner } from './replay-file.ts';
import type { ReplayWorkerData } from './replay-worker.ts';
import type { SourceBatch } from './source-batch.ts';

export interface ParallelReplayOptions extends Omit<ReplayOptions, 'prefilter' | 'scanner'> {
  /** Prefilter needles (the detector's path and agent needles). */
  prefilter?: { paths: string[]; agents: string[] };
  /** Threads in all, this one included; 1 (or a small file) replays on this thread only. */
  threads: number;
  /** Smallest share worth a thread (default 32 MiB: below it the start-up of a worker costs more than it saves). */
  minBytesPerThread?: number;
  /** Bytes of a range the threads take in turn (default 32 MiB). */
  rangeBytes?: number;
}

const MIN_BYTES_PER_THREAD = 32 * 1024 * 1024;
const RANGE_BYTES = 32 * 1024 * 1024;
/**
 * A worker's young generation (2 MB semi-spaces, as one-shot commands have; the daemon's own 8 MB would be copied
 * into each worker). The daemon catching up on a million one-probe clients peaked at 240 to 245 MB in three runs (a
 * median of 248 in three more) instead of 245 to 263 MB, as fast; an ordinary 1 GB backlog took the same 2.0 to
 * 2.6 s at 145 MB.
 */
const WORKER_YOUNG_GENERATION_MB = 6;

type WorkerMessage =
  | { type: 'batch'; batch: SourceBatch; wire: WireEvents }
  | { type: 'range-end'; range: number; readMs: number }
  | { type: 'done' }
  | { type: 'error'; message: string };

/**
 * replayFile, with reading, prefiltering and parsing spread over this thread and worker threads. The file is cut into
 * line-aligned ranges of about `rangeBytes`, each replayed by the thread that claims it (range-claims.ts). Batches come
 * back in file order, so whoever consumes them (the one detector) sees exactly the event sequence of a one-thread
 * replay and reaches the same findings.
 *
 * The share follows the work. This thread reads the first ranges alone while the workers load. In ordinary traffic
 * (mostly prefiltered away) it judges a worker's range in a fraction of the time the worker took to read it, and the
 * threads then take about every other range. When judging is the slow part (a flood where every line is a probe),
 * the workers claim every range and this thread only judges: a range it read itself left the worker idle once its
 * batches waited, and a third of a flood was read that way (range-claims.ts). A worker's finished batches, waiting
 * for this thread to want them, stay bounded by its MAX_PENDING_EVENTS.
 */
export async function* replayFileParallel(path: string, options: ParallelReplayOptions): AsyncGenerator<SourceBatch> {
  const { prefilter, threads, minBytesPerThread = MIN_BYTES_PER_THREAD, rangeBytes = RANGE_BYTES, ...rest } = options;
  const { start: from = 0, end: to, handle: given, ...reading } = rest;
  const local = { ...reading, prefilter: prefilter && createPrefilter(prefilter.paths, prefilter.agents) };
  // Every thread reads the file that is there now, through handles opened here (or the one given): a range read
  // later must not open a rotated or deleted path again (and read another file, or nothing).
  const handle = given ?? (await open(path, 'r'));
  const workers: Array<ReturnType<typeof startRanges>> = [];
  try {
    const file = await handle.stat();
    const end = Math.min(file.size, to ?? file.size);
    const bytes = Math.max(0, end - from);
    const wanted = Math.max(1, Math.min(threads, Math.floor(bytes / minBytesPerThread)));
    const parts = wanted > 1 ? Math.max(wanted, Math.ceil(bytes / rangeBytes)) : 1;
    const bounds = parts > 1 ? await splitAtReadEnds(handle, from, end, parts, readSizes(reading)) : [from, end];
    const ranges = bounds.slice(0, -1).map((start, index) => ({ start, end: bounds[index + 1]! }));
    const threadCount = Math.min(wanted, ranges.length);
    const workerHandles = await openSameFile(path, file, threadCount - 1);
    if (workerHandles.length < threadCount - 1) {
      // The path was replaced between two opens: this thread alone reads the file it opened first.
      yield* replayFile(path, { ...local, start: from, end, handle });
      return;
    }
    const claims = new RangeClaims(ranges.length);
    for (const [index, workerHandle] of workerHandles.entries())
      workers.push(startRanges(path, reading, prefilter, ranges, claims, index + 1, workerHandle));
    const scanner = replayScanner(local);
    for (const [index, range] of ranges.entries()) {
      const holder = claims.detectorReaches(index);
      if (holder === DETECTOR_THREAD) yield* replayFile(path, { ...local, ...range, scanner, handle });
      else yield* workers[holder - 1]!.nextRange(index);
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    if (!given) await handle.close();
  }
}

/** `count` more handles on the file `file` describes, or none when the path is another file by now. */
async function openSameFile(path: string, file: { dev: number; ino: number }, count: number): Promise<FileHandle[]> {
  const handles = await Promise.all(Array.from({ length: count }, () => open(path, 'r')));
  const stats = await Promise.all(handles.map((opened) => opened.stat()));
  if (stats.every((stat) => stat.dev === file.dev && stat.ino === file.ino)) return handles;
  await Promise.all(handles.map((opened) => opened.close()));
  return [];
}

/** Worker number `id`, replaying the ranges it claims, in order; nextRange() hands out the batches of one. */
function startRanges(
  path: string,
  options: Omit<ReplayOptions, 'prefilter' | 'start' | 'end' | 'scanner' | 'handle'>,
  prefilter: ParallelReplayOptions['prefilter'],
  ranges: Array<{ start: number; end: number }>,
  claims: RangeClaims,
  id: number,
  handle: FileHandle,
) {
  const { port1: batches, port2 } = new MessageChannel();
  const data: ReplayWorkerData = {
    path,
    options,
    ranges,
    claims: claims.shared,
    id,
    batches: port2,
    handle,
    prefilter,
  };
  const worker = startCompiledWorker(new URL('./replay-worker.ts', import.meta.url), {
    workerData: data,
    transferList: [port2, handle],
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  let ended: WorkerMessage | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', () => wake?.()); // a batch (or the end) is waiting on `batches`
  worker.on('error', (error) => {
    ended ??= { type: 'error', message: error.message };
    wake?.();
  });
  worker.on('exit', (code) => {
    ended ??= code === 0 ? { type: 'done' } : { type: 'error', message: `exit ${code}` };
    wake?.();
  });
  /** Milliseconds this thread waited for the worker's batches during the current range. */
  let waitedMs = 0;
  /** The worker's next message, taken off `batches` only now: until then it waits there serialized. */
  const receive = async (): Promise<WorkerMessage> => {
    for (;;) {
      const received = receiveMessageOnPort(batches);
      if (received) return received.message as WorkerMessage;
      if (ended) return ended;
      waitedMs -= performance.now();
      await new Promise<void>((resolve) => (wake = resolve));
      waitedMs += performance.now();
    }
  };
  return {
    /** The batches of range `index`, which this worker claimed (its earlier ones were all taken already). */
    async *nextRange(index: number): AsyncGenerator<SourceBatch> {
      const { start, end } = ranges[index]!;
      const began = performance.now();
      waitedMs = 0;
      for (;;) {
        const message = await receive();
        if (message.type === 'range-end') {
          if (message.range !== index) throw new Error(`replay worker: range ${message.range} ended, not ${index}`);
          // Busy is this thread's time in the range, judging the batches included (the consumer runs between them).
          claims.detectorFinished(performance.now() - began - waitedMs, message.readMs);
          return;
        }
        if (message.type === 'done') throw new Error(`replay worker for bytes ${start}-${end} of ${path}: ended early`);
        if (message.type === 'error')
          throw new Error(`replay worker for bytes ${start}-${end} of ${path}: ${message.message}`);
        worker.postMessage(message.wire.count);
        yield { ...message.batch, events: decodeEvents(message.wire), hasMore: true };
      }
    },
    stop: async () => {
      await worker.terminate();
      batches.close();
    },
  };
}
