// The paths nuclei's exposure templates request (fixture and source in __fixtures__/nuclei-templates/README.md):
// which we count as sensitive, which we leave out and why, and what a nuclei run against a site looks like to us.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { getEvent } from '../../core/testing/log-events.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';

const FIXTURE = join(import.meta.dirname, '__fixtures__', 'nuclei-templates', 'exposure-paths.tsv');
const rows = readFileSync(FIXTURE, 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const [template, path, kind] = line.split('\t') as [string, string, string];
    return { template, path, kind };
  });
const matcher = new SensitivePathMatcher();
const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/** What this detector leaves out on purpose: its scope is secrets, and a name real content also has is no probe. */
const EXCLUDED: Record<string, { paths: number; why: string }> = {
  tooling: {
    paths: 138,
    why: 'build, test, lint, dependency and CI tooling files (package-lock.json, .rubocop.yml): no secrets',
  },
  page: { paths: 111, why: "an application's page, panel, status or debug page, a listing or a product's API route" },
  'server-config': {
    paths: 39,
    why: "a daemon's .conf/.cfg/.ini at the web root (redis.conf, airflow.cfg): the extensions of published examples and of phones' provisioning files, answered 200 in real logs",
  },
  'ambiguous-name': {
    paths: 32,
    why: 'a backup or key under a name real content has too (data.bak, 2024.zip, /core, /hosts, auth.json, ssl.txt)',
  },
  'visitor-log': {
    paths: 28,
    why: "access and device logs (visitors' addresses, not secrets), or logs under generic names (a blog's sample.log)",
  },
  'browser-config': {
    paths: 17,
    why: "a page's runtime configuration or public metadata that browsers load (env.prod.js, keycloak.json)",
  },
};

test('nuclei exposure paths: 321 of 686 judged sensitive (179 before), every one a secrets scanner hunts', () => {
  const sensitive = rows.filter((row) => row.kind === 'sensitive');
  const missed = sensitive.filter((row) => !matcher.matches(normalizePath(row.path)));
  assert.deepEqual(
    missed.map((row) => `${row.template} ${row.path}`),
    [],
  );
  assert.equal(rows.length, 686);
  assert.equal(rows.filter((row) => matcher.matches(normalizePath(row.path))).length, 321);
});

test('the paths left out, by why (none of them is judged sensitive)', () => {
  const counts: Record<string, number> = {};
  for (const row of rows) {
    if (row.kind === 'sensitive') continue;
    assert.ok(row.kind in EXCLUDED, `${row.template} ${row.path}: kind ${row.kind}`);
    assert.ok(!matcher.matches(normalizePath(row.path)), `${row.template} ${row.path} is sensitive now: relabel it`);
    counts[row.kind] = (counts[row.kind] ?? 0) + 1;
  }
  assert.deepEqual(counts, Object.fromEntries(Object.entries(EXCLUDED).map(([kind, { paths }]) => [kind, paths])));
});

test('every sensitive nuclei path contains one of the prefilter needles (the file and Elasticsearch filters see it)', () => {
  const needles = matcher.needles;
  for (const row of rows) {
    const path = normalizePath(row.path);
    if (!matcher.matches(path)) continue;
    assert.ok(
      needles.some((needle) => row.path.toLowerCase().includes(needle)),
      `${row.template} ${row.path}`,
    );
  }
});

const SCANNER = '198.51.100.23';
const START = Date.parse('2025-06-08T12:00:00Z');

function nucleiRun(answer: (path: string) => { status: number; bytes: number }) {
  const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
  rows.forEach((row, index) => {
    const { status, bytes } = answer(row.path);
    detector.observe({ ...getEvent(SCANNER, row.path, status, START + index * 50, BROWSER), bytes });
  });
  return detector.drainFindings(true);
}

test('a nuclei run of those paths against a site answering 404 is one scanning incident, no leak', () => {
  const findings = nucleiRun(() => ({ status: 404, bytes: 19 }));
  assert.deepEqual(
    findings.map((finding) => [finding.ip, finding.threatType]),
    [[SCANNER, 'secrets_scanning']],
  );
});

test('among those 404s, a credential file and a database backup answered 2xx with real sizes are a leak', () => {
  const served = new Map([
    ['/client_secrets.json', 2318],
    ['/htdocs.tar.bz2', 48_211_337],
  ]);
  const findings = nucleiRun((path) => {
    const bytes = served.get(path);
    return bytes === undefined ? { status: 404, bytes: 19 } : { status: 200, bytes };
  });
  assert.deepEqual(
    findings.map((finding) => [finding.ip, finding.threatType, finding.evidence.extra?.leakedPaths]),
    [
      [SCANNER, 'secrets_scanning', undefined],
      [SCANNER, 'secret_exposure', ['/htdocs.tar.bz2', '/client_secrets.json']],
    ],
  );
});
