// The OWASP Core Rule Set's restricted-file names (rule 930130) and its path traversal and file access regression
// tests (930100, 930110, 930120, 930130), fixtures and source in __fixtures__/crs/README.md: which secrets and
// configuration leaks we read as sensitive, which names we leave out and why, and that its false-positive tests stay
// ordinary requests for us.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { climbsAboveRoot, normalizePath } from '../../core/normalize-path.ts';
import { SensitivePathMatcher } from './path-matcher.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__', 'crs');
const matcher = new SensitivePathMatcher();

function tsv(name: string): string[][] {
  return readFileSync(join(FIXTURES, name), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t'));
}

const names = tsv('restricted-files.tsv').map(([entry, path, kind]) => ({
  entry: entry as string,
  path: path as string,
  kind: kind as string,
}));
const osFiles = tsv('lfi-os-files.tsv').map(([entry, path, kind]) => ({
  entry: entry as string,
  path: path as string,
  kind: kind as string,
}));
const cases = tsv('lfi-tests.tsv').map(([rule, id, method, uri, expected, kind]) => ({
  name: `${rule}-${id} ${method} ${uri}`,
  uri: uri as string,
  expected: expected as string,
  kind: kind as string,
}));

const sensitive = (path: string) => matcher.matches(normalizePath(path));

/**
 * The restricted-file names this detector leaves out: its scope is secrets, and CRS (a WAF that blocks a request
 * for any file a web root should not serve) lists much that holds none. `matched` counts the ones our lists count
 * anyway, for reasons of their own (a scanner probes them, or a traversal reads them to prove it works).
 */
const LEFT_OUT: Record<string, { names: number; matched: number; why: string }> = {
  'os-state': {
    names: 93,
    matched: 0,
    why: 'kernel and process state under /proc and /sys (cpuinfo, interrupts): an LFI target, not a secret, and a web path of its own on real sites (`/get/proc/interrupts`); reached by a traversal it counts already, and /proc/self/ (the environment) is ours',
  },
  tooling: {
    names: 117,
    matched: 7,
    why: 'ignore files, lint, build, test and dependency manifests, language toolchains and caches (.gitignore, yarn.lock, go.mod, .nvm/), static-site and Sass configs (config.toml, config.rb, judged tooling in the nuclei fixture too): no secrets',
  },
  'desktop-state': {
    names: 44,
    matched: 3,
    why: 'desktop, editor and terminal state in a home directory (.cache/, .vimrc, .tmux.conf, .xauthority, Thumbs.db, .DS_Store): discloses a layout, not a credential',
  },
  'sample-config': {
    names: 38,
    matched: 0,
    why: 'shipped templates (config.sample.php, Roundcube defaults.inc.php) hold placeholder values; installs serve them',
  },
  'ambiguous-name': {
    names: 13,
    matched: 0,
    why: "names real content has too: config.txt (a Raspberry Pi or game server config published as a page), auth.json, .pass, /openvpn (a VPN provider's help page)",
  },
  'browser-config': {
    names: 10,
    matched: 1,
    why: "config.json and its dev/prod/test variants: a single-page application's runtime configuration that browsers load (`/config.json` itself is already ours)",
  },
  'build-log': {
    names: 7,
    matched: 3,
    why: 'package manager, process manager and rsync logs (pm2.log, rsync.log, yarn-error.log) and a report CSV: build output, not secrets',
  },
  'editor-project': {
    names: 4,
    matched: 0,
    why: 'bare editor project directories (.vscode, .idea, nbproject/): settings; the credential files inside (.vscode/sftp.json) are listed by name',
  },
  'dev-server': {
    names: 3,
    matched: 1,
    why: "Vite's /@fs/ and /@id/ endpoints (what they read decides: /@fs/.env is a .env) and phpinfo.php (ours already)",
  },
  'windows-ini': {
    names: 3,
    matched: 2,
    why: "Windows' boot.ini, win.ini and system.ini: no secrets; ours count the first two (and /windows/system.ini) as the files a traversal reads to prove it works",
  },
};

test('CRS restricted-file names about secrets and configuration leaks: 285 of 285 read as sensitive (123 on main)', () => {
  const secrets = names.filter((name) => name.kind === 'sensitive');
  const missed = secrets.filter((name) => !sensitive(name.path));
  assert.equal(names.length, 617);
  assert.equal(secrets.length, 285);
  assert.equal(secrets.length - missed.length, 285);
});

test('the restricted-file names left out, by why', () => {
  const counts: Record<string, { names: number; matched: number }> = {};
  for (const name of names) {
    if (name.kind === 'sensitive') continue;
    assert.ok(name.kind in LEFT_OUT, `${name.entry}: kind ${name.kind}`);
    const count = counts[name.kind] ?? { names: 0, matched: 0 };
    counts[name.kind] = count;
    count.names++;
    if (sensitive(name.path)) count.matched++;
  }
  assert.deepEqual(
    counts,
    Object.fromEntries(Object.entries(LEFT_OUT).map(([kind, { names, matched }]) => [kind, { names, matched }])),
  );
});

/** The OS-file names left out as a traversal's target (kinds shared with the restricted files are counted apart). */
const OS_FILES_LEFT_OUT: Record<string, { names: number; why: string }> = {
  'os-file': {
    names: 476,
    why: "an operating system's or a daemon's files, logs, spools and directories (etc/issue, etc/nginx, var/log, apache2/httpd.conf): no credential of their own; a traversal to one is a probe, counted towards the thresholds, and the few ours know (etc/hosts, error logs) are one-request attacks",
  },
  'key-directory': {
    names: 9,
    why: 'directories that hold keys or password hashes (etc/ssh, etc/ssl, etc/letsencrypt, system32/config): a traversal reads a file in one, and CRS names none',
  },
  'unclear-name': {
    names: 2,
    why: 'config/custom.php and security.yml: no credential by name (Symfony keeps one only for in-memory users)',
  },
};

test('CRS OS files about secrets, reached by a traversal: 30 of 30 a one-request attack (14 on main)', () => {
  const secrets = osFiles.filter((file) => file.kind === 'sensitive');
  assert.equal(osFiles.length, 532);
  assert.equal(secrets.length, 30);
  assert.equal(secrets.filter((file) => matcher.traversesToSensitive(normalizePath(file.path))).length, 30);
  const leftOut: Record<string, number> = {};
  for (const file of osFiles) {
    if (file.kind === 'sensitive' || file.kind in LEFT_OUT) continue;
    assert.ok(file.kind in OS_FILES_LEFT_OUT, `${file.entry}: kind ${file.kind}`);
    leftOut[file.kind] = (leftOut[file.kind] ?? 0) + 1;
  }
  assert.deepEqual(
    leftOut,
    Object.fromEntries(Object.entries(OS_FILES_LEFT_OUT).map(([kind, { names }]) => [kind, names])),
  );
});

/** CRS regression tests that trigger its rules but that this detector, reading access logs' paths, leaves out. */
const CASES_LEFT_OUT: Record<string, { cases: number; why: string }> = {
  'outside-target': {
    cases: 9,
    why: 'the payload is in a header or the body (XML attribute, form field, upload file name): an access log holds only the request target',
  },
  'query-value': {
    cases: 9,
    why: 'a file name in a query value with no climb (`?code=backup.sql.zip`, `?test=/sys/class`): a search box sends the same (`?q=.env`); a query counts once it climbs twice out of the root',
  },
  'one-climb': {
    cases: 3,
    why: 'a query value that climbs once (`?arg=..\\pineapple`, `?code=../.history`): relative links do too (`?next=../account`)',
  },
  'triple-dot': {
    cases: 3,
    why: '`.../.../WINDOWS/win.ini` in a query: `...` is an ordinary segment name on every server we front, no climb',
  },
  'os-state': { cases: 2, why: '/sys/class and /proc/interrupts under a prefix: kernel state, as the names above' },
  tooling: { cases: 2, why: '.aiignore and .cursorignore: ignore files, as the names above' },
  'dev-server': { cases: 1, why: "Vite's /@id/ module endpoint: source code, not a secret" },
  'windows-ini': { cases: 1, why: 'a traversal to boot.ini: counted as a traversal, and below' },
};

test('CRS positive tests about secrets, in the request target: 8 of 8 read as sensitive', () => {
  const secrets = cases.filter((entry) => entry.kind === 'sensitive');
  assert.ok(secrets.every((entry) => entry.expected === 'trigger'));
  assert.equal(secrets.length, 8);
  assert.equal(secrets.filter((entry) => sensitive(entry.uri)).length, 8);
  const leftOut: Record<string, number> = {};
  for (const entry of cases) {
    if (entry.kind === 'sensitive' || entry.kind === 'negative') continue;
    assert.ok(entry.kind in CASES_LEFT_OUT, `${entry.name}: kind ${entry.kind}`);
    leftOut[entry.kind] = (leftOut[entry.kind] ?? 0) + 1;
  }
  assert.deepEqual(
    leftOut,
    Object.fromEntries(Object.entries(CASES_LEFT_OUT).map(([kind, { cases }]) => [kind, cases])),
  );
});

test('CRS traversals through a query to a file we count: 3 of 3 an attack in one request (1 before: a trailing %00 hid the file)', () => {
  const traversals = cases.filter((entry) => /\?.*\.\.\/\.\.\//.test(entry.uri) && entry.expected === 'trigger');
  assert.deepEqual(
    traversals.map((entry) => [entry.name, matcher.traversesToSensitive(normalizePath(entry.uri))]),
    [
      ['930110-2 GET /get?arg=../../../etc/passwd', true],
      ['930120-1 GET /get/index.php?file=News&op=../../../../../boot.ini%00', true],
      [
        '930120-3 GET /get/index.php?file=News&op=../../../../../../../../../../usr/local/apps/apache2/conf/httpd.conf%00',
        true,
      ],
    ],
  );
});

test('CRS false-positive tests (no_expect_ids): none of the 12 reads as sensitive', () => {
  const negatives = cases.filter((entry) => entry.expected === 'none');
  assert.equal(negatives.length, 12);
  assert.ok(negatives.every((entry) => entry.kind === 'negative'));
  assert.deepEqual(
    negatives.filter((entry) => sensitive(entry.uri)).map((entry) => entry.name),
    [],
  );
});

test('every CRS path we read as sensitive contains a prefilter needle (the file and Elasticsearch filters see it)', () => {
  const needles = matcher.needles;
  for (const path of [...names, ...osFiles].map((name) => name.path).concat(cases.map((entry) => entry.uri))) {
    const normalized = normalizePath(path);
    // a traversal to a file we do not know passes the filters by its `..` alone
    if (!matcher.matches(normalized) || (climbsAboveRoot(normalized) && !matcher.traversesToSensitive(normalized)))
      continue;
    const raw = path.toLowerCase();
    assert.ok(
      needles.some((needle) => raw.includes(needle)),
      path,
    );
  }
});
