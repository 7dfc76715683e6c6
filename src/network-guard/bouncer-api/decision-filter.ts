import { cidrBounds, parseCidr, toBigInt } from '../../core/ip-address.ts';
import type { LapiDecision } from './lapi-decision.ts';

export type DecisionPredicate = (decision: Omit<LapiDecision, 'duration'>) => boolean;

export type FilterResult = { ok: true; predicate: DecisionPredicate } | { ok: false; message: string };

/**
 * The query filters the CrowdSec Local API applies (pkg/database/decisionfilter.go): `scope`/`scopes`, `value`,
 * `type`, `origins`, `scenarios_containing`, `scenarios_not_containing`, and `ip`/`range` with `contains` (true: the
 * decisions covering that address or range; false: the decisions inside it). Unknown parameters are ignored, as there.
 */
export function parseDecisionFilter(query: URLSearchParams, defaults: { scopes?: string } = {}): FilterResult {
  const checks: DecisionPredicate[] = [];
  const scopes = query.get('scopes') ?? query.get('scope') ?? defaults.scopes;
  if (scopes !== undefined && scopes !== null) {
    const wanted = new Set(scopes.split(',').map((scope) => scope.trim().toLowerCase()));
    checks.push((decision) => wanted.has(decision.scope.toLowerCase()));
  }
  const value = query.get('value');
  if (value !== null) checks.push((decision) => decision.value === value);
  const type = query.get('type');
  if (type !== null) checks.push((decision) => decision.type === type);
  const origins = query.get('origins');
  if (origins !== null) {
    const wanted = new Set(origins.split(','));
    checks.push((decision) => wanted.has(decision.origin));
  }
  const containing = words(query.get('scenarios_containing'));
  if (containing) checks.push((decision) => containing.some((word) => includesFold(decision.scenario, word)));
  const notContaining = words(query.get('scenarios_not_containing'));
  if (notContaining) checks.push((decision) => !notContaining.some((word) => includesFold(decision.scenario, word)));
  const containsText = query.get('contains') ?? 'true';
  if (!PARSE_BOOL_TRUE.includes(containsText) && !PARSE_BOOL_FALSE.includes(containsText)) {
    return { ok: false, message: `invalid contains value : ${containsText.slice(0, 40)}` };
  }
  const contains = PARSE_BOOL_TRUE.includes(containsText);
  const addressText = query.get('ip') ?? query.get('range');
  if (addressText !== null) {
    const bounds = numericBounds(addressText);
    if (!bounds) return { ok: false, message: `unable to convert '${addressText.slice(0, 60)}' to int` };
    checks.push((decision) => {
      const own = numericBounds(decision.value);
      if (!own || own.family !== bounds.family) return false;
      return contains
        ? own.first <= bounds.first && own.last >= bounds.last
        : own.first >= bounds.first && own.last <= bounds.last;
    });
  }
  return { ok: true, predicate: (decision) => checks.every((check) => check(decision)) };
}

/** The words Go's strconv.ParseBool accepts, which the Local API uses for `contains`. */
const PARSE_BOOL_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const PARSE_BOOL_FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

function words(text: string | null): string[] | undefined {
  return text === null ? undefined : text.split(',');
}

function includesFold(text: string, word: string): boolean {
  return text.toLowerCase().includes(word.toLowerCase());
}

function numericBounds(text: string): { family: string; first: bigint; last: bigint } | undefined {
  const cidr = parseCidr(text);
  if (!cidr) return undefined;
  const [first, last] = cidrBounds(cidr).map(toBigInt);
  return { family: cidr.family, first, last };
}
