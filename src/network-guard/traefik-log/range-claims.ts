/**
 * Which thread replays each range of a parallel replay, in shared memory: one Int32 per range, 0 while nobody has
 * claimed it, then its claimant (the detector's thread -1, workers 1, 2, ...), and last the range the detector's
 * thread is at. A claim is one atomic compare-and-swap, so two threads never both replay a range.
 *
 * The detector's thread claims a range when it reaches it, unless a worker holds it already. A worker claims the
 * first free range after its last, but leaves the one after the detector's position to the detector's thread,
 * unless it had to wait for that thread during its last range (its batches were piling up: judging is the slow part,
 * so the detector's thread should only judge).
 */
export class RangeClaims {
  readonly shared: Int32Array;
  readonly #ranges: number;

  /** `ranges` new claims, or the shared claims another thread created. */
  constructor(ranges: number | Int32Array) {
    this.shared = typeof ranges === 'number' ? new Int32Array(new SharedArrayBuffer(4 * (ranges + 1))) : ranges;
    this.#ranges = this.shared.length - 1;
  }

  /** The detector's thread is at range `index`: it is its own unless a worker holds it. Returns the holder. */
  detectorReaches(index: number): number {
    Atomics.store(this.shared, this.#ranges, index);
    const previous = Atomics.compareExchange(this.shared, index, UNCLAIMED, DETECTOR_THREAD);
    return previous === UNCLAIMED ? DETECTOR_THREAD : previous;
  }

  /** Worker `id`'s next range after `last`, or -1 when none is left to it (see the class comment). */
  nextForWorker(id: number, last: number, detectorIsSlower: boolean): number {
    const detectorAt = Atomics.load(this.shared, this.#ranges);
    for (let index = Math.max(last + 1, detectorAt + (detectorIsSlower ? 1 : 2)); index < this.#ranges; index++)
      if (Atomics.compareExchange(this.shared, index, UNCLAIMED, id) === UNCLAIMED) return index;
    return -1;
  }
}

const UNCLAIMED = 0;
export const DETECTOR_THREAD = -1;
