import { createHash } from 'node:crypto';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Compression, compressionOf, readDecompressed } from './compressed-file.ts';

/**
 * How the readers of a rotated log (the host monitor's auth.log reader, the Traefik file source) find the file they
 * were reading after logrotate moved it, compressed it or both, and the files rotated after it that they never saw.
 */

/** How many first bytes of a file identify it (a position keeps their sha256): logs begin with a timestamp. */
export const HEAD_BYTES = 1024;

/**
 * Paths in a log's directory whose name extends its name: where logrotate and its peers put the rotated file
 * (`access.log.1`, `auth.log.1`, dateext's `secure-20261201`, `access.log.2.gz`); [] if the directory is unreadable.
 */
export async function rotatedCandidates(path: string): Promise<string[]> {
  const directory = dirname(path);
  const prefix = basename(path);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  return names.filter((name) => name.startsWith(prefix) && name !== prefix).map((name) => join(directory, name));
}

/** The rotated copy that is still the file we read (same device and inode), if it is in the directory. */
export async function rotatedByInode(path: string, known: { dev: number; ino: number }): Promise<string | undefined> {
  for (const candidate of await rotatedCandidates(path)) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile() && info.ino === known.ino && info.dev === known.dev) return candidate;
  }
  return undefined;
}

const COMPRESSED_SUFFIX = /\.(gz|zst|xz|bz2|lz4|zip)$/;
/** Compressions Node cannot read: such copies are left out (read as text they would be garbage). */
const UNREADABLE_SUFFIX = /\.(xz|bz2|lz4|zip)$/;

/**
 * Where a rotated name stands among its siblings: numbered (`.1`, `.2.gz`: a higher number is older) or dated
 * (dateext's `-20261201`, `.2026-12-01-1764547200.gz`: the lexically smaller is older); undefined for a name that is
 * no rotation of the log (`auth.log.lock`, `auth.log.old`).
 */
function rotationKey(suffix: string): { numbered: number } | { dated: string } | undefined {
  const bare = suffix.replace(COMPRESSED_SUFFIX, '');
  // Five digits at most: logrotate's `rotate` count; an eight-digit `.20261201` is a date.
  if (/^\.\d{1,5}$/.test(bare)) return { numbered: Number(bare.slice(1)) };
  if (/^[-._]\d[\w.-]*$/.test(bare)) return { dated: bare };
  return undefined;
}

/**
 * The rotated copies of the log at `path` among `names` (file names in its directory), oldest first, by name, never
 * by mtime: logrotate keeps the mtime when it compresses, but a copy or a restore does not. Numbered copies come before
 * dated ones (a host that moved to dateext). Two copies of one key (`auth.log.2` and the `auth.log.2.gz` logrotate is
 * still writing) are both listed, the plain one first; copies in compressions Node cannot read are left out.
 */
export function orderRotated(path: string, names: readonly string[]): string[] {
  const prefix = basename(path);
  const keyed: Array<{ name: string; order: [number, number | string, number] }> = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || name === prefix || UNREADABLE_SUFFIX.test(name)) continue;
    const key = rotationKey(name.slice(prefix.length));
    if (!key) continue;
    const compressed = COMPRESSED_SUFFIX.test(name) ? 1 : 0;
    keyed.push({ name, order: 'numbered' in key ? [0, -key.numbered, compressed] : [1, key.dated, compressed] });
  }
  const compare = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  return keyed
    .sort(({ order: a }, { order: b }) => a[0] - b[0] || compare(a[1], b[1]) || a[2] - b[2])
    .map(({ name }) => join(dirname(path), name));
}

/** What a reader knows of the file it was reading: identity, the sha256 of its first headLength bytes, its offset. */
export interface KnownFile {
  dev: number;
  ino: number;
  /** Absent in positions saved before the head was kept: found by inode alone, plain only. */
  headHash?: string;
  headLength?: number;
  offset: number;
}

/** A rotated file: where it is, whether compressed, its identity. */
export interface RotatedFile {
  path: string;
  compression?: Compression;
  dev: number;
  ino: number;
}

/** The file we were reading, found among the rotated copies, and the copies rotated after it (oldest first). */
export interface FoundRotated extends RotatedFile {
  newer: RotatedFile[];
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The first `length` bytes of the file (decompressed when it is compressed); fewer when it holds fewer. */
export async function headOf(file: Pick<RotatedFile, 'path' | 'compression'>, length: number): Promise<Buffer> {
  if (length === 0) return Buffer.alloc(0);
  if (file.compression) return (await readDecompressed(file.path, file.compression, 0, length)).bytes;
  const handle = await open(file.path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Finds the file described by `known` among the rotated copies of `path`: by its first bytes, plain or compressed
 * (logrotate renamed it, then compressed it into a new inode: `auth.log` -> `auth.log.1` -> `auth.log.2.gz`), or,
 * for a position without a head, by device and inode (plain only). A plain copy must hold at least `offset` bytes.
 * `currentIno` (the file now at the path) is never the one. With it come the non-empty copies rotated after it: the
 * files written while we were away, to be read in full, oldest first, before the file at the path.
 */
export async function findRotated(
  path: string,
  known: KnownFile,
  currentIno: number,
): Promise<FoundRotated | undefined> {
  const ordered = orderRotated(path, await readdir(dirname(path)).catch(() => []));
  const files: Array<{ file: RotatedFile; size: number }> = [];
  const plainNames = new Set<string>();
  for (const candidate of ordered) {
    const info = await stat(candidate).catch(() => undefined);
    if (!info?.isFile() || info.ino === currentIno || info.size === 0) continue;
    // `auth.log.2.gz` beside `auth.log.2`: logrotate is compressing it; the plain one is complete, the other not yet.
    const bare = candidate.replace(COMPRESSED_SUFFIX, '');
    if (bare !== candidate && plainNames.has(bare)) continue;
    if (bare === candidate) plainNames.add(candidate);
    const compression = await compressionOf(candidate);
    files.push({ file: { path: candidate, dev: info.dev, ino: info.ino, compression }, size: info.size });
  }
  const headLength = known.headLength ?? 0;
  // The newest first: the file we were reading was most likely rotated last.
  for (let index = files.length - 1; index >= 0; index--) {
    const { file, size } = files[index];
    let matches: boolean;
    if (headLength > 0 && known.headHash) {
      if (!file.compression && size < known.offset) continue;
      matches = await headOf(file, headLength).then(
        (head) => head.length === headLength && sha256(head) === known.headHash,
        () => false,
      );
    } else matches = !file.compression && file.ino === known.ino && file.dev === known.dev;
    if (matches) {
      return { ...file, newer: files.slice(index + 1).map((newer) => newer.file) };
    }
  }
  return undefined;
}
