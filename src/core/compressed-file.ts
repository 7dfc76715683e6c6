import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';

/** The compressions logrotate's `compress` writes that Node reads: gzip (its default) and zstd (`compresscmd zstd`). */
export type Compression = 'gzip' | 'zstd';

/**
 * The formats a log may be compressed in, by their magic bytes. logrotate's `compress` writes gzip (its default) or
 * whatever `compresscmd` names: the two Node decompresses are read, the others named so the user can decompress them.
 */
const FORMATS: Array<{ name: string; magic: number[]; read?: Compression; command?: string }> = [
  { name: 'gzip', magic: [0x1f, 0x8b], read: 'gzip' },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], read: 'zstd' },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], command: 'xz -dc' },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68], command: 'bzip2 -dc' },
  { name: 'lz4', magic: [0x04, 0x22, 0x4d, 0x18], command: 'lz4 -dc' },
  { name: 'zip', magic: [0x50, 0x4b, 0x03, 0x04], command: 'unzip -p' },
];

/** The compression format of the file at `path`, by its first bytes; undefined when none (throws if unreadable). */
export async function compressionFormat(path: string): Promise<(typeof FORMATS)[number] | undefined> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(6);
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  return FORMATS.find(({ magic }) => magic.every((byte, index) => head[index] === byte));
}

/** The compression Node reads the file at `path` in; undefined for a plain, unreadable or xz/bzip2/lz4/zip file. */
export async function compressionOf(path: string): Promise<Compression | undefined> {
  return (await compressionFormat(path).catch(() => undefined))?.read;
}

/** A decompressing stream with 256 KiB output chunks (zlib's default is 16 KiB: more turns for the same bytes). */
export function decompressor(compression: Compression) {
  const chunkSize = 256 * 1024;
  return compression === 'gzip' ? createGunzip({ chunkSize }) : createZstdDecompress({ chunkSize });
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
  const stream = input.pipe(decompressor(compression));
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
