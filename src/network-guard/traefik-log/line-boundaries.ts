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

/**
 * splitAtLines, with each range starting where a one-thread replayFile's read of `chunkBytes` ends (the start of
 * the first line that read left whole): every read of a range then ends where the one-thread replay's read ends, so
 * a scan drains its findings at the same lines whatever its thread count (when a finding is drained decides which
 * incident comes first). Where a line longer than `maxLineBytes` crosses a read end (the scanner then skips it),
 * it falls back to splitAtLines.
 */
export async function splitAtReadEnds(
  handle: FileHandle,
  start: number,
  end: number,
  parts: number,
  sizes: { chunkBytes: number; maxLineBytes: number },
): Promise<number[]> {
  const starts = [start];
  // The bytes before a read end that hold the line it leaves for the next read (at most maxLineBytes of it).
  const window = Buffer.allocUnsafe(Math.min(sizes.chunkBytes, sizes.maxLineBytes + 1));
  for (let read = start, cut = 1; cut < parts; ) {
    const readEnd = read + sizes.chunkBytes;
    if (readEnd >= end) break;
    const from = Math.max(read, readEnd - window.length);
    const { bytesRead } = await handle.read(window, 0, readEnd - from, from);
    const newline = window.subarray(0, bytesRead).lastIndexOf(10);
    if (bytesRead < readEnd - from || newline < 0) return splitAtLines(handle, start, end, parts);
    read = from + newline + 1;
    if (read >= start + ((end - start) * cut) / parts) {
      starts.push(read);
      cut++;
    }
  }
  return [...starts, end];
}
