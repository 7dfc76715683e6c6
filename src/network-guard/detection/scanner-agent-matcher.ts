import { RememberedAnswers } from '../../core/remembered-answers.ts';
import { GENERIC_CLIENT_AGENTS, SCANNER_USER_AGENTS } from './sensitive-paths.ts';

const MAX_REMEMBERED = 4096;
const MAX_REMEMBERED_LENGTH = 512;

export type AgentClass = 'scanner' | 'generic_client' | 'none' | 'empty';

/** Classifies a user agent: a named secrets/vulnerability scanner, a generic HTTP library, or ordinary. */
export class ScannerAgentMatcher {
  readonly #scanners: string[];
  readonly #generic: string[];
  /** Agents repeat from line to line: each verdict is remembered (bounded), sparing a lower-casing and ~50 searches. */
  readonly #classified = new RememberedAnswers<AgentClass>(MAX_REMEMBERED, MAX_REMEMBERED_LENGTH);

  constructor(extra: readonly string[] = [], replaceBuiltin = false) {
    const generic = new Set(GENERIC_CLIENT_AGENTS);
    const base = replaceBuiltin ? [] : SCANNER_USER_AGENTS.filter((agent) => !generic.has(agent));
    this.#scanners = [...base, ...extra.map((agent) => agent.toLowerCase())];
    this.#generic = replaceBuiltin ? [] : [...GENERIC_CLIENT_AGENTS];
  }

  classify(userAgent: string): AgentClass {
    if (!userAgent || userAgent === '-') return 'empty';
    return this.#classified.answer(userAgent, this.#classifyNew);
  }

  readonly #classifyNew = (userAgent: string): AgentClass => {
    const lower = userAgent.toLowerCase();
    const scanner = this.#scanners.find((needle) => lower.includes(needle));
    if (scanner) return 'scanner';
    return this.#generic.some((needle) => lower.includes(needle)) ? 'generic_client' : 'none';
  };

  /** The scanner name found in the agent, if any (for evidence). */
  scannerName(userAgent: string): string | undefined {
    const lower = userAgent.toLowerCase();
    return this.#scanners.find((needle) => lower.includes(needle));
  }

  get needles(): string[] {
    return [...this.#scanners];
  }
}
