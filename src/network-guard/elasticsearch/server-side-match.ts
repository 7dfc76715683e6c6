import type { SearchBody } from './search-backend.ts';

/** Lucene's `index.max_regex_length` defaults to 1000 characters: each regexp clause stays under it. */
const MAX_REGEX_CHARS = 900;

/**
 * Percent-encoded unreserved characters (letters, digits, `-._~`: RFC 3986 says never to encode them, so browsers do
 * not, scanners do to slip past literal matching: `/.%65nv`), encoded slashes and backslashes, double encoding,
 * overlong UTF-8 lead bytes (`%c0%af`: a slash to old IIS and Tomcat decoders, never valid UTF-8), backslashes and
 * dot segments. Elasticsearch cannot decode a keyword at query time without a script (which we never
 * send), so such paths are fetched as candidates and decided on our side by the file source's normaliser and matcher.
 * Ordinary encodings (`%20`, UTF-8 `%C3%A9`) are not candidates, so ordinary traffic stays off the wire.
 */
const ENCODED_CANDIDATE = '.*(%(3[0-9]|4[1-9a-f]|5[0-9acf]|6[1-9a-f]|7[0-9ae]|2[def]|25|c[01]|e0%8)|\\\\|/\\.\\.?/).*';

/** Escapes a literal for a Lucene regular expression (every reserved character, whatever the flags). */
export function escapeRegex(literal: string): string {
  return literal.replace(/[.?+*|{}[\]()"\\#@&<>~]/g, (char) => `\\${char}`);
}

/** Splits alternatives into `prefix(a|b|...)suffix` regexps that each stay under the length limit. */
export function alternationRegexps(literals: readonly string[], prefix: string, suffix: string): string[] {
  const regexps: string[] = [];
  let current: string[] = [];
  let length = prefix.length + suffix.length + 2;
  for (const literal of [...new Set(literals)].sort()) {
    const escaped = escapeRegex(literal);
    if (current.length > 0 && length + escaped.length + 1 > MAX_REGEX_CHARS) {
      regexps.push(`${prefix}(${current.join('|')})${suffix}`);
      current = [];
      length = prefix.length + suffix.length + 2;
    }
    current.push(escaped);
    length += escaped.length + 1;
  }
  if (current.length > 0) regexps.push(`${prefix}(${current.join('|')})${suffix}`);
  return regexps;
}

function regexpClause(field: string, value: string, caseInsensitive = true): SearchBody {
  // flags NONE: only the standard operators, so `@`, `&`, `~`, `<` in data mean themselves.
  return { regexp: { [field]: { value, flags: 'NONE', case_insensitive: caseInsensitive } } };
}

/**
 * Server-side form of the sensitive-path matcher, a superset filter on the raw path keyword:
 * - exact paths and "ends with" suffixes (`/x/.env`), followed by nothing, a trailing slash, or `?query`/`;param`;
 * - fragments anywhere (`/.git/`, `wp-config`);
 * - fragments case-insensitively (`/.ENV`, `/WP-CONFIG.PHP`, `/.Git/config`); the long suffix list case-sensitively
 *   (lower case, as scanners send it): a case-insensitive automaton over ~200 suffixes costs about twice as much to
 *   compile, on every query;
 * - encoded or dot-segment paths as candidates (see ENCODED_CANDIDATE).
 * The paths the aggregation returns are then checked with SensitivePathMatcher on the normalised path, so the decision
 * is the file detector's.
 */
export function sensitivePathQuery(
  field: string,
  suffixes: readonly string[],
  fragments: readonly string[],
): SearchBody {
  const should = [
    ...alternationRegexps(suffixes, '.*', '(/|[?;#].*)?').map((value) => regexpClause(field, value, false)),
    ...alternationRegexps(fragments, '.*', '.*').map((value) => regexpClause(field, value)),
    regexpClause(field, ENCODED_CANDIDATE),
  ];
  return { bool: { should, minimum_should_match: 1 } };
}
