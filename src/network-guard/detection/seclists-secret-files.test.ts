// The secret-file probes of SecLists' Discovery/Web-Content lists (quickhits.txt, Common-DB-Backups.txt; fixture and
// source in __fixtures__/seclists/README.md): which database files, password files, private keys and credential
// configurations our sensitive-path rules count, which they miss, and which names we leave out and why. The public
// files of real sites and self-hosted applications stay what they were: the bound on every new rule.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { getEvent } from '../../core/testing/log-events.ts';
import { replayFile } from '../traefik-log/replay-file.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__');
const matcher = new SensitivePathMatcher();
const sensitive = (path: string) => matcher.matches(normalizePath(path));

const probes = readFileSync(join(FIXTURES, 'seclists', 'secret-file-probes.tsv'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const [list, entry, path, kind] = line.split('\t') as [string, string, string, string];
    return { list, entry, path, kind };
  });

/** The secrets a scanner hunts with these lists, by what they are: each must be counted. */
const SECRET_KINDS: Record<string, string> = {
  database: 'database files and dumps (Access .mdb, SQLite, .sql and its archives, Redis .rdb, mysqldump output)',
  'password-file': 'password and login files (htpasswd copies, FrontPage .pwd, BSD master.passwd, pass.txt lists)',
  'private-key': 'private keys and keyrings (SSH keys and their copies, PGP secring, PuTTY .ppk)',
  'credential-config': 'configuration with database or service passwords, and its copies (config.inc, dbconn, .ini)',
};

/** The measured figures: found of cases per list and kind, and what is still missed (see the README for why). */
const FOUND: Record<string, { found: number; cases: number }> = {
  'common-db-backups database': { found: 302, cases: 302 },
  'quickhits database': { found: 101, cases: 101 },
  'quickhits password-file': { found: 40, cases: 40 },
  'quickhits private-key': { found: 13, cases: 13 },
  'quickhits credential-config': { found: 213, cases: 215 },
};

/** Secrets by SecLists' name that we still leave uncounted, on purpose: the name is also real content's. */
const KNOWN_MISSES: Record<string, string> = {
  'quickhits credential-config: database.php':
    "a script the server runs under a page's name at the root (a site's `database.php` page); CodeIgniter's and Laravel's `/config/database.php` are counted",
  'quickhits credential-config: settings.xml':
    "Maven's settings.xml holds repository passwords, but web applications load a public settings.xml of their own",
};

test('SecLists secret-file probes by kind: 669 of 671 found (521 on main), the two left explained', (t) => {
  const figures: Record<string, { found: number; cases: number }> = {};
  const missed: string[] = [];
  for (const probe of probes) {
    if (!(probe.kind in SECRET_KINDS)) continue;
    const key = `${probe.list} ${probe.kind}`;
    const figure = figures[key] ?? { found: 0, cases: 0 };
    figures[key] = figure;
    figure.cases++;
    if (sensitive(probe.path)) figure.found++;
    else missed.push(`${key}: ${probe.entry}`);
  }
  for (const [key, { found, cases }] of Object.entries(figures)) t.diagnostic(`${key}: ${found}/${cases}`);
  for (const line of missed) t.diagnostic(`missed ${line}`);
  assert.deepEqual(figures, FOUND);
  assert.deepEqual(missed, Object.keys(KNOWN_MISSES));
});

/**
 * The names left out: a name real content has too, or a file that holds no secret. `matched` counts those our
 * rules count anyway for reasons of their own (a `wp-config` fragment, a framework's `conf/` directory).
 */
const LEFT_OUT: Record<string, { cases: number; matched: number; why: string }> = {
  'ambiguous-name': {
    cases: 30,
    matched: 0,
    why: "a name real content has: `/password` and `/passwords` (a shop's storefront password page, a reset form), config.txt (a Raspberry Pi's, published), accounts.txt, usernames.txt (no password), users.zip and dbadmin.tar.gz (a tool's download)",
  },
  'sample-config': {
    cases: 13,
    matched: 1,
    why: "shipped templates (`.templ`, `.template`, `.example`, and Magento 1's own `local.xml.additional`, as the nuclei corpus judges it): placeholders, as the CRS corpus judges them; wp-config.php.templ is counted by the wp-config fragment",
  },
  'library-include': {
    cases: 11,
    matched: 0,
    why: 'PHP includes named for what they do (common.inc, globals.inc, adovbs.inc, backup.inc): code, no credential by name',
  },
  'server-config': {
    cases: 12,
    matched: 1,
    why: "a daemon's .conf/.cfg at the web root (httpd.conf, zebra.conf, mrtg.cfg): published examples have them too, as the nuclei corpus judges them; conf/server.xml is counted by the framework configuration directory rule",
  },
  'thumbnail-cache': {
    cases: 2,
    matched: 0,
    why: "Windows' Thumbs.db and ehthumbs.db: image thumbnails, not a database of secrets",
  },
  'public-certificate': { cases: 1, matched: 0, why: 'RootCA.crt: a certificate is public by design' },
  page: { cases: 2, matched: 0, why: 'password.html, passwords.html: pages, not files of passwords' },
};

test('the SecLists names left out, by why', () => {
  const counts: Record<string, { cases: number; matched: number }> = {};
  for (const probe of probes) {
    if (probe.kind in SECRET_KINDS) continue;
    assert.ok(probe.kind in LEFT_OUT, `${probe.entry}: kind ${probe.kind}`);
    const count = counts[probe.kind] ?? { cases: 0, matched: 0 };
    counts[probe.kind] = count;
    count.cases++;
    if (sensitive(probe.path)) count.matched++;
  }
  assert.deepEqual(
    counts,
    Object.fromEntries(Object.entries(LEFT_OUT).map(([kind, { cases, matched }]) => [kind, { cases, matched }])),
  );
});

test('every SecLists probe we count contains a prefilter needle (the file and Elasticsearch filters see it)', () => {
  const needles = matcher.needles;
  for (const probe of probes) {
    if (!sensitive(probe.path)) continue;
    const raw = probe.path.toLowerCase();
    assert.ok(
      needles.some((needle) => raw.includes(needle)),
      probe.path,
    );
  }
});

test("real sites' served files and self-hosted applications' routes: no more counted than before these rules", async () => {
  const directory = join(FIXTURES, 'real-sites');
  const served = new Set<string>();
  for (const name of readdirSync(directory).filter((file) => file.endsWith('.log'))) {
    for await (const batch of replayFile(join(directory, name))) {
      for (const event of batch.events) if (event.status >= 200 && event.status < 300) served.add(event.path);
    }
  }
  // scanners' probes that the sites' fallback pages answered 200 (real-site-logs.test.ts: none is a visitor's)
  assert.deepEqual([...served].filter((path) => matcher.matches(path)).sort(), [
    '/.ds_store',
    '/.env',
    '/.git/config',
    '/.vscode/sftp.json',
    '/config.json',
    '/debug/default/view',
    '/files/logstash/config.xml',
    '/s/2393e20353e2838313e253/_/meta-inf/maven/com.atlassian.jira/jira-webapp-dist/pom.properties',
    '/server-status',
    '/telescope/requests',
  ]);
  const routes = readFileSync(join(FIXTURES, 'self-hosted-apps', 'route-paths.tsv'), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split('\t')[2] as string);
  assert.equal(routes.length, 3138);
  // the 33 of self-hosted-routes.test.ts, each judged there
  assert.equal(routes.filter((path) => sensitive(path)).length, 33);
});

const SCANNER = '198.51.100.41';
const START = Date.parse('2026-11-20T03:00:00Z');
const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

function scanRun(served: ReadonlyMap<string, number>) {
  const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
  probes.forEach((probe, index) => {
    const bytes = served.get(probe.path);
    const answer = bytes === undefined ? { status: 404, bytes: 19 } : { status: 200, bytes };
    detector.observe({ ...getEvent(SCANNER, probe.path, answer.status, START + index * 50, BROWSER), ...answer });
  });
  return detector.drainFindings(true);
}

test('a run of these probes against a site answering 404 is one scanning incident, no leak', () => {
  assert.deepEqual(
    scanRun(new Map()).map((finding) => [finding.ip, finding.threatType]),
    [[SCANNER, 'secrets_scanning']],
  );
});

test('among them an Access database and a PHP include answered 2xx with real sizes are a leak', () => {
  const findings = scanRun(
    new Map([
      ['/db/main.mdb', 1_318_912],
      ['/config.inc', 1_204],
    ]),
  );
  assert.deepEqual(
    findings.map((finding) => [finding.ip, finding.threatType, finding.evidence.extra?.leakedPaths]),
    [
      [SCANNER, 'secrets_scanning', undefined],
      [SCANNER, 'secret_exposure', ['/db/main.mdb', '/config.inc']],
    ],
  );
});
