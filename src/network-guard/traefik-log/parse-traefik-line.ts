import { detachedCopy } from '../../core/detached-copy.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { NOT_HTTP, splitClfLine } from './clf-fields.ts';
import { ClientIpResolver } from './client-ip.ts';
import { type ContainerFragments, unwrapContainerLine } from './container-log.ts';
import { INVALID, JsonLineReader } from './json-fields.ts';
import type { LinePrefilter } from './prefilter.ts';

export type TraefikLogFormat = 'auto' | 'json' | 'clf';

export type ParseFailureReason =
  | 'malformed'
  | 'truncated'
  | 'binary'
  | 'oversized'
  | 'filtered'
  | 'unattributed'
  | 'not_http';

export type ParseResult =
  /** `oversized` is set when the event was salvaged from the first `maxLineBytes` of a longer line. */
  { ok: true; event: LogEvent; oversized?: true } | { ok: false; reason: ParseFailureReason };

export interface ParseOptions {
  /** `auto` (the default) reads a line as JSON when its first non-space character is `{`. */
  format?: TraefikLogFormat;
  /** Lines longer than this are cut to it before parsing; the default is 16384. */
  maxLineBytes?: number;
  /** Trusted-proxy aware client resolution; the default trusts no proxy (the client is the TCP peer). */
  resolver?: ClientIpResolver;
  /** Lines it rejects come back as `filtered` without being parsed. */
  prefilter?: LinePrefilter;
  /** Characters of the line kept in `event.raw` for evidence; the default is 2048, 0 keeps nothing. */
  rawChars?: number;
  /** Set by a reader that already cut the line at `maxLineBytes` (the line is known to be oversized). */
  cut?: boolean;
  /**
   * Filled with where each TEXT_START field of the event starts in the line, -1 where it is not a plain slice of it
   * (escaped, absent, CLF): the replay worker's wire sends such a text as its place in the line (event-wire.ts).
   */
  textStarts?: Int32Array;
  /**
   * The line is a slice of a larger string (LineScanner's block): a line that may give an event is copied before its
   * texts are cut, so what is kept of them (by the detector, or in a worker's batch until it is posted) keeps only
   * that line alive.
   */
  shared?: boolean;
  /**
   * The fragments open in a container runtime's log file, kept by its reader as it reads the file's lines in order
   * (container-log.ts). A record that continues a fragment is then no line of its own (`oversized`), and Traefik's CLF
   * inside records is read as well. Without it only JSON is read inside them: a CLF fragment could pass for a line.
   */
  fragments?: ContainerFragments;
}

/** The fields `textStarts` holds, by index. */
export const TEXT_START = { method: 0, rawPath: 1, userAgent: 2, host: 3, routerName: 4 } as const;
export const TEXT_START_FIELDS = 5;

/** The options for each line as LineScanner hands it out (cut, shared), from four objects made once. */
export function scannedLineOptions(base: ParseOptions): (cut: boolean, shared: boolean) => ParseOptions {
  const table = [base, { ...base, shared: true }, { ...base, cut: true }, { ...base, cut: true, shared: true }];
  return (cut, shared) => table[(cut ? 2 : 0) + (shared ? 1 : 0)]!;
}

export const DEFAULT_MAX_LINE_BYTES = 16_384;
const DEFAULT_RAW_CHARS = 2048;
const NO_PROXY_RESOLVER = new ClientIpResolver();
const EMPTY = '';
const REDACTED = 'REDACTED';

/**
 * Parses one Traefik access-log line (JSON or the default Common Log Format) into a LogEvent. Bad lines are answered,
 * never thrown: `binary` (NUL bytes or mostly unreadable), `truncated` (a JSON object that stops before its end),
 * `malformed` (anything else that cannot be read), `oversized` (longer than maxLineBytes and not salvageable),
 * `filtered` (rejected by the prefilter), `unattributed` (no client address that is valid and not a trusted proxy).
 */
export function parseTraefikLine(input: string, options: ParseOptions = {}): ParseResult {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let line = input;
  let oversized = options.cut === true;
  // UTF-16 length never exceeds the UTF-8 byte length, so only long strings need an exact byte count.
  if (line.length * 3 > maxLineBytes && Buffer.byteLength(line) > maxLineBytes) {
    line = Buffer.from(line).toString('utf8', 0, maxLineBytes);
    oversized = true;
  }
  // Traefik logging to stdout, read from the container runtime's file: its own line is inside the runtime's wrapper.
  const wrapped = unwrapContainerLine(line);
  if (wrapped) {
    // The runtime cuts a line longer than its limit into fragments, and a fragment after the first starts wherever
    // the cut fell, inside the client's own text: in CLF it could start like a line of its own, an address first, and
    // blame anyone. A reader that follows the records knows a later fragment for what it is. Without one, only JSON
    // is read: its keys that hold the client's address come first (Traefik sorts them) and a client's text cannot
    // write a key (its quotes are escaped), so a later fragment has no address. The first fragment reads as a cut line.
    const fragments = options.fragments;
    if (fragments?.continues(wrapped)) return { ok: false, reason: 'oversized' };
    if (!fragments && !startsAnObject(wrapped.body)) return { ok: false, reason: 'malformed' };
    line = wrapped.body;
    if (wrapped.partial) oversized = true;
  }
  if (line.indexOf('\u0000') >= 0) return { ok: false, reason: 'binary' };
  if (options.prefilter && !options.prefilter(line)) return { ok: false, reason: 'filtered' };
  if (options.shared) line = detachedCopy(line);
  options.textStarts?.fill(-1); // only a line that may give an event (most of ordinary traffic stops above)
  let first = 0;
  while (first < line.length && isSpace(line.charCodeAt(first))) first++;
  if (first === line.length) return { ok: false, reason: 'malformed' };
  const json = options.format === 'json' || (options.format !== 'clf' && line.charCodeAt(first) === 123);
  const result = json ? parseJson(line, first, oversized, options) : parseClf(line, oversized, options);
  if (result.ok) return oversized ? { ok: true, event: result.event, oversized: true } : result;
  if (oversized && result.reason !== 'unattributed') return { ok: false, reason: 'oversized' };
  if (result.reason === 'malformed' && looksBinary(line)) return { ok: false, reason: 'binary' };
  return result;
}

function parseJson(line: string, first: number, oversized: boolean, options: ParseOptions): ParseResult {
  if (line.charCodeAt(first) !== 123) return { ok: false, reason: 'malformed' };
  let last = line.length - 1;
  while (last > first && isSpace(line.charCodeAt(last))) last--;
  // A cut line is expected to lose its end; its leading fields (Traefik sorts keys, headers come last) still count.
  if (line.charCodeAt(last) !== 125 && !oversized) return { ok: false, reason: 'truncated' };
  // Traefik v3 objects are flat; v2 nests a few (`ServiceURL`). Only then walk the line to tell a nested object from
  // two records that ran together (the first object closing before the line ends).
  if (line.indexOf('{"', first + 1) >= 0 && !isOneObject(line, first)) return { ok: false, reason: 'malformed' };
  // In Traefik's (sorted) key order, so the searches together are about one pass over the line.
  const reader = new JsonLineReader(line);
  const starts = options.textStarts;
  const clientAddr = optional(reader.string('ClientAddr'));
  const clientHost = optional(reader.string('ClientHost'));
  const size = reader.integer('DownstreamContentSize');
  const downstream = reader.integer('DownstreamStatus');
  const origin = reader.integer('OriginStatus');
  const host = reader.string('RequestHost');
  if (starts) starts[TEXT_START.host] = reader.lastStart;
  const method = reader.string('RequestMethod');
  if (starts) starts[TEXT_START.method] = reader.lastStart;
  const rawPath = reader.string('RequestPath');
  if (starts) starts[TEXT_START.rawPath] = reader.lastStart;
  let routerName = reader.string('RouterName');
  // Traefik v1.7 names the router a frontend. It writes one with the backend (BackendAddr, BackendName, BackendURL),
  // whose keys sort first: a v2/v3 line without a router (a 404 nothing routed) costs no second search.
  if (routerName === undefined && line.startsWith('{"Backend', first)) routerName = reader.string('FrontendName');
  if (starts) starts[TEXT_START.routerName] = reader.lastStart;
  const time = readTime(reader);
  let userAgent = reader.string('request_User-Agent');
  if (starts) starts[TEXT_START.userAgent] = reader.lastStart;
  const resolver = options.resolver ?? NO_PROXY_RESOLVER;
  // Forwarding headers only count behind a trusted proxy: most lines never need them looked up.
  const forwarding =
    clientAddr !== INVALID && clientHost !== INVALID && resolver.needsForwardingHeaders(clientAddr, clientHost);
  const forwardedFor = forwarding ? header(reader.string('request_X-Forwarded-For')) : undefined;
  const realIp = forwarding ? header(reader.string('request_X-Real-Ip')) : undefined;
  if (rawPath === undefined || rawPath === INVALID) return { ok: false, reason: 'malformed' };
  const status = downstream === undefined || downstream === 0 ? origin : downstream;
  if (status === undefined || status === INVALID) return { ok: false, reason: 'malformed' };
  if (time === undefined) return { ok: false, reason: 'malformed' };
  if (clientAddr === INVALID || clientHost === INVALID) return { ok: false, reason: 'malformed' };
  if (clientAddr === undefined && clientHost === undefined) return { ok: false, reason: 'malformed' };
  const resolution = resolver.resolve({
    clientAddr,
    clientHost,
    forwardedFor: forwardedFor === INVALID ? undefined : forwardedFor,
    realIp: realIp === INVALID ? undefined : realIp,
  });
  if (!resolution.ok) return { ok: false, reason: 'unattributed' };
  // A user agent long enough to push the line over the cap is still evidence (and a classic way to hide).
  if (userAgent === INVALID && oversized) userAgent = unterminatedString(line, '"request_User-Agent"');
  const event: LogEvent = {
    time,
    clientIp: resolution.clientIp,
    peerIp: resolution.peerIp,
    method: typeof method === 'string' ? method : EMPTY,
    rawPath: withoutQuery(rawPath),
    path: EMPTY,
    status,
    userAgent: typeof userAgent === 'string' && userAgent !== REDACTED ? userAgent : EMPTY,
    host: typeof host === 'string' && host !== '' ? host : undefined,
    routerName: typeof routerName === 'string' && routerName !== '' ? routerName : undefined,
    bytes: typeof size === 'number' ? size : undefined,
    raw: rawOf(line, options.rawChars),
  };
  event.path = normalizePath(rawPath); // the query too: a traversal in it names the file the request is for
  if (event.rawPath.length < rawPath.length) event.queryLength = rawPath.length - event.rawPath.length;
  return { ok: true, event };
}

function parseClf(line: string, oversized: boolean, options: ParseOptions): ParseResult {
  const fields = splitClfLine(line, true, oversized);
  if (fields === NOT_HTTP) return { ok: false, reason: 'not_http' };
  if (!fields) return { ok: false, reason: 'malformed' };
  const resolution = (options.resolver ?? NO_PROXY_RESOLVER).resolve({ clientHost: fields.clientHost });
  if (!resolution.ok) return { ok: false, reason: 'unattributed' };
  const rawPath = withoutQuery(fields.path);
  const event: LogEvent = {
    time: fields.time,
    clientIp: resolution.clientIp,
    peerIp: resolution.peerIp,
    method: fields.method,
    rawPath,
    path: normalizePath(fields.path),
    status: fields.status,
    bytes: fields.size,
    userAgent: fields.userAgent,
    routerName: fields.routerName || undefined,
    raw: rawOf(line, options.rawChars),
  };
  if (rawPath.length < fields.path.length) event.queryLength = fields.path.length - rawPath.length;
  return { ok: true, event };
}

function readTime(reader: JsonLineReader): number | undefined {
  for (const key of ['StartUTC', 'StartLocal']) {
    const value = reader.string(key);
    if (typeof value === 'string') {
      const time = parseTimestamp(value);
      if (!Number.isNaN(time)) return time;
    }
  }
  const logged = reader.string('time');
  return typeof logged === 'string' && !Number.isNaN(parseTimestamp(logged)) ? parseTimestamp(logged) : undefined;
}

// The last whole second parsed: its first 19 characters and its zone ('Z', '+01:00', or none). The prefix starts
// as a NUL, which no timestamp starts with.
let cachedPrefix = '\u0000';
let cachedZone = '';
let cachedSecondTime = Number.NaN;

/**
 * Date.parse with a one-entry cache of the whole-second part: log lines come in time order, so consecutive lines
 * share it and only the fraction (read to the millisecond) differs. Other shapes go to Date.parse.
 */
function parseTimestamp(value: string): number {
  // 2026-11-21T08:02:38.534274475Z / 2026-11-21T09:02:38.534+01:00 / 2026-11-21T09:02:38+01:00
  if (value.length < 20 || value.charCodeAt(10) !== 84 /* T */) return Date.parse(value);
  let cursor = 19;
  let milliseconds = 0;
  if (value.charCodeAt(19) === 46 /* . */) {
    cursor = 20;
    let scale = 100;
    for (; cursor < value.length; cursor++) {
      const code = value.charCodeAt(cursor);
      if (code < 48 || code > 57) break;
      milliseconds += (code - 48) * scale;
      scale /= 10;
    }
    milliseconds = Math.floor(milliseconds);
  }
  // Compared in place: building the key for every line cost two strings per line.
  const zoneLength = value.length - cursor;
  if (!value.startsWith(cachedPrefix) || zoneLength !== cachedZone.length || !value.endsWith(cachedZone)) {
    cachedPrefix = detachedCopy(value.slice(0, 19));
    cachedZone = detachedCopy(value.slice(cursor));
    cachedSecondTime = Date.parse(cachedPrefix + cachedZone);
  }
  return cachedSecondTime + milliseconds;
}

function unterminatedString(line: string, quotedKey: string): string {
  const at = line.indexOf(`${quotedKey}:"`);
  return at < 0 ? EMPTY : line.slice(at + quotedKey.length + 2).replaceAll('\\"', '"');
}

function optional<T>(value: T | undefined | typeof INVALID): T | undefined | typeof INVALID {
  return value === '' ? undefined : value;
}

/**
 * A header `accessLog.fields.headers` redacts is written as REDACTED: it is not there (ClientHost still holds the raw
 * X-Forwarded-For, a core field Traefik never redacts).
 */
function header(value: string | undefined | typeof INVALID): string | undefined | typeof INVALID {
  return value === '' || value === REDACTED ? undefined : value;
}

function withoutQuery(path: string): string {
  const query = path.indexOf('?');
  return query >= 0 ? path.slice(0, query) : path;
}

function rawOf(line: string, rawChars = DEFAULT_RAW_CHARS): string | undefined {
  if (rawChars <= 0) return undefined;
  if (line.length <= rawChars) return line;
  const cut =
    line.charCodeAt(rawChars - 1) >= 0xd800 && line.charCodeAt(rawChars - 1) <= 0xdbff ? rawChars - 1 : rawChars;
  return detachedCopy(line.slice(0, cut)); // a slice would keep the whole (up to maxLineBytes) line alive
}

/**
 * True when every `{"` after the first is a nested object value (`"ServiceURL":{"Scheme"...`). Inside a JSON string a
 * quote is always escaped, so a raw `{"` is structure; one not right after a `:` starts a second record.
 */
function isOneObject(line: string, first: number): boolean {
  for (let at = line.indexOf('{"', first + 1); at >= 0; at = line.indexOf('{"', at + 2)) {
    let before = at - 1;
    while (before > first && line.charCodeAt(before) === 32) before--;
    if (line.charCodeAt(before) !== 58 /* : */) return false;
  }
  return true;
}

function startsAnObject(text: string): boolean {
  let first = 0;
  while (first < text.length && isSpace(text.charCodeAt(first))) first++;
  return text.charCodeAt(first) === 123;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10;
}

/** Mostly control characters or replacement characters (undecodable bytes): not text at all. */
function looksBinary(line: string): boolean {
  let unreadable = 0;
  for (let index = 0; index < line.length; index++) {
    const code = line.charCodeAt(index);
    if ((code < 32 && code !== 9) || code === 0xfffd || code === 127) unreadable++;
  }
  return unreadable * 10 > line.length;
}
