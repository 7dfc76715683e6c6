// The web access-log cases of Wazuh's rule tests (fixture and source in __fixtures__/wazuh-ruleset/README.md): which
// lines we read, that no ordinary line and no attack on something other than secrets is an incident, that each
// secret probe is counted, and that a client sending Wazuh's "Suspicious URL access" lines together is one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { parseTraefikLine } from '../traefik-log/parse-traefik-line.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';

const FIXTURE = join(import.meta.dirname, '__fixtures__', 'wazuh-ruleset', 'web-access-cases.tsv');
const cases = readFileSync(FIXTURE, 'utf8')
  .trim()
  .split('\n')
  .map((row) => {
    const [file, title, number, outcome, rule, , , kind, line] = row.split('\t') as string[];
    return { name: `${file} ${rule} ${outcome} "${title}" log ${number}`, rule, kind, line: line as string };
  });
const matcher = new SensitivePathMatcher();

/**
 * Wazuh's hand-written lines give the day as one digit (`[1/Apr/2014:00:00:01 -0500]`); Apache and nginx write it
 * with two (strftime's %d, `$time_local`), the only form our timestamp reader takes. The day is padded here: the
 * lines are read as the servers would have written them.
 */
function asServersWriteIt(line: string): string {
  return line.replace(/\[(\d)\//, '[0$1/');
}

function read(line: string): LogEvent | undefined {
  const parsed = parseTraefikLine(asServersWriteIt(line));
  return parsed.ok ? parsed.event : undefined;
}

/** The lines we do not read, by why (each refused as a whole: no client address is guessed). */
const UNREAD: Record<string, { lines: number; why: string }> = {
  'iis-w3c': {
    lines: 4,
    why: "IIS's W3C extended format (`2015-03-11 22:01:59 1.2.3.4 GET /CFIDE/... 443 - 31.3.3.7 ...`): its fields are named only in the file's `#Fields:` header, which the cases do not carry",
  },
  'syslog-custom': {
    lines: 3,
    why: 'a syslog prefix before a custom layout (`web01 nginx: ::ffff:202.194.15.192 190.7.138.180 - [...`, `apache: 10.11.12.13 - - - [...`): two addresses or an extra field where combined has one, so which is the client cannot be told',
  },
  'cut-by-upstream': {
    lines: 3,
    why: 'the comment-spam lines end inside their user agent (`"Googlebot/1`): no closing quote',
  },
};

function unreadKind(line: string): string {
  if (/^\d{4}-\d\d-\d\d /.test(line)) return 'iis-w3c';
  if (/^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \S+ \w+: /.test(line)) return 'syslog-custom';
  return 'cut-by-upstream';
}

test('Wazuh web cases: 33 of 43 lines read (4 as written: the rest give the day as one digit), the others by why', () => {
  assert.equal(cases.length, 43);
  assert.equal(cases.filter((entry) => parseTraefikLine(entry.line).ok).length, 4);
  const unread: Record<string, number> = {};
  for (const entry of cases) {
    if (read(entry.line)) continue;
    const kind = unreadKind(entry.line);
    unread[kind] = (unread[kind] ?? 0) + 1;
  }
  assert.deepEqual(unread, Object.fromEntries(Object.entries(UNREAD).map(([kind, { lines }]) => [kind, lines])));
});

test('no ordinary line, no scan of pages and no attack on something other than secrets is an incident (0 of 27 read)', () => {
  const others = cases.filter((entry) => entry.kind !== 'secret-probe');
  const incidents: string[] = [];
  let judged = 0;
  for (const entry of others) {
    const event = read(entry.line);
    if (!event) continue;
    judged++;
    const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
    detector.observe(event);
    for (const finding of detector.drainFindings(true)) incidents.push(`${entry.name}: ${finding.threatType}`);
    if (matcher.matches(normalizePath(event.path))) incidents.push(`${entry.name}: counted as a probe`);
  }
  assert.equal(judged, 27);
  assert.deepEqual(incidents, []);
});

test('the secret probes we read are each counted as one (6 of 6 read; 2 more are in unread layouts)', () => {
  const probes = cases.filter((entry) => entry.kind === 'secret-probe');
  assert.equal(probes.length, 8);
  const read_ = probes.flatMap((entry) => {
    const event = read(entry.line);
    return event ? [{ name: entry.name, path: normalizePath(event.path) }] : [];
  });
  assert.deepEqual(
    read_.filter((probe) => !matcher.matches(probe.path)).map((probe) => `${probe.name} ${probe.path}`),
    [],
  );
  assert.equal(read_.length, 6);
});

test('Wazuh\'s six "Suspicious URL access" lines from one client are one secrets-scanning incident', () => {
  const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
  for (const entry of cases.filter((each) => each.rule === '31516')) detector.observe(read(entry.line)!);
  assert.deepEqual(
    detector.drainFindings(true).map((finding) => [finding.ip, finding.threatType, finding.evidence.statuses]),
    [['10.0.0.5', 'secrets_scanning', { 404: 6 }]],
  );
});

/** The request target of a line in a layout we do not read: IIS's stem and query fields, or the quoted request. */
function requestTarget(line: string): string {
  const iis = / (?:GET|POST) (\S+) (\S+) \d+ /.exec(line);
  if (iis) return iis[2] === '-' ? iis[1]! : `${iis[1]}?${iis[2]}`;
  return /"[A-Z]+ (\S+) HTTP/.exec(line)![1]!;
}

test('the two secret probes in layouts we do not read: their request targets are probes for our matcher', () => {
  const unread = cases.filter((entry) => entry.kind === 'secret-probe' && !read(entry.line));
  assert.deepEqual(
    unread.map((entry) => {
      const path = normalizePath(requestTarget(entry.line));
      return [entry.rule, path, matcher.matches(path)];
    }),
    [
      // ColdFusion's l10n.cfm traversal (CVE-2010-2861): the query's first climb out of the root counts
      ['31104', '/../administrator/mail/download.cfm', true],
      // phpMyAdmin's config.inc.php (its database credentials)
      ['31101', '/php-my-admin/config/config.inc.php', true],
    ],
  );
});
