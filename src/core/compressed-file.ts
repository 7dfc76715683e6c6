import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';

/** The compressions logrotate's `compress` writes that Node reads: gzip (its default) and zstd (`compresscmd zstd`). */
export type Compression = 'gzip' | 'zstd';

const MAGIC: Array<{ compression: Compression; magic: number[] }> = [
  { compression: 'gzip', magic: [0x1f, 0x8b] },
  { compression: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
];

/** The compression of the file at `path` by its first bytes; undefined for a plain (or unreadable) file. */
export async function compressionOf(path: string): Promise<Compression | undefined> {
  const head = Buffer.alloc(4);
  try {
    const handle = await open(path, 'r');
    try {
      await handle.read(head, 0, head.length, 0);
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  return MAGIC.find(({ magic }) => magic.every((byte, index) => head[index] === byte))?.compression;
}

/**
 * Up to `maxBytes` of the decompressed content from byte `from` on, and whether that is its end. The bytes before
 * `from` are decompressed and dropped (a compressed file has no random access). A corrupt or cut-short file ends
 * where it stops making sense: `end` with what came out, so a reader moves on instead of stalling on it. `source`: a
 * path, or a handle open on the file (left open).
 */
export async function readDecompressed(
  source: string | FileHandle,
  compression: Compression,
  from: number,
  maxBytes: number,
): Promise<{ bytes: Buffer; end: boolean; error?: string }> {
  const chunks: Buffer[] = [];
  let skipped = 0;
  let kept = 0;
  // Not createReadStream over the handle: destroying that stream closes the descriptor, autoClose or not.
  const input = typeof source === 'string' ? createReadStream(source) : Readable.from(chunksOf(source));
  const chunkSize = 256 * 1024;
  const stream = input.pipe(compression === 'gzip' ? createGunzip({ chunkSize }) : createZstdDecompress({ chunkSize }));
  let end = true;
  let error: string | undefined;
  try {
    for await (let chunk of stream as AsyncIterable<Buffer>) {
      if (skipped < from) {
        const drop = Math.min(from - skipped, chunk.length);
        skipped += drop;
        chunk = chunk.subarray(drop);
      }
      if (chunk.length === 0) continue;
      chunks.push(chunk);
      kept += chunk.length;
      if (kept > maxBytes) {
        end = false;
        break;
      }
    }
  } catch (failure) {
    error = (failure as Error).message;
  } finally {
    input.destroy();
    stream.destroy();
  }
  return { bytes: Buffer.concat(chunks).subarray(0, maxBytes), end, error };
}

/** The file's bytes from its start, by positional reads: the handle stays open and usable. */
async function* chunksOf(handle: FileHandle): AsyncGenerator<Buffer> {
  const size = 256 * 1024;
  for (let position = 0; ; ) {
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(buffer, 0, size, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
