// Scanner user agents from CrowdSec's and CRS's lists and the hub's tests, against crawlers, monitors and browsers
// (fixtures and sources in __fixtures__/scanner-agents/README.md). A scanner agent opens an incident together with
// sensitive paths, so the counter-corpus must have no scanner in it at all.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseTraefikLine } from '../traefik-log/parse-traefik-line.ts';
import { ScannerAgentMatcher } from './scanner-agent-matcher.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__', 'scanner-agents');
const REAL_SITES = join(import.meta.dirname, '__fixtures__', 'real-sites');
const matcher = new ScannerAgentMatcher();

type Row = Record<string, string>;

function tsv(name: string): Row[] {
  const [header, ...lines] = readFileSync(join(FIXTURES, name), 'utf8').trimEnd().split('\n');
  const columns = (header ?? '').split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(columns.map((column, index) => [column, cells[index] ?? '']));
  });
}

interface Case {
  /** `source: entry`, the key of a known difference. */
  key: string;
  agent: string;
}

const crowdsecList = tsv('crowdsec-bad-user-agents.tsv');
const crsScanners = tsv('crs-scanners-user-agents.tsv');
const crsScripting = tsv('crs-scripting-user-agents.tsv');
const hubTests = tsv('crowdsec-hub-tests.tsv');
const crawlerList = tsv('crawler-user-agents.tsv');
const uapCore = tsv('uap-core-agents.tsv');

/** Security scanners, exploit tools and secret hunters: every one should read as a scanner. */
const scannerCases: Case[] = [
  ...crowdsecList
    .filter((row) => row.class === 'security')
    .map((row) => ({ key: `crowdsec: ${row.agent}`, agent: row.agent ?? '' })),
  ...crsScanners
    .filter((row) => row.class === 'security')
    .map((row) => ({ key: `crs: ${row.entry}`, agent: row.entry ?? '' })),
  ...hubTests
    .filter((row) => row.crowdsec === 'bad')
    .map((row) => ({ key: `hub ${row.test}: ${row.agent}`, agent: row.agent ?? '' })),
  ...crawlerList
    .filter((row) => row.expect === 'scanner')
    .map((row) => ({ key: `crawler-user-agents ${row.pattern}: ${row.agent}`, agent: row.agent ?? '' })),
  ...uapCore
    .filter((row) => row.expect === 'scanner')
    .map((row) => ({ key: `uap-core ${row.family}: ${row.agent}`, agent: row.agent ?? '' })),
];

/**
 * Upstream entries we do not read as scanners, on purpose: as substrings they would match ordinary agents, and the
 * tools' own agents carry a longer name we do match.
 */
const KNOWN_MISSES: Record<string, string> = {
  'crowdsec: Nmap':
    "nmap's agent is 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', matched; a bare 'nmap' is inside 'unmapped' and 'DomainMapper'",
  'crs: BFAC':
    "BFAC's own agent 'BFAC 1.2 (https://github.com/mazen160/bfac)' is matched by 'mazen160/bfac'; a bare 'bfac' is four hex digits: a GUID in an Internet Explorer 6 agent of uap-core's list holds them",
  'crs: brutus': "'brutus/aet' (the tool's agent) is matched; 'brutus' alone is a name",
  'crs: grabber': "a word in other clients' names: yum's urlgrabber (uap-core), ecairn-grabber, PageGrabber",
  'crs: metis': 'a name, of an old scanner whose agent nothing upstream shows',
  'crs: bilbo': 'a name; Bilbo is a Nessus web front end CRS calls dead since 2003 (and Nessus is matched)',
  'crs: pangolin':
    'Pangolin is also the self-hosted tunnelling reverse proxy built on Traefik, whose users this guard serves; the SQL-injection tool of that name is old and its agent unknown',
  'crs: webinspect':
    "inside 'Comodo-Webinspector-Crawler', Comodo's malware check for site owners (uap-core): WebInspect's probes are left to the path rules",
  'crs: whcc/':
    "a token in 11 Internet Explorer 6 agents of uap-core's browser list, across Windows versions and .NET sets: installed in real browsers, where a tool sends one agent",
  'crowdsec: Nimbostratus':
    "Cloud System Networks' crawler: crawler-user-agents lists it as an SEO crawler and nothing documents it as a scanner; its requests are judged like any crawler's",
};

/** Generic client libraries: what monitors, health checks, CI jobs and people's own scripts send. */
const genericCases: Case[] = [
  ...crowdsecList
    .filter((row) => row.class === 'generic')
    .map((row) => ({ key: `crowdsec: ${row.agent}`, agent: row.agent ?? '' })),
  ...crsScripting.map((row) => ({ key: `crs scripting: ${row.entry}`, agent: row.entry ?? '' })),
  ...hubTests
    .filter((row) => row.crowdsec === 'ordinary')
    .map((row) => ({ key: `hub ${row.test}: ${row.agent}`, agent: row.agent ?? '' })),
];

/** The agents of the real sites' logs (browsers, crawlers, monitors, a few internet-wide scanners). */
function realSiteAgents(): string[] {
  const agents = new Set<string>();
  for (const file of readdirSync(REAL_SITES).filter((name) => name.endsWith('.log'))) {
    for (const line of readFileSync(join(REAL_SITES, file), 'utf8').split('\n')) {
      const parsed = line ? parseTraefikLine(line) : undefined;
      if (parsed?.ok && parsed.event.userAgent) agents.add(parsed.event.userAgent);
    }
  }
  return [...agents];
}

/** Internet-wide scanners that visited the real sites: they are scanners to us (and to the crawler list's tags). */
const REAL_SITE_SCANNERS = ['censys', 'expanse', 'leakix', 'zgrab'];

test('security scanners, exploit tools and secret hunters from the upstream lists read as scanners', (t) => {
  const missed = scannerCases.filter((entry) => matcher.classify(entry.agent) !== 'scanner').map((entry) => entry.key);
  t.diagnostic(`scanners read as scanners: ${scannerCases.length - missed.length} of ${scannerCases.length}`);
  for (const key of missed) t.diagnostic(`missed: ${key}`);
  assert.deepEqual(missed.sort(), Object.keys(KNOWN_MISSES).sort());
});

test('the tools behind the known misses are still scanners by their own agents', () => {
  for (const agent of [
    'BFAC 1.2 (https://github.com/mazen160/bfac)',
    'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
    'Mozilla/4.0 (Hydra)',
    'Brutus/AET',
  ])
    assert.equal(matcher.classify(agent), 'scanner', agent);
});

test('crawlers, monitors, validators and browsers never read as scanners', (t) => {
  const corpus = [
    ...crawlerList
      .filter((row) => row.expect === 'not-scanner')
      .map((row) => ({ key: `crawler-user-agents ${row.pattern}`, agent: row.agent ?? '' })),
    ...uapCore
      .filter((row) => row.expect === 'not-scanner')
      .map((row) => ({ key: `uap-core ${row.family}`, agent: row.agent ?? '' })),
    ...realSiteAgents()
      .filter((agent) => !REAL_SITE_SCANNERS.includes(matcher.scannerName(agent) ?? ''))
      .map((agent) => ({ key: 'real sites', agent })),
  ];
  const wrong = corpus
    .filter((entry) => matcher.classify(entry.agent) === 'scanner')
    .map((entry) => `${entry.key}: ${entry.agent} (${matcher.scannerName(entry.agent)})`);
  t.diagnostic(`counter-corpus read as scanners: ${wrong.length} of ${corpus.length}`);
  for (const entry of wrong) t.diagnostic(`wrong: ${entry}`);
  assert.deepEqual(wrong, []);
});

test('the real sites were visited by exactly the internet-wide scanners we know of', () => {
  const names = new Set(realSiteAgents().map((agent) => matcher.scannerName(agent)));
  names.delete(undefined);
  assert.deepEqual([...names].sort(), REAL_SITE_SCANNERS);
});

test('generic client libraries are never scanners: they count only by what they request', (t) => {
  const kinds = genericCases.map((entry) => ({ ...entry, kind: matcher.classify(entry.agent) }));
  const generic = kinds.filter((entry) => entry.kind === 'generic_client').length;
  t.diagnostic(`generic clients read as generic_client: ${generic}, ordinary: ${kinds.length - generic}`);
  assert.deepEqual(
    kinds.filter((entry) => entry.kind === 'scanner').map((entry) => entry.key),
    [],
  );
  for (const agent of ['curl/7.46.0', 'python-requests/2.32.2', 'Go-http-client/1.1', 'Wget/1.14', 'libwww-perl/6.03'])
    assert.equal(matcher.classify(agent), 'generic_client', agent);
});

test('the crawler list tags every agent we call a scanner there as a scanner, or we say why not', () => {
  const untagged = crawlerList
    .filter((row) => row.expect === 'scanner' && !(row.tags ?? '').split(',').includes('scanner'))
    .map((row) => row.pattern);
  assert.deepEqual([...new Set(untagged)].sort(), ['InternetMeasurement', 'ModatScanner', 'Odin;', 'Qualys']);
});
