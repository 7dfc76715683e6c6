import type { FileHandle } from 'node:fs/promises';

/**
 * Traefik's line inside a container runtime's log file, for Traefik logging to stdout (its default) and the agent
 * reading the node's files:
 * - CRI (containerd, CRI-O; the kubelet's `/var/log/pods/<pod>/<container>/0.log`, linked from `/var/log/containers`):
 *   `2026-12-01T08:00:00.123456789Z stdout F <line>`, `P` for a fragment of a line longer than the runtime's limit
 *   (16 KiB by default), continued on the next line(s) of the file;
 * - Docker's json-file driver (`/var/lib/docker/containers/<id>/<id>-json.log`):
 *   `{"log":"<line>\n","stream":"stdout","time":"..."}`, the `\n` missing from a fragment the same way.
 */
export interface ContainerLine {
  /** Traefik's text. */
  body: string;
  /** A fragment: the rest of the line follows in the stream's next record. */
  partial: boolean;
  /** `stdout` or `stderr`: a runtime writes both streams' records to one file, so they may interleave. */
  stream: string;
}

const CRI = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}) (stdout|stderr) ([PF]) /;
const DOCKER_START = '{"log":';

/** The line inside a runtime's wrapper, or undefined when the line is not wrapped (Traefik wrote it to a file). */
export function unwrapContainerLine(line: string): ContainerLine | undefined {
  const first = line.charCodeAt(0);
  if (first >= 48 && first <= 57) {
    // A CLF line starts with a digit too (an address): the fifth character tells it from a date.
    if (line.charCodeAt(4) !== 45 /* - */) return undefined;
    const match = CRI.exec(line);
    return match ? { body: line.slice(match[0].length), partial: match[2] === 'P', stream: match[1]! } : undefined;
  }
  if (!line.startsWith(DOCKER_START)) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { log, stream } = record as { log?: unknown; stream?: unknown };
  if (typeof log !== 'string') return undefined;
  const partial = !log.endsWith('\n');
  const body = partial ? log : log.slice(0, log.endsWith('\r\n') ? -2 : -1);
  return { body, partial, stream: typeof stream === 'string' ? stream : '' };
}

/** Bytes before a read's start searched for the records that say which fragments are still open there. */
const LOOK_BACK_BYTES = 64 * 1024;

/**
 * Which streams' last record was a fragment: the stream's next record continues that line, and starts wherever the
 * runtime cut it, in the client's own text. A reader follows the records of one file in order (and, when it starts
 * inside the file, first reads the records before its start: readBefore).
 */
export class ContainerFragments {
  readonly #open = new Set<string>();

  /** Whether `record` continues a fragment of its stream; then remembers whether it is a fragment itself. */
  continues(record: ContainerLine): boolean {
    const continued = this.#open.has(record.stream);
    if (record.partial) this.#open.add(record.stream);
    else this.#open.delete(record.stream);
    return continued;
  }

  /**
   * Starts over at `offset` (a line start) of a file, from the records in the 64 KiB before it (a runtime writes a
   * line's fragments one after the other, so their last ones are there).
   */
  async readBefore(handle: FileHandle, offset: number): Promise<void> {
    this.#open.clear();
    if (offset <= 0) return;
    const from = Math.max(0, offset - LOOK_BACK_BYTES);
    const window = Buffer.allocUnsafe(offset - from);
    const { bytesRead } = await handle.read(window, 0, window.length, from);
    const lines = window.toString('utf8', 0, bytesRead).split('\n');
    // Unless the window starts the file, its first line is the end of one that started before it.
    for (const line of from > 0 ? lines.slice(1) : lines) {
      const record = unwrapContainerLine(line);
      if (record) this.continues(record);
    }
  }
}
