import type { FileHandle } from 'node:fs/promises';

const PROBE_BYTES = 64 * 1024;

/**
 * Cuts [start, end) (`start` at a line start) into `parts` ranges that each begin at the start of a line (just after
 * a newline), so that every line belongs to exactly one range, the one where it starts. Fewer ranges come back when
 * lines are longer than a share. Returns the range starts, then `end`.
 */
export async function splitAtLines(handle: FileHandle, start: number, end: number, parts: number): Promise<number[]> {
  const starts = [start];
  const probe = Buffer.allocUnsafe(PROBE_BYTES);
  for (let part = 1; part < parts; part++) {
    let at = Math.max(start + Math.floor(((end - start) * part) / parts), starts.at(-1)!);
    // The line that crosses the cut belongs to the earlier range: the next range starts after its newline.
    let lineStart = -1;
    while (at < end && lineStart < 0) {
      const { bytesRead } = await handle.read(probe, 0, PROBE_BYTES, Math.max(0, at - 1));
      if (bytesRead === 0) break;
      const newline = probe.subarray(0, bytesRead).indexOf(10);
      if (newline >= 0) lineStart = Math.max(0, at - 1) + newline + 1;
      else at += bytesRead;
    }
    if (lineStart <= starts.at(-1)! || lineStart >= end) continue;
    starts.push(lineStart);
  }
  return [...starts, end];
}
