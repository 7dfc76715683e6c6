interface TrieNode {
  children: Map<number, TrieNode>;
  terminal: boolean;
}

/**
 * Finds whether any of many short literals occurs in a string, in one pass over the string's characters. Matching
 * is ASCII case-insensitive: the needles are lower-cased and upper-case ASCII letters of the haystack are folded.
 * Callers handle non-ASCII text themselves (Unicode lower-casing can turn a non-ASCII letter into an ASCII one).
 */
export class NeedleTrie {
  readonly #root: TrieNode = { children: new Map(), terminal: false };
  readonly #firstCharacters = new Uint8Array(128);
  #empty = false;

  constructor(needles: Iterable<string>) {
    for (const needle of needles) this.add(needle.toLowerCase());
  }

  add(needle: string): void {
    if (needle.length === 0) {
      this.#empty = true;
      return;
    }
    let node = this.#root;
    for (let index = 0; index < needle.length; index++) {
      const code = needle.charCodeAt(index);
      let next = node.children.get(code);
      if (!next) {
        next = { children: new Map(), terminal: false };
        node.children.set(code, next);
      }
      node = next;
    }
    node.terminal = true;
    const first = needle.charCodeAt(0);
    if (first < 128) this.#firstCharacters[first] = 1;
    else this.#empty = true; // a non-ASCII needle: stay conservative and match everything
  }

  /** True when some needle occurs in `text[start, end)`, ignoring ASCII case. */
  matches(text: string, start = 0, end = text.length): boolean {
    if (this.#empty) return true;
    const first = this.#firstCharacters;
    for (let index = start; index < end; index++) {
      let code = text.charCodeAt(index);
      if (code >= 65 && code <= 90) code += 32;
      if (code >= 128 || first[code] === 0) continue;
      let node: TrieNode | undefined = this.#root;
      for (let cursor = index; cursor < end; cursor++) {
        let next = text.charCodeAt(cursor);
        if (next >= 65 && next <= 90) next += 32;
        node = node.children.get(next);
        if (node === undefined) break;
        if (node.terminal) return true;
      }
    }
    return false;
  }
}
