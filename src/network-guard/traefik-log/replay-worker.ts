// Worker thread: replays line-aligned byte ranges of a Traefik log, in order, and posts their batches (prefiltered, parsed
// events plus counters) to the thread that runs the detector. It runs ahead of the detector by at most
// MAX_PENDING_EVENTS unconsumed events: ordinary traffic (mostly prefiltered away) streams through at full speed,
// while a range whose every line survives the prefilter cannot pile up in memory. (2,500 events: the daemon catching
// up on a million one-probe clients in 1 KB lines peaked at 243 to 263 MB, 266 to 271 MB with 5,000; a two-thread
// scan of the ordinary 1M-line log took the same 1.98 to 2.20 s with either, three runs each. When each thread had
// one half of the file, 2,500 made that scan 20% slower: the worker stalled while the detector's thread read its
// half. Ranges alternate now, and in a flood the workers read them all, so few of a worker's events wait.)
import type { FileHandle } from 'node:fs/promises';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { encodeEvents } from './event-wire.ts';
import { createPrefilter } from './prefilter.ts';
import { RangeClaims } from './range-claims.ts';
import { type ReplayOptions, replayFile, replayScanner } from './replay-file.ts';

export interface ReplayWorkerData {
  path: string;
  options: Omit<ReplayOptions, 'prefilter' | 'start' | 'end' | 'scanner' | 'handle'>;
  /** The file, opened by the detector's thread when the replay began (transferred). */
  handle: FileHandle;
  /** All the ranges of the file, in file order. */
  ranges: Array<{ start: number; end: number }>;
  /** Who replays each range (RangeClaims' shared memory); a 'range-end' naming the range follows its batches. */
  claims: Int32Array;
  /** This worker's claim value (1, 2, ...). */
  id: number;
  /**
   * Where the batches go. The detector's thread takes them from it when it wants them (receiveMessageOnPort), so a
   * batch waits there serialized, off both heaps; a message on parentPort after each tells that thread one is there.
   */
  batches: MessagePort;
  /** Needles for the prefilter (functions cannot cross threads); none: every line is parsed. */
  prefilter?: { paths: string[]; agents: string[] };
}

export const MAX_PENDING_EVENTS = 2_500;
/**
 * Events per posted batch. A batch's lines live until it is posted, so each young-generation collection copies the
 * batch in progress: with 64 instead of replayFile's 256, a flood of 920-byte probes read with two threads took 6%
 * less CPU and wall time (four runs each; ordinary logs, whose batches end at 1 MiB of lines, the same).
 */
const WORKER_BATCH_EVENTS = 64;

const port = parentPort;
if (!port) throw new Error('replay-worker.ts runs as a worker thread');
const data = workerData as ReplayWorkerData;
let pending = 0;
let wake: (() => void) | undefined;
port.on('message', (consumed: number) => {
  pending -= consumed;
  wake?.();
});
const { batches } = data;
const post = (message: unknown, transfer: ArrayBuffer[] = []) => {
  batches.postMessage(message, transfer);
  port.postMessage(null);
};
const prefilter = data.prefilter && createPrefilter(data.prefilter.paths, data.prefilter.agents);
try {
  const scanner = replayScanner(data.options);
  const { handle } = data;
  const claims = new RangeClaims(data.claims);
  let waited = false;
  for (let index = claims.nextForWorker(data.id, -1, false); index >= 0; ) {
    const range = data.ranges[index]!;
    // The time this range took to read, its waits for the detector's thread left out (range-claims.ts compares it).
    let readMs = -performance.now();
    for await (const batch of replayFile(data.path, {
      ...data.options,
      ...range,
      prefilter,
      scanner,
      handle,
      maxBatchEvents: WORKER_BATCH_EVENTS,
      textStarts: true,
    })) {
      if (pending > MAX_PENDING_EVENTS) {
        waited = true;
        readMs += performance.now();
        while (pending > MAX_PENDING_EVENTS) await new Promise<void>((resolve) => (wake = resolve));
        readMs -= performance.now();
      }
      pending += batch.events.length;
      // The events go as typed arrays and spans of their lines (event-wire.ts), not as objects to clone.
      const { events, textStarts, ...counters } = batch;
      const { wire, transfer } = encodeEvents(events, textStarts);
      post({ type: 'batch', batch: { ...counters, events: [] }, wire }, transfer);
    }
    post({ type: 'range-end', range: index, readMs: readMs + performance.now() });
    index = claims.nextForWorker(data.id, index, waited);
    waited = false;
  }
  post({ type: 'done' });
} catch (error) {
  post({ type: 'error', message: (error as Error).message ?? String(error) });
}
await data.handle.close().catch(() => undefined);
batches.close();
port.unref();
