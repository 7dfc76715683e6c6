import { detachedCopy } from '../../core/detached-copy.ts';
import { queryMayTraverse } from '../../core/normalize-path.ts';
import { NOT_HTTP, splitClfLine } from './clf-fields.ts';
import { decodeSpan, findStringSpan, INVALID, readInteger, type StringSpan } from './json-fields.ts';
import { NeedleTrie } from './needle-trie.ts';

/** True when a raw log line could matter to the secrets-scanning detector and must be parsed. */
export type LinePrefilter = (line: string) => boolean;

/**
 * A cheap test on the raw line that drops ordinary traffic before parsing. It must never drop a line whose
 * normalised path matches a sensitive needle or whose user agent contains a scanner needle, so it answers true
 * whenever it is unsure: a line it cannot read, a path with `%`, `\`, `;`, `//`, dot segments, a missing leading
 * slash or non-ASCII text (anything normalizePath could rewrite into a match), a user agent with non-ASCII text.
 * Otherwise normalizePath only lower-cases and cuts (query, trailing slash), so the normalised path is a prefix of
 * the lower-cased raw path and every needle it contains is found in the raw path as well.
 */
export function createPrefilter(
  needles: readonly string[],
  scannerAgents: readonly string[],
  /** `profileOnly`: only the lines a site-profile warm-up needs (answered 2xx or 3xx, and a sample for the time). */
  options: { profileOnly?: boolean } = {},
): LinePrefilter {
  const prefilter = detectorPrefilter(needles, scannerAgents);
  if (!options.profileOnly) return prefilter;
  let skipped = 0;
  return (line) => {
    if (!prefilter(line)) return false;
    if (mayBeAnswered(line)) return true;
    // One in TIME_SAMPLE of the others: its time tells a reader (the warm-up) that it is past its window.
    if (++skipped < TIME_SAMPLE) return false;
    skipped = 0;
    return true;
  };
}

const TIME_SAMPLE = 64;

/**
 * False only for a JSON line whose DownstreamStatus is 400 or more: not a 2xx or 3xx answer, whatever else it says
 * (the status is DownstreamStatus unless that is absent or 0). What the site profile learns from is all let through.
 */
function mayBeAnswered(line: string): boolean {
  let first = 0;
  while (first < line.length && line.charCodeAt(first) <= 32) first++;
  if (line.charCodeAt(first) !== 123 /* { */) return true;
  const status = readInteger(line, 'DownstreamStatus');
  return typeof status !== 'number' || status < 400;
}

function detectorPrefilter(needles: readonly string[], scannerAgents: readonly string[]): LinePrefilter {
  const pathNeedles = new NeedleTrie(needles);
  const agentNeedles = new NeedleTrie(scannerAgents);
  // Ordinary traffic repeats the same few hundred user agents and paths: remember the answers (bounded).
  const pathMayMatch = memoize((path: string): boolean => pathMayBeSensitive(path, pathNeedles));
  const agentMayMatch = memoize((agent: string): boolean => agentMayBeScanner(agent, agentNeedles));
  // A CLF path carries its query: the memo key is the path before it (as for JSON), the query only asked whether it
  // may traverse (the one thing pathMayBeSensitive reads of it), so search queries do not churn the memo.
  const clfPathMayMatch = (path: string): boolean => {
    const query = queryStart(path);
    if (query <= 0) return pathMayMatch(path); // at 0 the path does not start with '/': pathMayMatch passes it
    return queryMayTraverse(path, query + 1) || pathMayMatch(path.slice(0, query));
  };

  return (line: string): boolean => {
    let first = 0;
    while (first < line.length && line.charCodeAt(first) <= 32) first++;
    if (line.charCodeAt(first) !== 123 /* { */) {
      const fields = splitClfLine(line, false);
      if (!fields || fields === NOT_HTTP) return true; // the parser says which
      // The parser's own reading of the line: the detector judges its path and user agent, never its referer.
      return clfPathMayMatch(fields.path) || agentMayMatch(fields.userAgent);
    }
    const pathSpan = findStringSpan(line, 'RequestPath');
    if (pathSpan === undefined || pathSpan === INVALID) return true;
    const path = pathBeforeQuery(line, pathSpan);
    if (path === INVALID || pathMayMatch(path)) return true;
    const agentSpan = findStringSpan(line, 'request_User-Agent', true);
    if (agentSpan === undefined) return false;
    if (agentSpan === INVALID) return true;
    const agent = decodeSpan(line, agentSpan);
    return agent === INVALID || agentMayMatch(agent);
  };
}

/**
 * The raw path up to its query or fragment, decoded: the part normalizePath matches. Cutting before decoding keeps
 * the memo keys few (query strings vary) and skips decoding the `\u0026` Go writes for every `&` of a query.
 */
function pathBeforeQuery(line: string, span: StringSpan): string | typeof INVALID {
  let end = span.end;
  for (let index = span.start; index < end; index++) {
    const code = line.charCodeAt(index);
    if (code === 92 /* \ */) return decodeSpan(line, span); // an escape before any '?': decode it all (rare)
    if (code === 63 /* ? */ || code === 35 /* # */) {
      // a traversal in the query names the file the request is for (normalizePath): parse it
      if (queryMayTraverse(line, index + 1, span.end)) return INVALID;
      end = index;
    }
  }
  return line.slice(span.start, end);
}

/** Where a raw path's query or fragment starts (its `?` or `#`), -1 without one. */
function queryStart(path: string): number {
  for (let index = 0; index < path.length; index++) {
    const code = path.charCodeAt(index);
    if (code === 63 /* ? */ || code === 35 /* # */) return index;
  }
  return -1;
}

const MEMO_ENTRIES = 4096;

function memoize(test: (text: string) => boolean): (text: string) => boolean {
  let answers = new Map<string, boolean>();
  return (text: string): boolean => {
    if (text.length > 512) return test(text);
    const known = answers.get(text);
    if (known !== undefined) return known;
    const answer = test(text);
    if (answers.size >= MEMO_ENTRIES) answers = new Map();
    answers.set(detachedCopy(text), answer); // a slice of the line would keep the scanner's whole block alive
    return answer;
  };
}

export function pathMayBeSensitive(path: string, needles: NeedleTrie): boolean {
  if (path.length === 0) return needles.matches('/');
  if (path.charCodeAt(0) !== 47 /* / */) return true;
  let end = path.length;
  let previous = 0;
  for (let index = 0; index < path.length; index++) {
    const code = path.charCodeAt(index);
    if (code === 63 /* ? */ || code === 35 /* # */) {
      if (queryMayTraverse(path, index + 1)) return true;
      end = index;
      break;
    }
    if (code === 37 /* % */ || code === 92 /* \ */ || code === 59 /* ; */ || code < 32 || code > 126) return true;
    if (previous === 47 && code === 47) return true; // '//'
    if (previous === 46 && code === 46) return true; // '..'
    if (previous === 47 && code === 46) {
      const next = path.charCodeAt(index + 1);
      if (next === 47 || Number.isNaN(next) || next === 63 || next === 35) return true; // '/./' or trailing '/.'
    }
    previous = code;
  }
  return needles.matches(path, 0, end);
}

export function agentMayBeScanner(agent: string, needles: NeedleTrie): boolean {
  for (let index = 0; index < agent.length; index++) if (agent.charCodeAt(index) > 126) return true;
  return needles.matches(agent);
}
