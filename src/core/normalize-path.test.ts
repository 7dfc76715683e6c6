import assert from 'node:assert/strict';
import { test } from 'node:test';
import { climbsAboveRoot, normalizePath, traversalTarget } from './normalize-path.ts';

test('normalizePath resolves dot segments and duplicate slashes, and leaves dotfiles as they are', () => {
  const cases: Array<[string, string]> = [
    ['/.env', '/.env'],
    ['/.git/config', '/.git/config'],
    ['/app/.env.bak', '/app/.env.bak'],
    ['/a/./.env', '/a/.env'],
    ['/a/../.env', '/.env'],
    ['/a/b/..', '/a'],
    ['/a/.', '/a'],
    ['.', '/'],
    ['..', '/..'],
    ['./.env', '/.env'],
    ['../.git/config', '/../.git/config'],
    ['/..env', '/..env'],
    ['/...', '/...'],
    ['/a..b/', '/a..b'],
    ['//.env', '/.env'],
    ['/%2e%2e/.env', '/../.env'],
    ['/static\\..\\.env', '/.env'],
    ['/.ENV;jsessionid=1', '/.env'],
    ['/config.json.bak?x=/../', '/config.json.bak'],
    // climbing above the root: a traversal, marked with one `..`
    ['/static/../../etc/passwd', '/../etc/passwd'],
    ['/public/plugins/grafana/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd', '/../etc/passwd'],
    ['/%252E%252E%252Ffoo1', '/../foo1'],
    ['/..;/..;/.env', '/../.env'],
    ['/a/../../', '/..'],
    // a NUL ends the last segment, as a C file API reads it; one before a later `/` leaves the climb to resolve
    ['/.htpasswd%00.jpg', '/.htpasswd'],
    ['/index.php?op=../../../../boot.ini%00', '/../boot.ini'],
    ['/index.php?op=../../../etc/passwd%00.php&x=1', '/../etc/passwd'],
    ['/a%00/../../etc/passwd', '/../etc/passwd'],
  ];
  for (const [raw, expected] of cases) assert.equal(normalizePath(raw), expected, raw);
});

test('climbsAboveRoot and traversalTarget', () => {
  assert.deepEqual(
    ['/../etc/passwd', '/..', '/..env', '/...', '/a/..b'].map((path) => [climbsAboveRoot(path), traversalTarget(path)]),
    [
      [true, '/etc/passwd'],
      [true, '/'],
      [false, '/..env'],
      [false, '/...'],
      [false, '/a/..b'],
    ],
  );
});

test('a query parameter that climbs above the root twice or more makes the request one for the file it reaches', () => {
  const cases: Array<[string, string]> = [
    ['/index.php?page=../../../../etc/passwd', '/../etc/passwd'],
    ['/remote/fgt_lang?lang=/../../..//////////dev/cmdb/sslvpn_websession', '/../dev/cmdb/sslvpn_websession'],
    ['/download?file=..%2F..%2F..%2Fetc%2Fshadow&x=1', '/../etc/shadow'],
    ['/view?f=%252e%252e%252f%252e%252e%252fwindows%5cwin.ini', '/../windows/win.ini'],
    ['/a?x=..\\..\\boot.ini', '/../boot.ini'],
    // one climb is a relative link; no climb is no traversal; a dot pair inside a name is a name
    ['/login?next=../account', '/login'],
    ['/docs?path=guide/../intro', '/docs'],
    ['/search?q=wait...what', '/search'],
    ['/files?name=report..final.pdf', '/files'],
  ];
  for (const [raw, expected] of cases) assert.equal(normalizePath(raw), expected, raw);
});

test('overlong UTF-8 forms of dot, slash and backslash are read as old IIS and Tomcat decoders read them', () => {
  const cases: Array<[string, string]> = [
    // Sigma's path traversal rule (7745c2ea): `..%c0%af` three times, then etc
    ['/..%c0%af..%c0%af..%c0%afetc%c0%afpasswd', '/../etc/passwd'],
    ['/%C0%AE%C0%AE/%c0%ae%c0%ae/.env', '/../.env'],
    ['/scripts/..%c1%9c../winnt/system32/cmd.exe', '/../winnt/system32/cmd.exe'],
    // continuation bytes IIS does not check (Nimda, in the web-honeypots fixtures), and the same trick on a secret
    ['/scripts/..%c1%1c../winnt/system32/cmd.exe', '/../winnt/system32/cmd.exe'],
    ['/scripts/..%c0%2f../winnt/system32/cmd.exe', '/../winnt/system32/cmd.exe'],
    ['/..%c0%2f..%c0%2fetc%c0%2fpasswd', '/../etc/passwd'],
    ['/..%C1%5C..%c1%dcetc%c0%6fshadow', '/../etc/shadow'],
    ['/%c0%2e%c0%6e/%c0%ee%c0%ae/.env', '/../.env'],
    ['/%e0%80%ae%e0%80%ae%e0%80%afetc%e0%80%afshadow', '/../etc/shadow'],
    // encoded once more (`%25`), and in a query's file parameter
    ['/..%25c0%25af..%25c0%25afetc%25c0%25afpasswd', '/../etc/passwd'],
    ['/view.php?file=..%c0%af..%c0%af..%c0%afetc%c0%afpasswd', '/../etc/passwd'],
    // other invalid or valid multi-byte sequences stay what they were
    ['/caf%c3%a9/menu', '/café/menu'],
    ['/a%c0b', '/a\u00e0b'],
    ['/a%c0%41b', '/a\u00e0ab'],
    ['/a%c1%1d', '/a\u00e1\u001d'],
  ];
  for (const [raw, expected] of cases) assert.equal(normalizePath(raw), expected, raw);
});

test('a request target in absolute form (RFC 9112 3.2.2) is matched by its path', () => {
  const cases: Array<[string, string]> = [
    // Apache behind a front proxy speaking HTTP/1.0 logs every request so (a real site: real-sites/README.md)
    ['http://www.grandjet.ru/index.php', '/index.php'],
    ['http://www.grandjet.ru/.env', '/.env'],
    ['HTTPS://Example.com:8443/.git/config?x=1', '/.git/config'],
    ['http://example.com', '/'],
    ['http://example.com?x=1', '/'],
    // the path's own rules still apply: a traversal keeps its climb, in the path or in the query
    ['http://example.com/static/../../etc/passwd', '/../etc/passwd'],
    ['http://example.com/index.php?page=../../../etc/passwd', '/../etc/passwd'],
    // not absolute form: a scheme only names one with `://`; CONNECT's authority form stays a name
    ['/redirect/http://example.com/.env', '/redirect/http:/example.com/.env'],
    ['www.google.com:443', '/www.google.com:443'],
  ];
  for (const [raw, expected] of cases) assert.equal(normalizePath(raw), expected, raw);
});
