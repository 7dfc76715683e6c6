import { detachedCopy } from '../../core/detached-copy.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { TextSlab } from '../../core/text-slab.ts';
import { MAX_SAMPLE_CHARS } from './evidence-accumulator.ts';

/**
 * What the detector reads of a request. A first sighting keeps no request target: it is never a 2xx on a sensitive
 * path (that flags its client at once), the only request whose target length (echo pages) is read.
 */
export type ObservedRequest = Pick<
  LogEvent,
  'time' | 'clientIp' | 'path' | 'status' | 'userAgent' | 'bytes' | 'host' | 'raw'
> &
  Partial<Pick<LogEvent, 'rawPath' | 'queryLength'>>;

/** Distinct strings the interning table holds before it starts again (it only saves memory, never decides). */
const MAX_INTERNED = 4096;
const MAX_INTERNED_LENGTH = 512;
/**
 * Bytes of first sightings' raw lines kept for their evidence sample: 50,000 one-probe clients of 320-byte lines.
 * Past it (a flood of long lines) a new one-probe client keeps no line until evictions make room; it is counted all
 * the same, and a sample comes from its next request. (32 MiB until the daemon caught up on floods with a worker
 * thread: a million one-probe clients of 920-byte lines then peaked at 240 to 258 MB, 224 to 243 MB with 16.)
 */
const MAX_FIRST_LINE_BYTES = 16 * 1024 * 1024;
/** `host` of a request that had none (the column holds strings only). */
const NO_HOST = '\u0000';

/**
 * One-probe clients' only requests, as much of each as the detector reads when the client comes back. A flood of
 * new addresses makes a million of them, so a sighting is a slot in columns (plain arrays: numbers stay unboxed), not
 * an object the collector copies and marks; repeated strings are interned, no parser slice that pins its line is
 * kept, and the raw line (for the evidence sample, most of a sighting's memory and seldom read again) lives outside
 * the JS heap, in a TextSlab.
 */
export class FirstSightings {
  readonly #free: number[] = [];
  readonly #time: number[] = [];
  readonly #status: number[] = [];
  /** NaN: no size logged. */
  readonly #bytes: number[] = [];
  readonly #clientIp: Array<string | undefined> = [];
  readonly #path: Array<string | undefined> = [];
  readonly #userAgent: Array<string | undefined> = [];
  readonly #host: Array<string | undefined> = [];
  /** The slab chunk of the raw line (its first MAX_SAMPLE_CHARS), -1 when none is kept; then its span. */
  readonly #rawChunk: number[] = [];
  readonly #rawStart: number[] = [];
  readonly #rawEnd: number[] = [];
  readonly #rawLines = new TextSlab(MAX_FIRST_LINE_BYTES);
  #interned = new Map<string, string>();
  #lastHost = { logged: NO_HOST, interned: NO_HOST };

  /** Keeps a request; returns its slot. */
  add(event: ObservedRequest): number {
    const slot = this.#free.pop() ?? this.#time.length;
    this.#time[slot] = event.time;
    this.#status[slot] = event.status;
    this.#bytes[slot] = event.bytes ?? Number.NaN;
    this.#clientIp[slot] = event.clientIp;
    this.#path[slot] = this.#intern(event.path);
    this.#userAgent[slot] = this.#intern(event.userAgent);
    this.#host[slot] = event.host === undefined ? NO_HOST : this.#internHost(event.host);
    // Only a sample's worth is ever read back (the evidence keeps that much of a line).
    const { raw } = event;
    const slab = this.#rawLines;
    const kept = raw !== undefined && slab.append(raw.length > MAX_SAMPLE_CHARS ? raw.slice(0, MAX_SAMPLE_CHARS) : raw);
    this.#rawChunk[slot] = kept ? slab.lastChunk : -1;
    this.#rawStart[slot] = slab.lastStart;
    this.#rawEnd[slot] = slab.lastEnd;
    return slot;
  }

  path(slot: number): string {
    return this.#path[slot]!;
  }

  userAgent(slot: number): string {
    return this.#userAgent[slot]!;
  }

  host(slot: number): string | undefined {
    const host = this.#host[slot];
    return host === NO_HOST ? undefined : host;
  }

  /** The request of a slot, its raw line read back; the slot is released. */
  take(slot: number): ObservedRequest {
    const chunk = this.#rawChunk[slot]!;
    const bytes = this.#bytes[slot]!;
    const request: ObservedRequest = {
      time: this.#time[slot]!,
      clientIp: this.#clientIp[slot]!,
      path: this.#path[slot]!,
      status: this.#status[slot]!,
      userAgent: this.#userAgent[slot]!,
      bytes: Number.isNaN(bytes) ? undefined : bytes,
      host: this.host(slot),
      raw: chunk < 0 ? undefined : this.#rawLines.read(chunk, this.#rawStart[slot]!, this.#rawEnd[slot]!),
    };
    this.release(slot);
    return request;
  }

  /** Frees a slot (the client came back, or was evicted), its raw line with it. */
  release(slot: number): void {
    const chunk = this.#rawChunk[slot]!;
    if (chunk >= 0) this.#rawLines.release(chunk);
    this.#rawChunk[slot] = -1;
    this.#clientIp[slot] = undefined;
    this.#path[slot] = undefined;
    this.#userAgent[slot] = undefined;
    this.#host[slot] = undefined;
    this.#free.push(slot);
  }

  /** Most requests name the host the one before did: that one is checked first. */
  #internHost(host: string): string {
    if (host === this.#lastHost.logged) return this.#lastHost.interned;
    const interned = this.#intern(host);
    this.#lastHost = { logged: interned, interned };
    return interned;
  }

  #intern(text: string): string {
    if (text.length > MAX_INTERNED_LENGTH) return detachedCopy(text);
    const known = this.#interned.get(text);
    if (known !== undefined) return known;
    if (this.#interned.size >= MAX_INTERNED) this.#interned = new Map();
    const copy = detachedCopy(text);
    this.#interned.set(copy, copy);
    return copy;
  }
}
