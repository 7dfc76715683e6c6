/**
 * The form of a request path used for matching: query and fragment removed, percent-decoding applied twice
 * (`/%252eenv`), backslashes as slashes, lower-cased, `;param` of each segment dropped, duplicate slashes and dot
 * segments resolved, trailing slash dropped. Scanners use all of these to slip past naive string matching.
 * A path that climbs above the root (`/static/../../etc/passwd`, `/%2e%2e/.env`) keeps one `..` in front
 * (`/../etc/passwd`): no browser or HTTP library sends one (they resolve dot segments first), so it is a crafted
 * request, a path traversal, and stays recognisable as one (see `climbsAboveRoot`). A query parameter that climbs
 * at least twice (`?file=../../../etc/passwd`, a file inclusion probe) makes the request one for what it reaches.
 * A request target in absolute form (`GET http://example.com/.env`: RFC 9112 3.2.2, which every server must accept;
 * Apache logs it as sent, and a front proxy speaking HTTP/1.0 to Apache sends every request so) is its path: the
 * scheme and authority go, so the path's own rules apply (a health URL, a traversal's climb, an application's tree).
 */
export function normalizePath(rawPath: string): string {
  let path = rawPath;
  if (path.charCodeAt(0) !== 47 /* / */) path = withoutSchemeAndAuthority(path);
  const cut = path.search(/[?#]/);
  if (cut >= 0) {
    const reached = queryTraversal(path.slice(cut + 1));
    if (reached) return reached;
    path = path.slice(0, cut);
  }
  if (path.includes('%')) path = decodeTwice(path);
  if (path.includes('\\')) path = path.replaceAll('\\', '/');
  if (path.includes('\0')) path = beforeNullByte(path);
  path = path.toLowerCase();
  // Each segment's `;param` goes (`/a;jsessionid=1/b`), as servlet containers drop it: `/..;/.env` is `/../.env`
  // there, that is `/.env`, a trick to get past proxies that compare the raw path.
  if (path.includes(';')) path = path.replace(/;[^/]*/g, '');
  if (path.includes('//') || hasDotSegment(path)) path = resolveSegments(path).resolved;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path.startsWith('/') ? path : `/${path}`;
}

const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

function withoutSchemeAndAuthority(target: string): string {
  const authority = ABSOLUTE_FORM.exec(target);
  if (!authority) return target;
  const rest = target.slice(authority[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * What a file API written in C reads of a last segment with a NUL in it: the part before (`/.htpasswd%00.jpg` is
 * `/.htpasswd`). Scanners end a traversal with `%00` to cut off the extension a file inclusion appends
 * (`?page=../../boot.ini%00` reads boot.ini, not boot.ini.php); no browser sends one. A NUL before a later `/`
 * stays, so the segments after it (a climb) are still resolved.
 */
function beforeNullByte(text: string): string {
  const nul = text.indexOf('\0');
  return nul < 0 || text.includes('/', nul) ? text : text.slice(0, nul);
}

/**
 * Overlong UTF-8 forms of `.`, `/` and `\` (`%c0%ae`, `%c0%af`, `%c1%9c`, and their three-byte `%e0%80%ae`...):
 * invalid UTF-8 that no browser or HTTP library writes, which old IIS, Tomcat and other decoders read as the ASCII
 * character (CVE-2000-0884, CVE-2008-2938). Scanners send `..%c0%af..%c0%afetc%c0%afpasswd` to slip a traversal
 * past filters that decode strictly; read here as those servers read it. IIS keeps only the low six bits of the
 * byte after `%c0` or `%c1` and never checks its top two (which must be `10`), so `%c0%2f` is `/` and `%c1%1c` is `\`
 * there too: Nimda sends both (`/scripts/..%c1%1c../winnt/system32/cmd.exe`, in a 2004 honeynet's log).
 */
const OVERLONG = /%c0%[26ae][ef]|%c1%[159d]c|%e0%80%ae|%e0%80%af|%e0%81%9c/gi;

/** The character a decoder that ignores the continuation bytes' top bits reads for a form OVERLONG matched. */
function overlongCharacter(form: string): string {
  const bytes = form
    .slice(1)
    .split('%')
    .map((hex) => Number.parseInt(hex, 16));
  const [lead, second, third] = bytes as [number, number, number | undefined];
  const code =
    third === undefined
      ? ((lead & 0x1f) << 6) | (second & 0x3f)
      : ((lead & 0x0f) << 12) | ((second & 0x3f) << 6) | (third & 0x3f);
  return String.fromCharCode(code);
}

function withoutOverlongForms(text: string): string {
  return text.replace(OVERLONG, overlongCharacter);
}

function decodeTwice(path: string): string {
  let current = path;
  for (let round = 0; round < 2 && current.includes('%'); round++) {
    if (OVERLONG_LEAD.test(current)) current = withoutOverlongForms(current);
    try {
      current = decodeURIComponent(current);
    } catch {
      current = current.replace(/%([0-9a-f]{2})/gi, (_match, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      );
    }
  }
  return current;
}

/**
 * A `.` or `..` segment (at the start, or after a slash); not a dotfile such as `/.env`, which most probes are and
 * which needs no resolving.
 */
function hasDotSegment(path: string): boolean {
  for (let at = path.indexOf('.'); at >= 0; at = path.indexOf('.', at + 1)) {
    if (at > 0 && path.charCodeAt(at - 1) !== 47 /* / */) continue;
    const next = path.charCodeAt(at + 1) === 46 /* . */ ? at + 2 : at + 1;
    if (next === path.length || path.charCodeAt(next) === 47) return true;
  }
  return false;
}

/** Dot segments resolved, and how many `..` climbed above the root (the path keeps one `..` then). */
function resolveSegments(path: string): { resolved: string; climbs: number } {
  const output: string[] = [];
  let climbs = 0;
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') output.push(segment);
    else if (output.length > 0) output.pop();
    else climbs++;
  }
  if (climbs > 0 && output.length === 0) return { resolved: TRAVERSAL, climbs };
  const resolved = `/${output.join('/')}${path.endsWith('/') ? '/' : ''}`;
  return { resolved: climbs > 0 ? `${TRAVERSAL}${resolved}` : resolved, climbs };
}

/**
 * Whether a query (`text` from `from` to `end`, after its `?`) may hold a traversal `normalizePath` reads: it contains
 * `..`, or an encoded dot or percent sign (`%2e`, `%25`, or JSON's `\u002e`, `\u0025`). A cheap superset, for
 * prefilters on raw lines.
 */
export function queryMayTraverse(text: string, from = 0, end = text.length): boolean {
  for (let index = from; index < end - 1; index++) {
    const code = text.charCodeAt(index);
    if (code === 46 /* . */ && text.charCodeAt(index + 1) === 46) return true;
    let hex = -1;
    if (code === 37 /* % */) hex = index + 1;
    else if (code === 92 /* \ */ && text.startsWith('u00', index + 1)) hex = index + 4;
    if (hex < 0) continue;
    // an overlong UTF-8 lead byte (`%c0`, `%c1`, `%e0%8`): a dot or slash in disguise (see OVERLONG)
    if (code === 37 && isOverlongLeadAt(text, hex)) return true;
    if (text.charCodeAt(hex) !== 50 /* 2 */) continue;
    const last = text.charCodeAt(hex + 1) | 32;
    if (last === 101 /* e */ || last === 53 /* 5 */) return true;
  }
  return false;
}

const OVERLONG_LEAD = /%(?:c[01]|e0%8)/i;

function isOverlongLeadAt(text: string, at: number): boolean {
  const first = text.charCodeAt(at) | 32;
  const second = text.charCodeAt(at + 1) | 32;
  if (first === 99 /* c */) return second === 48 /* 0 */ || second === 49 /* 1 */;
  return first === 101 /* e */ && second === 48 && text.startsWith('%8', at + 2);
}

/** Climbs above the root a query value needs to count: a relative link (`?next=../account`) climbs once. */
const MIN_QUERY_CLIMBS = 2;

/**
 * The file a query parameter's path traversal reaches (`/index.php?page=../../../etc/passwd`: `/../etc/passwd`), the
 * way a file inclusion bug would read it; undefined for every other query. The request is then matched as a request
 * for that file, everywhere paths are matched.
 */
function queryTraversal(query: string): string | undefined {
  if (!queryMayTraverse(query)) return undefined;
  let decoded = query.includes('%') ? decodeTwice(query) : query;
  if (decoded.includes('\\')) decoded = decoded.replaceAll('\\', '/');
  if (decoded.includes('\0')) decoded = decoded.split('&').map(beforeNullByte).join('&');
  for (const value of decoded.toLowerCase().split(/[&=]/)) {
    if (!value.includes('..')) continue;
    const { resolved, climbs } = resolveSegments(`/${value.replace(/;[^/]*/g, '')}`);
    if (climbs >= MIN_QUERY_CLIMBS)
      return resolved.length > 3 && resolved.endsWith('/') ? resolved.slice(0, -1) : resolved;
  }
  return undefined;
}

const TRAVERSAL = '/..';

/** Whether a normalised path climbed above the root: a path traversal (`/../etc/passwd`). */
export function climbsAboveRoot(path: string): boolean {
  return path.startsWith(TRAVERSAL) && (path.length === TRAVERSAL.length || path.charCodeAt(TRAVERSAL.length) === 47);
}

/** What a traversal reaches (`/etc/passwd` of `/../etc/passwd`); the path itself otherwise. */
export function traversalTarget(path: string): string {
  return climbsAboveRoot(path) ? path.slice(TRAVERSAL.length) || '/' : path;
}
