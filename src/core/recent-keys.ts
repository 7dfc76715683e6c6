/** No handle: an empty table cell, the end of the recency list, or a key not found. */
const NONE = -1;
const MIN_CELLS = 1024;

/**
 * String keys (client addresses, mostly) filed under small integer handles, least recently used first. The caller
 * keeps what belongs to a key in its own arrays, indexed by handle; a removed key's handle is given out again.
 *
 * It does what a Map of keys in insertion order does for a least-recently-used table (delete and set again to move a
 * key to the end), for a quarter of the cost when most keys are new (0.2 instead of 0.8 us per new key): a flood of new addresses made the Map's hashing,
 * its holes at the front and its rehashing most of the work per address. Here the table is open addressing over
 * typed arrays (each cell holds a handle and its key's hash, so a lookup compares text only when hashes are equal),
 * deletion shifts entries back instead of leaving holes, and the recency order is a doubly linked list of handles.
 */
export class RecentKeys {
  readonly #keys: Array<string | undefined> = [];
  /** Per handle: its key's hash, then the neighbours in recency order. */
  #hashOf = new Uint32Array(MIN_CELLS / 2);
  #older = new Int32Array(MIN_CELLS / 2);
  #newer = new Int32Array(MIN_CELLS / 2);
  /** Per table cell: the handle filed there (NONE: empty) and its key's hash. */
  #cellHandle = new Int32Array(MIN_CELLS).fill(NONE);
  #cellHash = new Uint32Array(MIN_CELLS);
  #mask = MIN_CELLS - 1;
  readonly #free: number[] = [];
  #oldest = NONE;
  #newest = NONE;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The key's handle, or -1. */
  find(key: string): number {
    const hash = hashOf(key);
    const mask = this.#mask;
    for (let cell = hash & mask; ; cell = (cell + 1) & mask) {
      const handle = this.#cellHandle[cell]!;
      if (handle === NONE) return NONE;
      if (this.#cellHash[cell] === hash && this.#keys[handle] === key) return handle;
    }
  }

  /** Files a key that is not in the table yet, as the most recently used; returns its handle. */
  add(key: string): number {
    const handle = this.#free.pop() ?? this.#keys.length;
    if (handle >= this.#older.length) this.#growHandles();
    if ((this.#size + 1) * 2 > this.#cellHandle.length) this.#growCells();
    const hash = hashOf(key);
    this.#keys[handle] = key;
    this.#hashOf[handle] = hash;
    this.#file(handle, hash);
    this.#append(handle);
    this.#size++;
    return handle;
  }

  /** The handle's key becomes the most recently used. */
  touch(handle: number): void {
    if (handle === this.#newest) return;
    this.#unlink(handle);
    this.#append(handle);
  }

  remove(handle: number): void {
    this.#unfile(handle);
    this.#unlink(handle);
    this.#keys[handle] = undefined;
    this.#free.push(handle);
    this.#size--;
  }

  key(handle: number): string {
    return this.#keys[handle]!;
  }

  /** The least recently used handle, or -1 when empty. */
  oldest(): number {
    return this.#oldest;
  }

  /** The handle used next after this one, or -1 (read it before removing this one). */
  newer(handle: number): number {
    return this.#newer[handle]!;
  }

  #file(handle: number, hash: number): void {
    const mask = this.#mask;
    let cell = hash & mask;
    while (this.#cellHandle[cell] !== NONE) cell = (cell + 1) & mask;
    this.#cellHandle[cell] = handle;
    this.#cellHash[cell] = hash;
  }

  /** Empties the handle's cell, shifting back later entries of its run so that no lookup stops short (no holes). */
  #unfile(handle: number): void {
    const mask = this.#mask;
    let cell = this.#hashOf[handle]! & mask;
    while (this.#cellHandle[cell] !== handle) cell = (cell + 1) & mask;
    for (let next = (cell + 1) & mask; this.#cellHandle[next] !== NONE; next = (next + 1) & mask) {
      const home = this.#cellHash[next]! & mask;
      // The entry at `next` may move to `cell` unless its home lies after `cell` (cyclically) on the way to `next`.
      if (((next - home) & mask) >= ((next - cell) & mask)) {
        this.#cellHandle[cell] = this.#cellHandle[next]!;
        this.#cellHash[cell] = this.#cellHash[next]!;
        cell = next;
      }
    }
    this.#cellHandle[cell] = NONE;
  }

  #append(handle: number): void {
    this.#older[handle] = this.#newest;
    this.#newer[handle] = NONE;
    if (this.#newest === NONE) this.#oldest = handle;
    else this.#newer[this.#newest] = handle;
    this.#newest = handle;
  }

  #unlink(handle: number): void {
    const older = this.#older[handle]!;
    const newer = this.#newer[handle]!;
    if (older === NONE) this.#oldest = newer;
    else this.#newer[older] = newer;
    if (newer === NONE) this.#newest = older;
    else this.#older[newer] = older;
  }

  #growHandles(): void {
    const length = this.#older.length * 2;
    this.#hashOf = grown(this.#hashOf, new Uint32Array(length));
    this.#older = grown(this.#older, new Int32Array(length));
    this.#newer = grown(this.#newer, new Int32Array(length));
  }

  #growCells(): void {
    const length = this.#cellHandle.length * 2;
    this.#cellHandle = new Int32Array(length).fill(NONE);
    this.#cellHash = new Uint32Array(length);
    this.#mask = length - 1;
    for (let handle = this.#oldest; handle !== NONE; handle = this.#newer[handle]!)
      this.#file(handle, this.#hashOf[handle]!);
  }
}

function grown<T extends Uint32Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** FNV-1a over the UTF-16 code units, with a final mix so that the low bits (the cell) depend on every unit. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  return (hash ^ (hash >>> 13)) >>> 0;
}
