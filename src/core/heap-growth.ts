import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** Used heap past which the old generation's growth is capped (a small heap keeps V8's own choice). */
// 32 MiB: set before the collection that sizes the heap for a flood. At 64 MiB a collection at 63 MB could still
// let the heap grow to 186 MB first (1 KB lines of new clients: 241-324 MB peaks, 226-231 MB at 32 MiB); ordinary
// 1M-line scans peak the same either way.
const LARGE_HEAP_BYTES = 32 * 1024 * 1024;
let limited = false;

/**
 * Once the heap is large, lets the old generation grow by 80% between full collections instead of V8's factor of up
 * to 4 (its choice on a machine with much memory). A flood of new clients turns a steady live set into
 * old-generation garbage, and that factor let it quadruple the heap: a million one-probe clients peaked at 461 MB,
 * and at 253 MB with the cap. V8 reads the flag at every collection, so it can be set at runtime; it is not set from
 * the start because small heaps do better with V8's own factor (an ordinary 1M-line scan would peak 20 MB higher).
 * Cheap enough to call for every batch (one heap-statistics call). Never undone, and no hard cap on the heap: a
 * bigger `max_tracked_ips` only costs more collections. True when this call set the cap.
 */
export function limitHeapGrowthWhenLarge(usedBytes = getHeapStatistics().used_heap_size): boolean {
  if (limited || usedBytes < LARGE_HEAP_BYTES) return false;
  limited = true;
  setFlagsFromString('--heap-growing-percent=80');
  return true; // just now
}
