import { stat } from 'node:fs/promises';
import { startCompiledWorker } from '../../core/compiled-worker.ts';
import { decodeEvents, type WireEvents } from './event-wire.ts';
import { splitAtLines } from './line-boundaries.ts';
import { createPrefilter } from './prefilter.ts';
import { type ReplayOptions, replayFile } from './replay-file.ts';
import type { ReplayWorkerData } from './replay-worker.ts';
import type { SourceBatch } from './source-batch.ts';

export interface ParallelReplayOptions extends Omit<ReplayOptions, 'prefilter' | 'start' | 'end'> {
  /** Prefilter needles (the detector's path and agent needles). */
  prefilter?: { paths: string[]; agents: string[] };
  /** Threads in all, this one included; 1 (or a small file) replays on this thread only. */
  threads: number;
  /** Smallest share worth a thread (default 32 MiB: below it the start-up of a worker costs more than it saves). */
  minBytesPerThread?: number;
}

const MIN_BYTES_PER_THREAD = 32 * 1024 * 1024;

type WorkerMessage =
  | { type: 'batch'; batch: SourceBatch; wire: WireEvents }
  | { type: 'done' }
  | { type: 'error'; message: string };

/**
 * replayFile, with reading, prefiltering and parsing spread over this thread and worker threads by line-aligned byte
 * ranges. Batches
 * come back in file order (every batch of the first range, then the second's...), so whoever consumes them (the one
 * detector) sees exactly the event sequence of a one-thread replay and reaches the same findings.
 */
export async function* replayFileParallel(path: string, options: ParallelReplayOptions): AsyncGenerator<SourceBatch> {
  const { prefilter, threads, minBytesPerThread = MIN_BYTES_PER_THREAD, ...rest } = options;
  const { size } = await stat(path);
  const wanted = Math.max(1, Math.min(threads, Math.floor(size / minBytesPerThread)));
  const bounds = wanted > 1 ? await splitAtLines(path, size, wanted) : [0, size];
  const local = { ...rest, prefilter: prefilter && createPrefilter(prefilter.paths, prefilter.agents) };
  if (bounds.length <= 2) {
    yield* replayFile(path, local);
    return;
  }
  // This thread reads the first range itself while the workers (started first, they take a moment to load) read
  // the others; their batches are consumed after it, range by range.
  const workers = bounds
    .slice(1, -1)
    .map((start, index) => startRange(path, rest, prefilter, start, bounds[index + 2]!));
  try {
    yield* replayFile(path, { ...local, start: 0, end: bounds[1] });
    for (const range of workers) yield* range.batches();
  } finally {
    await Promise.all(workers.map((range) => range.stop()));
  }
}

function startRange(
  path: string,
  options: Omit<ReplayOptions, 'prefilter' | 'start' | 'end'>,
  prefilter: ParallelReplayOptions['prefilter'],
  start: number,
  end: number,
) {
  const data: ReplayWorkerData = { path, options: { ...options, start, end }, prefilter };
  const worker = startCompiledWorker(new URL('./replay-worker.ts', import.meta.url), { workerData: data });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  const push = (message: WorkerMessage) => {
    queue.push(message);
    wake?.();
  };
  worker.on('message', push);
  worker.on('error', (error) => push({ type: 'error', message: error.message }));
  worker.on('exit', (code) => push(code === 0 ? { type: 'done' } : { type: 'error', message: `exit ${code}` }));
  return {
    async *batches(): AsyncGenerator<SourceBatch> {
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const message = queue.shift()!;
        if (message.type === 'done') return;
        if (message.type === 'error')
          throw new Error(`replay worker for bytes ${start}-${end} of ${path}: ${message.message}`);
        worker.postMessage(message.wire.count);
        yield { ...message.batch, events: decodeEvents(message.wire), hasMore: true };
      }
    },
    stop: () => worker.terminate(),
  };
}
