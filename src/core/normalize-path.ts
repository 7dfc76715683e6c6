/**
 * The form of a request path used for matching: query and fragment removed, percent-decoding applied twice
 * (`/%252eenv`), backslashes as slashes, lower-cased, `;param` of each segment dropped, duplicate slashes and dot
 * segments resolved, trailing slash dropped. Scanners use all of these to slip past naive string matching.
 * A path that climbs above the root (`/static/../../etc/passwd`, `/%2e%2e/.env`) keeps one `..` in front
 * (`/../etc/passwd`): no browser or HTTP library sends one (they resolve dot segments first), so it is a crafted
 * request, a path traversal, and stays recognisable as one (see `climbsAboveRoot`).
 */
export function normalizePath(rawPath: string): string {
  let path = rawPath;
  const cut = path.search(/[?#]/);
  if (cut >= 0) path = path.slice(0, cut);
  if (path.includes('%')) path = decodeTwice(path);
  if (path.includes('\\')) path = path.replaceAll('\\', '/');
  path = path.toLowerCase();
  // Each segment's `;param` goes (`/a;jsessionid=1/b`), as servlet containers drop it: `/..;/.env` is `/../.env`
  // there, that is `/.env`, a trick to get past proxies that compare the raw path.
  if (path.includes(';')) path = path.replace(/;[^/]*/g, '');
  if (path.includes('//') || hasDotSegment(path)) path = resolveSegments(path);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path.startsWith('/') ? path : `/${path}`;
}

function decodeTwice(path: string): string {
  let current = path;
  for (let round = 0; round < 2 && current.includes('%'); round++) {
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

function resolveSegments(path: string): string {
  const output: string[] = [];
  let climbed = false;
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') output.push(segment);
    else if (output.length > 0) output.pop();
    else climbed = true;
  }
  if (climbed && output.length === 0) return TRAVERSAL;
  const resolved = `/${output.join('/')}${path.endsWith('/') ? '/' : ''}`;
  return climbed ? `${TRAVERSAL}${resolved}` : resolved;
}

const TRAVERSAL = '/..';

/** Whether a normalised path climbed above the root: a path traversal (`/../etc/passwd`). */
export function climbsAboveRoot(path: string): boolean {
  return path.startsWith(TRAVERSAL) && (path.length === 3 || path.charCodeAt(3) === 47) /* / */;
}

/** What a traversal reaches (`/etc/passwd` of `/../etc/passwd`); the path itself otherwise. */
export function traversalTarget(path: string): string {
  return climbsAboveRoot(path) ? path.slice(TRAVERSAL.length) || '/' : path;
}
