import type { MemberProbes } from './campaign-tracker.ts';

/**
 * A campaign network as the tracker keys it: an IPv4 /24 as the number of its first three octets (a flood of new
 * addresses builds no string and hashes no text per address), anything else as its label.
 */
export type NetworkKey = number | string;

/**
 * The members a campaign tracker holds, filed by network. A flood of new addresses makes every probe a member, so a
 * member is a slot in columns (plain arrays: numbers stay unboxed), not objects: a slot costs no allocation once the
 * columns have grown, and nothing for the collector to copy. A member is found through its network (an IPv4 /24 is a
 * number: no text hashed per address), and the least recently seen comes first in a queue of slots, not in a Map of
 * keys. A member that probed one path keeps the path itself, not an array of one. MemberProbes objects are built
 * only for the networks judged.
 */
export class CampaignMembers {
  /** Network -> its lone member's slot, or its members' slots by key in the order they joined. */
  readonly #networks = new Map<NetworkKey, number | Map<string, number>>();
  readonly #free: number[] = [];
  readonly #keys: Array<string | undefined> = [];
  readonly #paths: Array<string | readonly string[] | undefined> = [];
  readonly #failures: number[] = [];
  readonly #requests: number[] = [];
  readonly #agents: Array<string | undefined> = [];
  readonly #firstSeen: number[] = [];
  readonly #lastSeen: number[] = [];
  readonly #networkOf: NetworkKey[] = [];
  /** When each slot was last seen (-1: free): a queue entry is current only while its stamp is the slot's. */
  readonly #stamp: number[] = [];
  /** Slots in the order they were seen, with the stamps they had; stale entries are skipped, and dropped in bulk. */
  #queue: number[] = [];
  #queueStamps: number[] = [];
  #head = 0;
  #clock = 0;
  #size = 0;
  /** Members with two paths or more: only they can share a fingerprint. */
  multiPathMembers = 0;

  get size(): number {
    return this.#size;
  }

  /**
   * Records a member of `network`, or replaces what it probed (it then becomes the most recently seen). Returns how
   * many members the network has.
   */
  set(
    network: NetworkKey,
    key: string,
    paths: string | readonly string[],
    failures: number,
    requests: number,
    agent: string,
    firstSeen: number,
    lastSeen: number,
  ): number {
    // One lookup of the network for both questions: is the key a member, and how many are there.
    const current = this.#networks.get(network);
    let slot = this.#slotOf(current, key);
    let members = 0;
    if (slot !== undefined) {
      if (isMultiPath(this.#paths[slot])) this.multiPathMembers--;
      members = typeof current === 'number' ? 1 : current!.size;
    } else {
      slot = this.#free.pop() ?? this.#keys.length;
      this.#keys[slot] = key;
      this.#networkOf[slot] = network;
      members = this.#join(network, current, key, slot);
      this.#size++;
    }
    this.#paths[slot] = paths.length === 1 && typeof paths !== 'string' ? paths[0] : paths;
    if (isMultiPath(paths)) this.multiPathMembers++;
    this.#failures[slot] = failures;
    this.#requests[slot] = requests;
    this.#agents[slot] = agent;
    this.#firstSeen[slot] = firstSeen;
    this.#lastSeen[slot] = lastSeen;
    this.#touch(slot);
    return members;
  }

  /** Removes a member; returns how many members its network has left, or -1 when it was none. */
  delete(network: NetworkKey, key: string): number {
    const slot = this.#slotIn(network, key);
    return slot === undefined ? -1 : this.#remove(network, key, slot);
  }

  #remove(network: NetworkKey, key: string, slot: number): number {
    if (isMultiPath(this.#paths[slot])) this.multiPathMembers--;
    const left = this.#leave(network, key);
    this.#keys[slot] = undefined;
    this.#paths[slot] = undefined;
    this.#agents[slot] = undefined;
    this.#stamp[slot] = -1;
    this.#free.push(slot);
    this.#size--;
    return left;
  }

  /**
   * Removes the `count` least recently seen members, telling `left` each one's network and how many members it has
   * left (by slot: no key parsed or looked up again).
   */
  evictOldest(count: number, left: (network: NetworkKey, members: number) => void): void {
    let index = this.#head;
    for (let toEvict = count; toEvict > 0 && index < this.#queue.length; index++) {
      const slot = this.#queue[index]!;
      if (this.#stamp[slot] !== this.#queueStamps[index]) continue; // seen again later, or gone
      const network = this.#networkOf[slot]!;
      left(network, this.#remove(network, this.#keys[slot]!, slot));
      toEvict--;
    }
    this.#head = index; // every entry before it is stale now
  }

  /** Member keys, least recently seen first (deleting the ones already visited is allowed). */
  *keys(): Generator<string> {
    for (const slot of this.#inOrder()) yield this.#keys[slot]!;
  }

  /** A network's members in the order they joined. */
  networkMembers(network: NetworkKey): MemberProbes[] {
    const current = this.#networks.get(network);
    if (current === undefined) return [];
    return typeof current === 'number' ? [this.#probes(current)] : [...current.values()].map((s) => this.#probes(s));
  }

  /** Members with two paths or more, seen since `since`, with their networks (least recently seen first). */
  *multiPath(since: number): Generator<{ probes: MemberProbes; network: NetworkKey }> {
    if (this.multiPathMembers === 0) return;
    for (const slot of this.#inOrder()) {
      if (isMultiPath(this.#paths[slot]) && this.#lastSeen[slot]! >= since)
        yield { probes: this.#probes(slot), network: this.#networkOf[slot]! };
    }
  }

  #slotIn(network: NetworkKey, key: string): number | undefined {
    return this.#slotOf(this.#networks.get(network), key);
  }

  /** The slot of `key` among a network's members (`current`, as #networks holds them). */
  #slotOf(current: number | Map<string, number> | undefined, key: string): number | undefined {
    if (current === undefined) return undefined;
    if (typeof current !== 'number') return current.get(key);
    return this.#keys[current] === key ? current : undefined;
  }

  /** The slot becomes the most recently seen. */
  #touch(slot: number): void {
    const stamp = ++this.#clock;
    this.#stamp[slot] = stamp;
    this.#queue.push(slot);
    this.#queueStamps.push(stamp);
    // Stale entries (members seen again, or gone) are dropped once they outnumber the members, and the entries
    // passed at the front once they are half the queue.
    const length = this.#queue.length;
    if (length - this.#head > 2 * this.#size + 1024 || (this.#head > 1024 && this.#head * 2 > length)) this.#compact();
  }

  /** Current slots, least recently seen first; stale entries at the front are dropped as they are passed. */
  *#inOrder(): Generator<number> {
    for (let index = this.#head; index < this.#queue.length; index++) {
      const slot = this.#queue[index]!;
      if (this.#stamp[slot] !== this.#queueStamps[index]) {
        if (index === this.#head) this.#head++;
        continue;
      }
      yield slot;
      // A slot deleted while the caller had it is stale now: the front moves past it.
      if (index === this.#head && this.#stamp[slot] !== this.#queueStamps[index]) this.#head++;
    }
  }

  #compact(): void {
    const queue: number[] = [];
    const stamps: number[] = [];
    for (let index = this.#head; index < this.#queue.length; index++) {
      const slot = this.#queue[index]!;
      if (this.#stamp[slot] !== this.#queueStamps[index]) continue;
      queue.push(slot);
      stamps.push(this.#queueStamps[index]!);
    }
    this.#queue = queue;
    this.#queueStamps = stamps;
    this.#head = 0;
  }

  #probes(slot: number): MemberProbes {
    const paths = this.#paths[slot]!;
    return {
      key: this.#keys[slot]!,
      paths: typeof paths === 'string' ? [paths] : paths,
      failures: this.#failures[slot]!,
      requests: this.#requests[slot]!,
      agent: this.#agents[slot]!,
      firstSeen: this.#firstSeen[slot]!,
      lastSeen: this.#lastSeen[slot]!,
    };
  }

  /** Adds a new member to its network (whose members are `current`); returns how many members the network has. */
  #join(network: NetworkKey, current: number | Map<string, number> | undefined, key: string, slot: number): number {
    if (current === undefined) {
      this.#networks.set(network, slot);
      return 1;
    }
    if (typeof current !== 'number') return current.set(key, slot).size;
    this.#networks.set(
      network,
      new Map([
        [this.#keys[current]!, current],
        [key, slot],
      ]),
    );
    return 2;
  }

  /** Removes a member from its network (dropped once empty); returns how many members are left. */
  #leave(network: NetworkKey, key: string): number {
    const current = this.#networks.get(network);
    if (current === undefined) return 0;
    if (typeof current !== 'number') {
      current.delete(key);
      if (current.size > 0) return current.size;
    } else if (this.#keys[current] !== key) return 1;
    this.#networks.delete(network);
    return 0;
  }
}

function isMultiPath(paths: string | readonly string[] | undefined): boolean {
  return paths !== undefined && typeof paths !== 'string' && paths.length >= 2;
}
