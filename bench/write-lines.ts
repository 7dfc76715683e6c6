// Bench helper: writes generated lines to a file in 1 MiB chunks, waiting for the stream when it is full (a flood
// of a million lines never sits in memory whole).
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

export async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (const text of lines) {
    chunk += text;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.end(chunk);
  await finished(out);
}
