// The request-target keywords of Sigma's webserver rules about files, secrets and traversal (fixture and source in
// __fixtures__/sigma-web/README.md): the secret files and traversals we read as sensitive, the keywords we leave out
// and why, and that the routes these rules name as context (a product's pages and assets) stay ordinary.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { normalizePath } from '../../core/normalize-path.ts';
import { SensitivePathMatcher } from './path-matcher.ts';

const FIXTURE = join(import.meta.dirname, '__fixtures__', 'sigma-web', 'web-rule-keywords.tsv');
const keywords = readFileSync(FIXTURE, 'utf8')
  .trim()
  .split('\n')
  .map((row) => {
    const [id, rule, field, keyword, kind] = row.split('\t') as [string, string, string, string, string];
    // Sigma matches a keyword anywhere in the request target; on its own it sits after a `/`.
    const request = keyword.startsWith('/') ? keyword : `/${keyword}`;
    return { name: `${rule} (${id}) ${field} ${keyword}`, request, kind };
  });
const matcher = new SensitivePathMatcher();
const sensitive = (request: string) => matcher.matches(normalizePath(request));

test('Sigma keywords naming a secret file or a traversal: 17 of 17 read as sensitive (16 before: an overlong UTF-8 slash hid a climb)', () => {
  const ours = keywords.filter((entry) => ['sensitive', 'traversal', 'one-request'].includes(entry.kind));
  assert.equal(keywords.length, 135);
  assert.equal(ours.length, 17);
  assert.deepEqual(
    ours.filter((entry) => !sensitive(entry.request)).map((entry) => entry.name),
    [],
  );
});

test("a traversal to the file traversals read to prove they work is an attack in one request (CVE-2010-5278's win.ini)", () => {
  const oneRequest = keywords.filter((entry) => entry.kind === 'one-request');
  assert.deepEqual(
    oneRequest.map((entry) => matcher.traversesToSensitive(normalizePath(entry.request))),
    [true],
  );
});

/** The keywords this detector leaves out: `matched` counts those our lists read as sensitive anyway. */
const LEFT_OUT: Record<string, { keywords: number; matched: number; why: string }> = {
  'app-route': {
    keywords: 68,
    matched: 0,
    why: "a product's own pages, assets and APIs the rules name as the exploit's context (Grafana's 52 /public/plugins/<name>, a router's /images/ and /login.html, Joomla's /api/index.php/v1/, F5's /tmui/): real visitors fetch them",
  },
  'exploit-marker': {
    keywords: 15,
    matched: 0,
    why: "a CVE's fixed request parts that read no secret by name (Pulse Secure's guacamole marker, Cisco's +CSCOT+ endpoints, WebLogic's console bypass, /dev/tcp): the exploit's target decides, and the full requests (CrowdSec's corpus) are counted there",
  },
  'query-value': {
    keywords: 13,
    matched: 0,
    why: 'a query value naming a directory or a flag with no climb (`=C:/Users`, `&name=/`, `public=true`): a search box sends the same; a query counts once it climbs twice',
  },
  'webshell-command': {
    keywords: 13,
    matched: 2,
    why: 'a command sent to an uploaded webshell (`/irj/x.jsp?cmd=cat /etc/passwd`): the webshell is the attack, not a file request; `/etc/passwd` and its encoding, read on their own as a path, are ours',
  },
  'traversal-start': {
    keywords: 6,
    matched: 0,
    why: "CVE-2021-41773's first encoded climb (`/cgi-bin/.%2e/`): on its own it climbs back to the root; the exploit's further climbs (`.%2e/.%2e/etc/passwd`) leave it and are a traversal",
  },
  'server-config': {
    keywords: 1,
    matched: 0,
    why: "Citrix's /vpns/cfg/smb.conf: a daemon's .conf (judged so in the nuclei fixture too); the CVE's traversal to it (`/../vpns/`) is counted",
  },
  'visitor-log': {
    keywords: 1,
    matched: 0,
    why: "Milesight's /lang/log/httpd.log: an access log under a product's path (visitors' addresses; access logs are left out in the nuclei fixture too)",
  },
  'outside-target': {
    keywords: 1,
    matched: 0,
    why: "Citrix Bleed's payload is a 150-character Host header; its path is an OpenID well-known URL that every OIDC client fetches",
  },
};

test('the Sigma keywords left out, by why', () => {
  const counts: Record<string, { keywords: number; matched: number }> = {};
  for (const entry of keywords) {
    if (['sensitive', 'traversal', 'one-request'].includes(entry.kind)) continue;
    assert.ok(entry.kind in LEFT_OUT, `${entry.name}: kind ${entry.kind}`);
    const count = counts[entry.kind] ?? { keywords: 0, matched: 0 };
    counts[entry.kind] = count;
    count.keywords++;
    if (sensitive(entry.request)) count.matched++;
  }
  assert.deepEqual(
    counts,
    Object.fromEntries(Object.entries(LEFT_OUT).map(([kind, { keywords, matched }]) => [kind, { keywords, matched }])),
  );
});
