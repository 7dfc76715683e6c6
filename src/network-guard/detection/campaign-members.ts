import type { MemberProbes } from './campaign-tracker.ts';

/**
 * A campaign network as the tracker keys it: an IPv4 /24 as the number of its first three octets (a flood of new
 * addresses builds no string and hashes no text per address), anything else as its label.
 */
export type NetworkKey = number | string;

/**
 * The members a campaign tracker holds, and the network each one is filed under. A flood of new addresses makes
 * every probe a member, so a member is a slot in columns (plain arrays: numbers stay unboxed), not objects: a slot
 * costs no allocation once the columns have grown, and nothing for the collector to copy. A member that probed one
 * path keeps the path itself, not an array of one. MemberProbes objects are built only for the networks judged.
 */
export class CampaignMembers {
  /** Member key -> slot; Map order is least recently seen first. */
  readonly #slotOf = new Map<string, number>();
  readonly #free: number[] = [];
  readonly #keys: Array<string | undefined> = [];
  readonly #paths: Array<string | readonly string[] | undefined> = [];
  readonly #failures: number[] = [];
  readonly #requests: number[] = [];
  readonly #agents: Array<string | undefined> = [];
  readonly #firstSeen: number[] = [];
  readonly #lastSeen: number[] = [];
  readonly #networkOf: NetworkKey[] = [];
  /** Network -> its lone member's slot, or its members' slots by key in the order they joined. */
  readonly #networks = new Map<NetworkKey, number | Map<string, number>>();
  /** Members with two paths or more: only they can share a fingerprint. */
  multiPathMembers = 0;

  get size(): number {
    return this.#slotOf.size;
  }

  /** The network of a member (undefined when it is not one). */
  networkOf(key: string): NetworkKey | undefined {
    const slot = this.#slotOf.get(key);
    return slot === undefined ? undefined : this.#networkOf[slot];
  }

  /**
   * Records a member, or replaces what it probed (it then stays in the network it joined and becomes the most
   * recently seen). `network` is asked for a new member only. Returns how many members its network has.
   */
  set(
    key: string,
    paths: string | readonly string[],
    failures: number,
    requests: number,
    agent: string,
    firstSeen: number,
    lastSeen: number,
    network: (key: string) => NetworkKey,
  ): number {
    let slot = this.#slotOf.get(key);
    if (slot !== undefined) {
      this.#slotOf.delete(key); // re-insert: Map order is the least-recently-seen list
      if (isMultiPath(this.#paths[slot])) this.multiPathMembers--;
    } else {
      slot = this.#free.pop() ?? this.#keys.length;
      this.#keys[slot] = key;
      this.#networkOf[slot] = network(key);
    }
    this.#slotOf.set(key, slot);
    this.#paths[slot] = paths.length === 1 && typeof paths !== 'string' ? paths[0] : paths;
    if (isMultiPath(paths)) this.multiPathMembers++;
    this.#failures[slot] = failures;
    this.#requests[slot] = requests;
    this.#agents[slot] = agent;
    this.#firstSeen[slot] = firstSeen;
    this.#lastSeen[slot] = lastSeen;
    return this.#join(this.#networkOf[slot]!, key, slot);
  }

  /** Removes a member; returns how many members its network has left, or -1 when it was none. */
  delete(key: string): number {
    const slot = this.#slotOf.get(key);
    if (slot === undefined) return -1;
    this.#slotOf.delete(key);
    if (isMultiPath(this.#paths[slot])) this.multiPathMembers--;
    const left = this.#leave(this.#networkOf[slot]!, key);
    this.#keys[slot] = undefined;
    this.#paths[slot] = undefined;
    this.#agents[slot] = undefined;
    this.#free.push(slot);
    return left;
  }

  /** Member keys, least recently seen first (deleting the ones already visited is allowed). */
  keys(): IterableIterator<string> {
    return this.#slotOf.keys();
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
    for (const slot of this.#slotOf.values()) {
      if (isMultiPath(this.#paths[slot]) && this.#lastSeen[slot]! >= since)
        yield { probes: this.#probes(slot), network: this.#networkOf[slot]! };
    }
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

  /** Adds (or keeps) a member in its network; returns how many members the network has. */
  #join(network: NetworkKey, key: string, slot: number): number {
    const current = this.#networks.get(network);
    if (current === undefined || current === slot) {
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
