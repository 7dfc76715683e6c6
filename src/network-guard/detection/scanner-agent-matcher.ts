import { RememberedAnswers } from '../../core/remembered-answers.ts';
import { type CrawlerClaim, claimedCrawler } from './crawler-claims.ts';
import { GENERIC_CLIENT_AGENTS, SCANNER_USER_AGENTS } from './scanner-user-agents.ts';

const MAX_REMEMBERED = 4096;
const MAX_REMEMBERED_LENGTH = 512;

export type AgentClass = 'scanner' | 'generic_client' | 'none' | 'empty';

/** What the detector reads of a user agent: its class, and the crawler it claims to be (verified later by DNS). */
export interface AgentFacts {
  kind: AgentClass;
  crawler: CrawlerClaim | undefined;
}

const EMPTY: AgentFacts = { kind: 'empty', crawler: undefined };

/** Classifies a user agent: a named secrets/vulnerability scanner, a generic HTTP library, or ordinary. */
export class ScannerAgentMatcher {
  readonly #scanners: string[];
  readonly #generic: string[];
  /**
   * Agents repeat from line to line: each verdict is remembered (bounded), sparing a lower-casing and ~70 searches,
   * class and crawler claim in one lookup.
   */
  readonly #known = new RememberedAnswers<AgentFacts>(MAX_REMEMBERED, MAX_REMEMBERED_LENGTH);

  constructor(extra: readonly string[] = [], replaceBuiltin = false) {
    const generic = new Set(GENERIC_CLIENT_AGENTS);
    const base = replaceBuiltin ? [] : SCANNER_USER_AGENTS.filter((agent) => !generic.has(agent));
    this.#scanners = [...base, ...extra.map((agent) => agent.toLowerCase())];
    this.#generic = replaceBuiltin ? [] : [...GENERIC_CLIENT_AGENTS];
  }

  classify(userAgent: string): AgentClass {
    return this.facts(userAgent).kind;
  }

  facts(userAgent: string): AgentFacts {
    if (!userAgent || userAgent === '-') return EMPTY;
    return this.#known.answer(userAgent, this.#factsOf);
  }

  readonly #factsOf = (userAgent: string): AgentFacts => {
    const lower = userAgent.toLowerCase();
    const crawler = claimedCrawler(userAgent);
    if (this.#scanners.some((needle) => lower.includes(needle))) return { kind: 'scanner', crawler };
    const generic = this.#generic.some((needle) => lower.includes(needle));
    return { kind: generic ? 'generic_client' : 'none', crawler };
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
