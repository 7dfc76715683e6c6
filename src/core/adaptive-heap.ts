import { setFlagsFromString } from 'node:v8';

export interface AdaptiveHeapOptions {
  /** How often the CPU share is sampled. */
  intervalMs?: number;
  /** Share of one core above which the process is busy (V8 then sizes its heap for speed). */
  busyShare?: number;
  cpuUsage?: () => NodeJS.CpuUsage;
  setMemorySaver?: (on: boolean) => void;
}

/** Set while adaptHeapToLoad runs: leaves memory-saver mode at once (see heapBusyNow). */
let leaveMemorySaver: (() => void) | undefined;

/**
 * A caller that knows a burst of work has started (a backlog to read) says so: memory-saver mode, if on, goes off now
 * instead of at the end of the interval. A million new clients appended while the daemon was idle ran their first
 * five seconds compact, at twice the CPU per line. Does nothing when the heap is not adapting.
 */
export function heapBusyNow(): void {
  leaveMemorySaver?.();
}

/**
 * The long-running daemon's heap: compact while idle, fast while busy. V8's memory-saver mode keeps the old
 * generation close to its live size (the idle daemon holds about 25 MB less), but under a flood (a million new
 * clients) it collects so often that a line costs about 2.7 times the CPU. V8 reads the flag at each sizing decision,
 * so it can follow the load: on after a quiet interval, off as soon as an interval used `busyShare` of a core. A
 * flood that starts while idle runs compact for at most one interval. Returns a stop function.
 */
export function adaptHeapToLoad(options: AdaptiveHeapOptions = {}): () => void {
  const intervalMs = options.intervalMs ?? 5000;
  const busyShare = options.busyShare ?? 0.25;
  const cpuUsage = options.cpuUsage ?? (() => process.cpuUsage());
  const setMemorySaver =
    options.setMemorySaver ??
    ((on: boolean) => setFlagsFromString(on ? '--memory-saver-mode' : '--no-memory-saver-mode'));
  let saving = false;
  let last = cpuUsage();
  leaveMemorySaver = () => {
    if (!saving) return;
    saving = false;
    setMemorySaver(false);
  };
  const timer = setInterval(() => {
    const now = cpuUsage();
    const share = (now.user - last.user + now.system - last.system) / 1000 / intervalMs;
    last = now;
    const busy = share >= busyShare;
    if (busy === !saving) return;
    saving = !busy;
    setMemorySaver(saving);
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    leaveMemorySaver = undefined;
    if (saving) setMemorySaver(false);
  };
}
