// Worker thread: replays one line-aligned byte range of a Traefik log and posts its batches (prefiltered, parsed
// events plus counters) to the thread that runs the detector. It runs ahead of the detector by at most
// MAX_PENDING_EVENTS unconsumed events: ordinary traffic (mostly prefiltered away) streams through at full speed,
// while a range whose every line survives the prefilter cannot pile up in memory. (5,000 events: two runs each, a
// flood of 1 KB probe lines peaked at 270 to 274 MB, 281 to 309 MB with 10,000, and the ordinary 1 GB log took the
// same 1.05 to 1.09 s; 2,500 made that one 1.26 to 1.32 s, and 1,024 30% slower: the worker stalls while the
// detector's thread reads the first range itself.)
import { parentPort, workerData } from 'node:worker_threads';
import { encodeEvents } from './event-wire.ts';
import { createPrefilter } from './prefilter.ts';
import { type ReplayOptions, replayFile } from './replay-file.ts';

export interface ReplayWorkerData {
  path: string;
  options: Omit<ReplayOptions, 'prefilter'>;
  /** Needles for the prefilter (functions cannot cross threads); none: every line is parsed. */
  prefilter?: { paths: string[]; agents: string[] };
}

export const MAX_PENDING_EVENTS = 5_000;

const port = parentPort;
if (!port) throw new Error('replay-worker.ts runs as a worker thread');
const data = workerData as ReplayWorkerData;
let pending = 0;
let wake: (() => void) | undefined;
port.on('message', (consumed: number) => {
  pending -= consumed;
  wake?.();
});
const prefilter = data.prefilter && createPrefilter(data.prefilter.paths, data.prefilter.agents);
try {
  for await (const batch of replayFile(data.path, { ...data.options, prefilter })) {
    while (pending > MAX_PENDING_EVENTS) await new Promise<void>((resolve) => (wake = resolve));
    pending += batch.events.length;
    // The events go as typed arrays and spans of their lines (event-wire.ts), not as objects to clone.
    const { wire, transfer } = encodeEvents(batch.events);
    port.postMessage({ type: 'batch', batch: { ...batch, events: [] }, wire }, transfer);
  }
  port.postMessage({ type: 'done' });
} catch (error) {
  port.postMessage({ type: 'error', message: (error as Error).message ?? String(error) });
}
port.unref();
