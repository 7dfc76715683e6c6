import { type FileHandle, open } from 'node:fs/promises';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { startCompiledWorker } from '../../core/compiled-worker.ts';
import { decodeEvents, type WireEvents } from './event-wire.ts';
import { splitAtLines } from './line-boundaries.ts';
import { createPrefilter } from './prefilter.ts';
import { type ReplayOptions, replayFile, replayScanner } from './replay-file.ts';
import type { ReplayWorkerData } from './replay-worker.ts';
import type { SourceBatch } from './source-batch.ts';

export interface ParallelReplayOptions
  extends Omit<ReplayOptions, 'prefilter' | 'start' | 'end' | 'scanner' | 'handle'> {
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
/** Ranges this thread reads alone first, while the workers load (64 MiB of ordinary traffic: 60 to 70 ms). */
const HEAD_START_RANGES = 2;

type WorkerMessage =
  | { type: 'batch'; batch: SourceBatch; wire: WireEvents }
  | { type: 'range-end' }
  | { type: 'done' }
  | { type: 'error'; message: string };

/**
 * replayFile, with reading, prefiltering and parsing spread over this thread and worker threads. The file is cut into
 * line-aligned ranges of about `rangeBytes`, which the threads take in turn once this thread has read the first
 * HEAD_START_RANGES alone (the workers are loading meanwhile). Batches come back in file order, so whoever consumes
 * them (the one detector) sees exactly the event sequence of a one-thread replay and reaches the same findings.
 *
 * Taking turns keeps a worker's finished batches, waiting for this thread to want them, at about one range's worth.
 * With one half of the file each, the second half's events waited until this thread had read the first half: 5,000
 * events held (the worker's bound) in an ordinary scan, about 6 MB of the peak.
 */
export async function* replayFileParallel(path: string, options: ParallelReplayOptions): AsyncGenerator<SourceBatch> {
  const { prefilter, threads, minBytesPerThread = MIN_BYTES_PER_THREAD, rangeBytes = RANGE_BYTES, ...rest } = options;
  const local = { ...rest, prefilter: prefilter && createPrefilter(prefilter.paths, prefilter.agents) };
  // Every thread reads the file that is there now, through handles opened here: a range read later must not open a
  // rotated or deleted path again (and read another file, or nothing).
  const handle = await open(path, 'r');
  const workers: Array<ReturnType<typeof startRanges>> = [];
  try {
    const file = await handle.stat();
    const wanted = Math.max(1, Math.min(threads, Math.floor(file.size / minBytesPerThread)));
    const parts = wanted > 1 ? Math.max(wanted, Math.ceil(file.size / rangeBytes)) : 1;
    const bounds = parts > 1 ? await splitAtLines(handle, file.size, parts) : [0, file.size];
    const ranges = bounds.slice(0, -1).map((start, index) => ({ start, end: bounds[index + 1]! }));
    const threadCount = Math.min(wanted, ranges.length);
    const workerHandles = await openSameFile(path, file, threadCount - 1);
    if (workerHandles.length < threadCount - 1) {
      // The path was replaced between two opens: this thread alone reads the file it opened first.
      yield* replayFile(path, { ...local, handle });
      return;
    }
    // Workers take a moment to load (80 to 110 ms to a first batch): this thread reads the first HEAD_START_RANGES
    // alone meanwhile, then the threads take turns.
    const head = Math.min(HEAD_START_RANGES, ranges.length - threadCount + 1);
    const owner = (range: number) => (range < head ? 0 : (range - head + 1) % threadCount);
    for (const [index, workerHandle] of workerHandles.entries()) {
      const own = ranges.filter((_, range) => owner(range) === index + 1);
      workers.push(startRanges(path, rest, prefilter, own, workerHandle));
    }
    const scanner = replayScanner(local);
    for (const [index, range] of ranges.entries()) {
      const thread = owner(index);
      if (thread === 0) yield* replayFile(path, { ...local, ...range, scanner, handle });
      else yield* workers[thread - 1]!.nextRange();
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await handle.close();
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

/** A worker replaying `ranges` in order; nextRange() hands out the batches of the next one. */
function startRanges(
  path: string,
  options: Omit<ReplayOptions, 'prefilter' | 'start' | 'end' | 'scanner' | 'handle'>,
  prefilter: ParallelReplayOptions['prefilter'],
  ranges: Array<{ start: number; end: number }>,
  handle: FileHandle,
) {
  const { port1: batches, port2 } = new MessageChannel();
  const data: ReplayWorkerData = { path, options, ranges, batches: port2, handle, prefilter };
  const worker = startCompiledWorker(new URL('./replay-worker.ts', import.meta.url), {
    workerData: data,
    transferList: [port2, handle],
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
  /** The worker's next message, taken off `batches` only now: until then it waits there serialized. */
  const receive = async (): Promise<WorkerMessage> => {
    for (;;) {
      const received = receiveMessageOnPort(batches);
      if (received) return received.message as WorkerMessage;
      if (ended) return ended;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  let next = 0;
  return {
    async *nextRange(): AsyncGenerator<SourceBatch> {
      const { start, end } = ranges[next++]!;
      for (;;) {
        const message = await receive();
        if (message.type === 'range-end') return;
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
