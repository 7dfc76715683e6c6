import { SENSITIVE_PATH_FRAGMENTS, SENSITIVE_PATH_SUFFIXES } from './sensitive-paths.ts';

/** Decides whether a normalised path is one that secrets scanners probe. */
export class SensitivePathMatcher {
  readonly #suffixes: Set<string>;
  readonly #fragments: string[];

  constructor(extraPaths: readonly string[] = [], replaceBuiltin = false) {
    const extras = extraPaths.map((path) => path.toLowerCase());
    this.#suffixes = new Set([
      ...(replaceBuiltin ? [] : SENSITIVE_PATH_SUFFIXES),
      ...extras.filter((p) => p.startsWith('/')),
    ]);
    this.#fragments = [
      ...(replaceBuiltin ? [] : SENSITIVE_PATH_FRAGMENTS),
      ...extras.filter((p) => !p.startsWith('/')),
    ];
  }

  matches(path: string): boolean {
    if (this.#suffixes.has(path)) return true;
    for (let index = path.indexOf('/', 1); index > 0; index = path.indexOf('/', index + 1)) {
      if (this.#suffixes.has(path.slice(index))) return true;
    }
    for (const fragment of this.#fragments) if (path.includes(fragment)) return true;
    return false;
  }

  /** Every literal a sensitive line must contain (lower-cased), for a cheap prefilter on raw log lines. */
  get needles(): string[] {
    return [...this.#suffixes, ...this.#fragments];
  }
}
