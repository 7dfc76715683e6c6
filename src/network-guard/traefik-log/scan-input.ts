import { createReadStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type Compression, compressionFormat, decompressor } from '../../core/compressed-file.ts';
import { UsageError } from '../../core/errors.ts';

/** What `scan` reads: a plain file, the path given or a temporary copy (removed by close). */
export interface ScanInput {
  path: string;
  close(): Promise<void>;
}

const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * The log at `path` as a plain file `scan` can read in byte ranges. A compressed log (a rotated `access.log.2.gz`) is
 * decompressed into a temporary file first, and so is standard input (`-`: `zcat access.log.*.gz | scan --log-file
 * -`), since the scan reads its file more than once. Temporary files are the user's alone (0600) and removed by close.
 */
export async function openScanInput(path: string, notice: (text: string) => void): Promise<ScanInput> {
  if (path === '-') {
    if (process.stdin.isTTY) throw new UsageError('--log-file -: standard input is a terminal; pipe a log into it');
    const spooled = await spool(process.stdin, '-', undefined, notice);
    const compression = await compressionOf(spooled.path, 'standard input');
    if (!compression) return spooled;
    try {
      return await spool(createReadStream(spooled.path), 'standard input', compression, notice);
    } finally {
      await spooled.close();
    }
  }
  const compression = await compressionOf(path, path);
  if (!compression) return { path, close: async () => {} };
  notice(`${path}: ${compression}-compressed, decompressing it into a temporary file first`);
  return spool(createReadStream(path), path, compression, notice);
}

/** The compression `path` is in (undefined: none), or a UsageError naming one we do not read. */
async function compressionOf(path: string, name: string): Promise<Compression | undefined> {
  const format = await compressionFormat(path);
  if (!format) return undefined;
  if (format.read) return format.read;
  const shown = name === 'standard input' ? '<file>' : name;
  throw new UsageError(
    `${name} is ${format.name}-compressed, which scan does not read: ${format.command} ${shown} | devops-agent scan --log-file -`,
  );
}

/** A compressed file decompressed into a private temporary file (see spool). */
export function decompressedCopy(path: string, compression: Compression, notice: (text: string) => void) {
  return spool(createReadStream(path), path, compression, notice);
}

/**
 * Copies `source` (decompressed when `compression` is given) into a new temporary file. A compressed stream that
 * ends early (a rotated file still being compressed, a cut download) keeps its whole lines, with a notice; a corrupt
 * one, or a disk that fills up, is an error naming the file.
 */
async function spool(
  source: Readable,
  name: string,
  compression: Compression | undefined,
  notice: (text: string) => void,
): Promise<ScanInput> {
  const directory = await mkdtemp(join(tmpdir(), 'devops-agent-scan-'));
  const close = () => rm(directory, { recursive: true, force: true });
  const path = join(directory, 'access.log');
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'wx', 0o600);
    const stream = compression ? source.pipe(decompressor(compression)) : source;
    // On an error the source is not piped any more: it is closed here, not left open.
    stream.once('error', () => source.destroy());
    let written = 0;
    let lineEnd = 0; // the byte after the last newline written
    // zlib hands out 16 KiB at a time: written in batches of about 1 MiB (one write each, it took 6.5 s for 1 GB).
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batchBytes === 0) return;
      await handle!.writev(batch);
      batch = [];
      batchBytes = 0;
    };
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        batch.push(chunk);
        batchBytes += chunk.length;
        const newline = chunk.lastIndexOf(0x0a);
        if (newline >= 0) lineEnd = written + newline + 1;
        written += chunk.length;
        if (batchBytes >= WRITE_BATCH_BYTES) await flush();
      }
      await flush();
    } catch (error) {
      if (!isCutShort(error)) throw error;
      await flush();
      await handle.truncate(lineEnd);
      notice(
        `${name}: the ${compression} stream ends early (cut, or still being written): scanning the ${lineEnd} bytes of whole lines before`,
      );
    }
    await handle.close();
    handle = undefined;
    return { path, close };
  } catch (error) {
    await handle?.close();
    await close();
    throw readError(error, name, compression);
  }
}

/** zlib's and zstd's error for input that stops inside a stream. */
function isCutShort(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR';
}

function readError(error: unknown, name: string, compression: Compression | undefined): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message ?? String(error);
  if (code === 'ENOSPC')
    return new UsageError(
      `${name}: no space left in ${tmpdir()} for its decompressed copy: set TMPDIR to a larger disk, or decompress it yourself`,
    );
  if (compression && typeof code === 'string' && code.startsWith('Z'))
    return new UsageError(`${name}: not a readable ${compression} stream (${message})`);
  return error as Error;
}
