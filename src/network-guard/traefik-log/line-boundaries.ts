import type { FileHandle } from 'node:fs/promises';

const PROBE_BYTES = 64 * 1024;

/**
 * Cuts [0, size) into `parts` ranges that each begin at the start of a line (just after a newline), so that every line
 * belongs to exactly one range, the one where it starts. Fewer ranges come back when lines are longer than a share.
 */
export async function splitAtLines(handle: FileHandle, size: number, parts: number): Promise<number[]> {
  {
    const starts = [0];
    const probe = Buffer.allocUnsafe(PROBE_BYTES);
    for (let part = 1; part < parts; part++) {
      let at = Math.max(Math.floor((size * part) / parts), starts.at(-1) ?? 0);
      // The line that crosses the cut belongs to the earlier range: the next range starts after its newline.
      let lineStart = -1;
      while (at < size && lineStart < 0) {
        const { bytesRead } = await handle.read(probe, 0, PROBE_BYTES, Math.max(0, at - 1));
        if (bytesRead === 0) break;
        const newline = probe.subarray(0, bytesRead).indexOf(10);
        if (newline >= 0) lineStart = Math.max(0, at - 1) + newline + 1;
        else at += bytesRead;
      }
      if (lineStart <= (starts.at(-1) ?? 0) || lineStart >= size) continue;
      starts.push(lineStart);
    }
    return [...starts, size];
  }
}
