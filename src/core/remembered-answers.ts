import { detachedCopy } from './detached-copy.ts';

/** Stands for a remembered `undefined` (one Map lookup answers both "known" and "what"). */
const NOTHING: unique symbol = Symbol('nothing');

/**
 * Answers computed from a string key and remembered, for keys that repeat from log line to line (user agents,
 * addresses). Bounded: once full it starts again empty. A key longer than `maxKeyLength` is answered, not
 * remembered. Remembered keys are copies, so a key cut from a log line does not keep the line alive.
 */
export class RememberedAnswers<V> {
  readonly #maxEntries: number;
  readonly #maxKeyLength: number;
  #answers = new Map<string, V | typeof NOTHING>();

  constructor(maxEntries: number, maxKeyLength = Number.POSITIVE_INFINITY) {
    this.#maxEntries = maxEntries;
    this.#maxKeyLength = maxKeyLength;
  }

  answer(key: string, compute: (key: string) => V): V {
    const known = this.#answers.get(key);
    if (known !== undefined) return known === NOTHING ? (undefined as V) : known;
    const value = compute(key);
    if (key.length > this.#maxKeyLength) return value;
    if (this.#answers.size >= this.#maxEntries) this.#answers = new Map();
    this.#answers.set(detachedCopy(key), value === undefined ? NOTHING : value);
    return value;
  }
}
