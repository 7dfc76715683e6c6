import { CLF_TIMESTAMP_LENGTH, clfMonth, clfTimestampTime, findClfTimestamp } from './clf-timestamp.ts';

/**
 * Splits Traefik's Common Log Format line (`format: common`, the default):
 * `<ClientHost> - <user> [<time>] "<method> <path> <proto>" <status> <size> "<referer>" "<user-agent>" <count>
 * "<router>" "<service-url>" <duration>ms`, or its generic CLF (`format: genericCLF`, Traefik 3.6), which ends after
 * the user agent (no router then).
 * Traefik before v3.6.18 wraps referer and user agent in quotes without escaping them, so both may contain quotes
 * (v3.6.18 and later write a quote in them as `\"`, read back as `"`). The fixed fields are anchored from the right
 * (router and service URL are quoted, or a bare `-` when missing in v1.7 and v2.0-v2.1; in generic CLF the line's
 * last quote closes the user agent) and the request from the timestamp; the referer/user-agent pair is split at the
 * first `" "` (browsers percent-encode quotes in URLs). A header Traefik redacts (`"REDACTED"`) reads as empty.
 * Traefik v1.4 wrote a missing referer or user agent as a bare `-` too, and a status and size it had none for (a
 * request no backend took) as Go's `%!d(<nil>)`: read as no status (0) and no size, as `-` is.
 * The NCSA Common Log Format itself (Apache's `common`, the default of its stock configuration and XAMPP's), which
 * ends after the size (`... "GET /.env HTTP/1.1" 404 196`), is read too, with no referer and no user agent, and
 * Apache's `vhost_combined` and `vhost_common`, which start with the virtual host's name (see VIRTUAL_HOST).
 */
export interface ClfFields {
  clientHost: string;
  user: string;
  time: number;
  method: string;
  path: string;
  protocol: string;
  status: number;
  /** Response size in bytes; undefined for `-`. */
  size?: number;
  referer: string;
  userAgent: string;
  routerName: string;
  serviceUrl: string;
}

/**
 * A well-formed line whose quoted request is no HTTP request line (`"\x16\x03\x01"`, `""`, `"-"`, `"SSH-2.0-..."`),
 * answered 400 or 408: nginx and Apache log so a connection that sent a TLS handshake or another protocol to the HTTP
 * port, or nothing at all. No path, nothing to judge, and not a line the parser failed to read.
 */
export const NOT_HTTP = Symbol('not an HTTP request');
const NOT_HTTP_STATUSES = new Set(['400', '408']);
/** An HTTP method is a token (RFC 9110, 5.6.2). */
const METHOD = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/**
 * `GET /x` without a protocol: an HTTP/0.9 simple request, which Apache and nginx still answer (404, or 400 where
 * 0.9 is refused) and log as sent. Exploits and scanners send it (the MS03-022 `nsiislog.dll` overflow, in a 2004
 * honeynet's log): it names a path like any request, so it is read as one, with no protocol.
 */
const SIMPLE_REQUEST = /^[A-Za-z]+ \/\S*$/;

/**
 * Apache's `vhost_combined` and `vhost_common` start with the server's own name (`%v:%p`, `%v`) before the client
 * (`neutralbank.app:443 1.2.3.4 - - [...`): a name with a letter in it (never an address), then one word with no
 * comma (never a list). Not on Traefik's own CLF (its router tail), which writes no such field. The word left must
 * still be a valid address (client-ip.ts); a client whose raw X-Forwarded-For Traefik logs as ClientHost (generic CLF
 * ends as Apache's does) names nobody this way it could not name by sending that one address alone.
 */
const VIRTUAL_HOST = /^[A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})? (?=[^\s,]+$)/;

function withoutVirtualHost(host: string): string {
  const match = VIRTUAL_HOST.exec(host);
  return match ? host.slice(match[0].length) : host;
}

/** `%!d(<nil>)`: Traefik v1.4's status and size when it had none (its format said %d, the value was nil). */
const NIL = '%!d(<nil>)';
/** The request's closing quote, status and size, and the start of the referer: quoted, or v1.4's bare `-`. */
const STATUS_AND_SIZE = /" (\d{1,3}|-|%!d\(<nil>\)) (\d+|-|%!d\(<nil>\)) ("|- )/y;
/** The end of a Common Log Format line: the request's closing quote, status and size, and nothing after them. */
const COMMON_END = /" (\d{1,3}|-) (\d+|-)$/y;

/**
 * `withTime: false` (the prefilter's case: it needs path and agents only) leaves `time` at 0 and skips its arithmetic.
 * `cut`: the line lost its end (longer than the line limit, or a container runtime's first fragment). Its head is
 * Traefik's as in a whole line, so it is read up to where it stops: address, time, request, status and size, then
 * as much of the referer and user agent as is left (no router).
 */
export function splitClfLine(input: string, withTime = true, cut = false): ClfFields | typeof NOT_HTTP | undefined {
  let line = input;
  let last = line.length;
  while (last > 0 && (line.charCodeAt(last - 1) === 32 || line.charCodeAt(last - 1) === 13)) last--;
  line = line.slice(0, last);
  const tail = traefikTail(line);
  // Only a line Traefik's shapes do not end (most end with `"` or `ms`) is tried as Common: a cheap test per line.
  const common = tail || cut ? null : commonEnd(line);
  const right = tail ?? (cut || common ? { countSpace: line.length, router: '-', service: '-' } : undefined);
  if (!right) return undefined;
  const { countSpace, router, service } = right;
  // Left side: <host> - <user> [<time>] "<request>" <status> <size>
  const timestamp = findClfTimestamp(line);
  if (timestamp < 0 || timestamp >= countSpace) return undefined;
  // Without the time, the month is still checked: a line the parser would reject is not "ordinary traffic".
  const time = withTime ? clfTimestampTime(line, timestamp) : clfMonth(line, timestamp) < 0 ? Number.NaN : 0;
  if (Number.isNaN(time)) return undefined;
  // `<ClientHost> - <ClientUsername>`: both may be a client's own text, unquoted (ClientHost is the raw X-Forwarded-For
  // when a trusted proxy passed one on; the user name of a failed basic auth is logged too), and either can hold a
  // whole line head, `9.9.9.9 - - [<time>] "GET /.env ...`. A second ` - `, or a second timestamp before the pair's
  // end, leaves no telling where Traefik's own address is: the line is refused rather than read with an address a
  // client chose.
  const prefix = line.slice(0, timestamp).trimEnd();
  const separator = prefix.indexOf(' - ');
  if (separator < 0 || prefix.indexOf(' - ', separator + 1) >= 0) return undefined;
  const host = prefix.slice(0, separator);
  const clientHost = countSpace < line.length ? host : withoutVirtualHost(host);
  const user = prefix.slice(separator + 3);
  const requestStart = timestamp + CLF_TIMESTAMP_LENGTH;
  if (hasTimestampBetween(line, requestStart, countSpace)) return undefined;
  // Common: the line's last quote closes the request (a client's quote in it is escaped by Apache and nginx alike).
  if (common) return commonFields(line, clientHost, user, time, requestStart, common);
  let statusMatch: RegExpExecArray | null = null;
  let requestEnd = line.indexOf('" ', requestStart - 1);
  while (requestEnd >= 0 && requestEnd < countSpace) {
    STATUS_AND_SIZE.lastIndex = requestEnd;
    statusMatch = STATUS_AND_SIZE.exec(line);
    if (statusMatch) break;
    requestEnd = line.indexOf('" ', requestEnd + 1);
  }
  if (!statusMatch || requestEnd < requestStart) return undefined;
  const request = requestFields(line.slice(requestStart, requestEnd), statusMatch[1]!, statusMatch[2]!);
  if (request === undefined || request === NOT_HTTP) return request;
  // "<referer>" "<user-agent>": between the size and the count (to the end of a cut line, which may stop in either)
  const pairStart = requestEnd + statusMatch[0].length - statusMatch[3]!.length;
  const pair = line.slice(pairStart, countSpace);
  if (!cut && isBareDashPair(pair)) {
    const agent = pair.startsWith('- ') ? pair.slice(2) : '-';
    const referer = pair.startsWith('- ') ? '' : headerValue(pair.slice(1, -3));
    const userAgent = agent === '-' ? '' : headerValue(agent.slice(1, -1));
    return joined(clientHost, user, time, request, referer, userAgent, unDash(router), unDash(service));
  }
  const whole = pair.length >= 5 && pair.startsWith('"') && pair.endsWith('"');
  const middle = pair.indexOf('" "');
  if ((!whole || middle < 0) && !(cut && pair.startsWith('"'))) return undefined;
  const refererEnd = middle < 0 ? pair.length : middle;
  const agentEnd = whole && middle >= 0 ? -1 : pair.length;
  const referer = headerValue(pair.slice(1, refererEnd));
  const userAgent = middle < 0 ? '' : headerValue(pair.slice(middle + 3, agentEnd));
  return joined(clientHost, user, time, request, referer, userAgent, unDash(router), unDash(service));
}

type RequestFields = Pick<ClfFields, 'method' | 'path' | 'protocol' | 'status' | 'size'>;

/** The line's fields in one object, the request's copied by name (a spread into the literal was half of the split). */
function joined(
  clientHost: string,
  user: string,
  time: number,
  request: RequestFields,
  referer: string,
  userAgent: string,
  routerName: string,
  serviceUrl: string,
): ClfFields {
  return {
    clientHost,
    user,
    time,
    method: request.method,
    path: request.path,
    protocol: request.protocol,
    status: request.status,
    size: request.size,
    referer,
    userAgent,
    routerName,
    serviceUrl,
  };
}

/**
 * Method, path and protocol of the quoted request, with the status and size after it (no protocol for a simple
 * request). Any other request field with fewer than three parts is NOT_HTTP when answered as a server answers what
 * is no HTTP request, else unreadable.
 */
function requestFields(request: string, status: string, size: string): RequestFields | typeof NOT_HTTP | undefined {
  const firstSpace = request.indexOf(' ');
  const lastSpace = request.lastIndexOf(' ');
  if (firstSpace < 0 || lastSpace === firstSpace) {
    if (SIMPLE_REQUEST.test(request)) return readRequest(request, firstSpace, request.length, status, size);
    return NOT_HTTP_STATUSES.has(status) ? NOT_HTTP : undefined;
  }
  // Another protocol's message with spaces in it (a miner's JSON-RPC login, `{"id":1,"method":"login",...}`),
  // refused: its first word is no HTTP method.
  if (NOT_HTTP_STATUSES.has(status) && !METHOD.test(request.slice(0, firstSpace))) return NOT_HTTP;
  return readRequest(request, firstSpace, lastSpace, status, size);
}

function readRequest(
  request: string,
  firstSpace: number,
  lastSpace: number,
  status: string,
  size: string,
): RequestFields {
  return {
    method: request.slice(0, firstSpace),
    path: request.slice(firstSpace + 1, lastSpace),
    protocol: request.slice(lastSpace + 1),
    status: status === '-' || status === NIL ? 0 : Number(status),
    size: size === '-' || size === NIL ? undefined : Number(size),
  };
}

function commonEnd(line: string): RegExpExecArray | null {
  const last = line.charCodeAt(line.length - 1);
  if (last !== 45 /* - */ && (last < 48 || last > 57)) return null;
  const quote = line.lastIndexOf('"');
  if (quote < 0) return null;
  COMMON_END.lastIndex = quote;
  return COMMON_END.exec(line);
}

function commonFields(
  line: string,
  clientHost: string,
  user: string,
  time: number,
  requestStart: number,
  end: RegExpExecArray,
): ClfFields | typeof NOT_HTTP | undefined {
  if (end.index < requestStart) return undefined;
  const request = requestFields(line.slice(requestStart, end.index), end[1]!, end[2]!);
  if (request === undefined || request === NOT_HTTP) return request;
  return joined(clientHost, user, time, request, '', '', '', '');
}

/** Whether a CLF timestamp (`[21/Nov/2026:08:02:38 +0000] "`) starts in [from, end): the `] "` it ends with is rare. */
function hasTimestampBetween(line: string, from: number, end: number): boolean {
  const close = line.indexOf('] "', from);
  if (close < 0 || close >= end) return false;
  const match = findClfTimestamp(line, from);
  return match >= 0 && match < end;
}

/**
 * Where the referer/user-agent pair ends (`countSpace`), and the router and service URL after it: `<count>
 * "<router>" "<service-url>" <duration>ms` in Traefik's CLF; nothing in generic CLF, whose line ends with the user
 * agent's closing quote.
 */
function traefikTail(line: string): { countSpace: number; router: string; service: string } | undefined {
  if (line.endsWith('"')) return { countSpace: line.length, router: '-', service: '-' };
  if (!line.endsWith('ms')) return undefined;
  const durationSpace = line.lastIndexOf(' ');
  if (durationSpace < 0) return undefined;
  const service = quotedBefore(line, durationSpace) ?? unusualServiceBefore(line, durationSpace);
  if (!service) return undefined;
  const router = quotedBefore(line, service.open - 1) ?? dashBefore(line, service.open - 1);
  if (!router) return undefined;
  const countSpace = line.lastIndexOf(' ', router.open - 2);
  if (countSpace < 0) return undefined;
  return { countSpace, router: router.value, service: service.value };
}

/** The quoted value that ends just before `end` (a space index): `... "value" `. */
function quotedBefore(line: string, end: number): { value: string; open: number } | undefined {
  if (line.charCodeAt(end - 1) !== 34) return undefined;
  const open = line.lastIndexOf('"', end - 2);
  if (open < 0 || line.charCodeAt(open - 1) !== 32) return undefined;
  return { value: line.slice(open + 1, end - 1), open };
}

/** A bare `-` just before `end` (a space index): v1.7 and v2.0-v2.1 write a missing router or service unquoted. */
function dashBefore(line: string, end: number): { value: string; open: number } | undefined {
  return line.charCodeAt(end - 1) === 45 && line.charCodeAt(end - 2) === 32 ? { value: '-', open: end - 1 } : undefined;
}

/**
 * The service URL when it is not a plain quoted value: a bare `-`, or a quoted value with quotes inside. Traefik v2
 * writes the URL the request was sent on, raw query included (`?a="x`); a URL has no spaces (HTTP/1 cannot send one
 * in a query), so it starts after the last space.
 */
function unusualServiceBefore(line: string, end: number): { value: string; open: number } | undefined {
  const dash = dashBefore(line, end);
  if (dash) return dash;
  const space = line.lastIndexOf(' ', end - 1);
  if (space < 0 || end - space < 3 || line.charCodeAt(space + 1) !== 34 || line.charCodeAt(end - 1) !== 34)
    return undefined;
  return { value: line.slice(space + 2, end - 1), open: space + 1 };
}

/**
 * Traefik v1.4's referer/user-agent pair with one or both missing, written as a bare `-`: `- -`, `- "<agent>"`,
 * `"<referer>" -`. A quoted value always ends with its quote, so a pair that ends with ` -` has no user agent, even
 * when the referer (client text, unescaped) holds `" "`.
 */
function isBareDashPair(pair: string): boolean {
  if (pair.startsWith('- ')) {
    const agent = pair.slice(2);
    return agent === '-' || (agent.length >= 2 && agent.startsWith('"') && agent.endsWith('"'));
  }
  return pair.length >= 5 && pair.startsWith('"') && pair.endsWith('" -');
}

/** A quoted header as the client sent it: `-` (absent) and `REDACTED` (Traefik's placeholder) are empty. */
function headerValue(value: string): string {
  if (value === '-' || value === 'REDACTED') return '';
  return value.includes('\\"') ? value.replaceAll('\\"', '"') : value;
}

function unDash(value: string): string {
  return value === '-' ? '' : value;
}
