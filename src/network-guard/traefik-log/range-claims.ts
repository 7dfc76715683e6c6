/**
 * Which thread replays each range of a parallel replay, in shared memory: one Int32 per range, 0 while nobody has
 * claimed it, then its claimant (the detector's thread -1, workers 1, 2, ...); then the range the detector's thread
 * is at, and whether that thread has time to spare (SPARE_*). A claim is one atomic compare-and-swap, so two threads
 * never both replay a range.
 *
 * The detector's thread claims a range when it reaches it, unless a worker holds it already. A worker claims the
 * first free range after its last, but leaves the one after the detector's position to the detector's thread while
 * that thread has time to spare: it judged the last worker's range it finished in less than half the time the worker
 * took to read it (ordinary traffic, mostly prefiltered away). Otherwise judging is the slow part (a flood where
 * every line is a probe), and the detector's thread should only judge: a range it read itself left the worker idle
 * once its bounded batches were waiting. A worker that had to wait for the detector's thread during its last range
 * knows that much already.
 */
export class RangeClaims {
  readonly shared: Int32Array;
  readonly #ranges: number;

  /** `ranges` new claims, or the shared claims another thread created. */
  constructor(ranges: number | Int32Array) {
    this.shared = typeof ranges === 'number' ? new Int32Array(new SharedArrayBuffer(4 * (ranges + 2))) : ranges;
    this.#ranges = this.shared.length - 2;
  }

  /**
   * The detector's thread finished a worker's range: it was busy `busyMs` of it (the rest it waited for batches),
   * and the worker took `readMs` to read it.
   */
  detectorFinished(busyMs: number, readMs: number): void {
    Atomics.store(this.shared, this.#ranges + 1, busyMs * 2 < readMs ? SPARE_TIME : NO_SPARE_TIME);
  }

  /** The detector's thread is at range `index`: it is its own unless a worker holds it. Returns the holder. */
  detectorReaches(index: number): number {
    Atomics.store(this.shared, this.#ranges, index);
    const previous = Atomics.compareExchange(this.shared, index, UNCLAIMED, DETECTOR_THREAD);
    return previous === UNCLAIMED ? DETECTOR_THREAD : previous;
  }

  /** Worker `id`'s next range after `last`, or -1 when none is left to it (see the class comment). */
  nextForWorker(id: number, last: number, workerWaited: boolean): number {
    const detectorAt = Atomics.load(this.shared, this.#ranges);
    const detectorIsSlower = workerWaited || Atomics.load(this.shared, this.#ranges + 1) !== SPARE_TIME;
    for (let index = Math.max(last + 1, detectorAt + (detectorIsSlower ? 1 : 2)); index < this.#ranges; index++)
      if (Atomics.compareExchange(this.shared, index, UNCLAIMED, id) === UNCLAIMED) return index;
    return -1;
  }
}

const UNCLAIMED = 0;
/**
 * Whether the detector's thread has time to spare. Until it finished a worker's range the slot holds 0, taken as no
 * time to spare: a worker's first claim is the range right after the detector's (in ordinary traffic the threads
 * take turns from the first report on).
 */
const SPARE_TIME = 1;
const NO_SPARE_TIME = 2;
export const DETECTOR_THREAD = -1;
