import { climbsAboveRoot, traversalTarget } from '../../core/normalize-path.ts';
import { RememberedAnswers } from '../../core/remembered-answers.ts';
import {
  CREDENTIAL_DIRECTORY_FRAGMENTS,
  CREDENTIAL_DIRECTORY_SUFFIXES,
  CREDENTIAL_FILE_SUFFIXES,
} from './credential-files.ts';
import {
  ENDING_NEEDLES,
  EXTRA_SENSITIVE_FRAGMENTS,
  EXTRA_SENSITIVE_SUFFIXES,
  isNeverSensitive,
  matchesEnding,
} from './sensitive-path-rules.ts';
import { SENSITIVE_PATH_FRAGMENTS, SENSITIVE_PATH_SUFFIXES } from './sensitive-paths.ts';

/** The reason a client that sent one `traversesToSensitive` request is flagged for. */
export const TRAVERSAL_REASON = 'path traversal out of the web root to a sensitive file';

const BUILTIN_SUFFIXES = [
  ...SENSITIVE_PATH_SUFFIXES,
  ...EXTRA_SENSITIVE_SUFFIXES,
  ...CREDENTIAL_FILE_SUFFIXES,
  ...CREDENTIAL_DIRECTORY_SUFFIXES,
];
const BUILTIN_FRAGMENTS = [
  ...SENSITIVE_PATH_FRAGMENTS,
  ...EXTRA_SENSITIVE_FRAGMENTS,
  ...CREDENTIAL_DIRECTORY_FRAGMENTS,
];

/** Decides whether a normalised path is one that secrets scanners probe. */
export class SensitivePathMatcher {
  readonly #suffixes: Set<string>;
  readonly #fragments: string[];
  readonly #builtin: boolean;

  constructor(extraPaths: readonly string[] = [], replaceBuiltin = false) {
    const extras = extraPaths.map((path) => path.toLowerCase());
    this.#builtin = !replaceBuiltin;
    this.#suffixes = new Set([...(replaceBuiltin ? [] : BUILTIN_SUFFIXES), ...extras.filter((p) => p.startsWith('/'))]);
    this.#fragments = [...(replaceBuiltin ? [] : BUILTIN_FRAGMENTS), ...extras.filter((p) => !p.startsWith('/'))];
  }

  /** Paths repeat from line to line (a flood probes a handful): each answer is remembered, bounded. */
  readonly #answers = new RememberedAnswers<boolean>(4096, 512);
  readonly #decide = (path: string) => this.#decideNow(path);

  matches(path: string): boolean {
    return this.#answers.answer(path, this.#decide);
  }

  #decideNow(path: string): boolean {
    // A path traversal is a crafted request whatever it reaches (`/../foo` tests whether traversal works at all).
    if (climbsAboveRoot(path)) return true;
    // Well-known URLs and health endpoints are fetched by validators and monitors, never worth a probe's weight.
    if (isNeverSensitive(path)) return false;
    if (this.#suffixes.has(path)) return true;
    for (let index = path.indexOf('/', 1); index > 0; index = path.indexOf('/', index + 1)) {
      if (this.#suffixes.has(path.slice(index))) return true;
    }
    for (const fragment of this.#fragments) if (path.includes(fragment)) return true;
    return this.#builtin && matchesEnding(path);
  }

  /**
   * A path that climbs above the web root to a file scanners want (`/static/../../../etc/passwd`): no browser sends
   * one, so one such request is an attack, like CrowdSec's one-request CVE scenarios. A traversal to anything else
   * (`/../foo`, testing whether traversal works) is only a sensitive path (`matches`), counted towards the thresholds.
   */
  traversesToSensitive(path: string): boolean {
    return climbsAboveRoot(path) && this.matches(traversalTarget(path));
  }

  /** Every literal a sensitive line must contain (lower-cased), for a cheap prefilter on raw log lines. */
  get needles(): string[] {
    return [...this.#suffixes, ...this.#fragments, ...(this.#builtin ? ENDING_NEEDLES : [])];
  }

  /** Literals matched anywhere by the server-side filter (fragments, plus the endings' needles). */
  get anywhereNeedles(): string[] {
    return [...this.#fragments, ...(this.#builtin ? ENDING_NEEDLES : [])];
  }

  get suffixes(): string[] {
    return [...this.#suffixes];
  }
}
