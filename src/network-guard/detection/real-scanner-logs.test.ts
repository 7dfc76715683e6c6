// Real attackers in real sites' logs (fixtures in __fixtures__/real-scanners, sources in its README). Each client is
// labelled from the log itself, by a rule written down before measuring, and the replay must agree:
//   scanner:  requested at least 3 distinct sensitive paths (the detector's own list, SensitivePathMatcher, on the
//             request target's path decoded and normalised), whatever the answers (refused, a fallback page or a
//             leak: a secrets_scanning or a secret_exposure finding is expected either way);
//   ordinary: never requested a sensitive path: no finding of any kind;
//   the rest (one or two sensitive paths) is not labelled.
// The labels come from a plain regular expression over the line, not from the reader, so a line the reader drops
// shows up as a miss; every line the reader skips as malformed is listed and must really not be an access line.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { parseTraefikLine } from '../traefik-log/parse-traefik-line.ts';
import { replayFile } from '../traefik-log/replay-file.ts';
import { SensitivePathMatcher } from './path-matcher.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__', 'real-scanners');
/** An optional `vhost:port ` (Apache's vhost_combined), the client, identd, user, [time], "METHOD target ...", status. */
const ACCESS_LINE = /^(?:\S+:\d+ )?(\S+) \S+ \S+ \[[^\]]+\] "[A-Z]+ (\/\S*|\*|[a-z]+:\/\/\S+)[^"]*" (\d{1,3}) /;
const SCANNER_MIN_PATHS = 3;

interface Labels {
  scanners: Set<string>;
  ordinary: Set<string>;
  /** Lines the regular expression does not read. */
  other: string[];
}

function label(file: string): Labels {
  const matcher = new SensitivePathMatcher();
  const sensitive = new Map<string, Set<string>>();
  const other: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const match = ACCESS_LINE.exec(line);
    if (!match) {
      other.push(line);
      continue;
    }
    const [, client, target, _status] = match as unknown as [string, string, string, string];
    const paths = sensitive.get(client) ?? new Set<string>();
    sensitive.set(client, paths);
    const path = normalizePath(target.replace(/^[a-z]+:\/\/[^/]*/i, '').split('?')[0]!);
    if (matcher.matches(path)) paths.add(path);
  }
  const scanners = new Set([...sensitive].filter(([, paths]) => paths.size >= SCANNER_MIN_PATHS).map(([ip]) => ip));
  const ordinary = new Set([...sensitive].filter(([, paths]) => paths.size === 0).map(([ip]) => ip));
  return { scanners, ordinary, other };
}

interface Replay {
  /** Client -> its finding types. */
  findings: Map<string, Set<string>>;
  lines: number;
  malformed: string[];
  skipped: number;
}

async function replay(file: string): Promise<Replay> {
  const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
  const findings = new Map<string, Set<string>>();
  const collect = () => {
    for (const finding of detector.drainFindings(true)) {
      const types = findings.get(finding.ip) ?? new Set<string>();
      types.add(finding.threatType);
      findings.set(finding.ip, types);
    }
  };
  let lines = 0;
  let skipped = 0;
  for await (const batch of replayFile(file)) {
    lines += batch.stats.lines;
    skipped += batch.stats.skipped;
    for (const event of batch.events) detector.observe(event);
    collect();
  }
  collect();
  // The reader counts, not names, the lines it skips: the same parser names them.
  const malformed = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !parseTraefikLine(line).ok);
  return { findings, lines, malformed, skipped };
}

interface Expected {
  file: string;
  lines: number;
  scanners: number;
  ordinary: number;
  /** Lines skipped by the reader (each one looked at: see the test). */
  skipped: number;
  /** Of those, lines that are access lines all the same (a reader gap). */
  skippedAccessLines: number;
  /** Labelled scanners with no finding, each explained. */
  misses: string[];
  /** Ordinary clients with a finding, each explained. */
  falseAlarms: string[];
}

async function measure(expected: Expected): Promise<void> {
  const file = join(FIXTURES, expected.file);
  const labels = label(file);
  const result = await replay(file);
  const misses = [...labels.scanners].filter((ip) => !result.findings.has(ip)).sort();
  const falseAlarms = [...labels.ordinary].filter((ip) => result.findings.has(ip)).sort();
  assert.deepEqual(
    {
      lines: result.lines,
      scanners: labels.scanners.size,
      ordinary: labels.ordinary.size,
      skipped: result.skipped,
      misses,
      falseAlarms,
    },
    {
      lines: expected.lines,
      scanners: expected.scanners,
      ordinary: expected.ordinary,
      skipped: expected.skipped,
      misses: expected.misses,
      falseAlarms: expected.falseAlarms,
    },
  );
  assert.equal(result.skipped, result.malformed.length);
  // A skipped line must really not be an access line.
  const accessLines = result.malformed.filter((line) => ACCESS_LINE.test(line));
  assert.equal(accessLines.length, expected.skippedAccessLines, accessLines.slice(0, 5).join('\n'));
}

test('a home server behind Traefik (CLF): every scanner found, no visitor flagged', async () => {
  await measure({
    file: 'aleksturbo-2024-traefik.log',
    lines: 2177,
    scanners: 12,
    ordinary: 179,
    skipped: 0,
    skippedAccessLines: 0,
    misses: [],
    falseAlarms: [],
  });
});

test('two weeks of a small Apache site (combined): scanners found but three under every threshold, no visitor flagged', async () => {
  await measure({
    file: 'dmjacas-2024-two-weeks.log',
    lines: 3738,
    scanners: 18,
    ordinary: 707,
    // 491 connections that sent no HTTP request (TLS handshakes, `HELP`, `USER anonymous`, a botnet's JSON, all
    // answered 400) and 4 refused requests of other protocols (`"PASS \n"`, `"NICK ..."`): not_http, no path.
    skipped: 495,
    skippedAccessLines: 0,
    // By design (default thresholds: 5 distinct sensitive paths or 10 refusals within an hour, or refusals in 3
    // separate visits): each came once, all answered 404.
    //   113.29.247.4   3 paths (/config.yaml, /config/aws.ini, /wp-config.bak) in one visit
    //   124.156.214.28 4 paths (/backend/.env, /project/.env, /.env, /adm/.env.bak) in one visit
    //   43.156.43.9    3 paths, 4 refusals (/env, /actuator/mappings, /actuator/env) in one visit
    misses: ['113.29.247.4', '124.156.214.28', '43.156.43.9'],
    falseAlarms: [],
  });
});

test('a single-page app answering 200 to every path (vhost_combined): scanners found, the rest explained', async () => {
  await measure({
    file: 'dmjacas-2024-vhosts.log',
    lines: 5030,
    scanners: 21,
    ordinary: 89,
    // 8 connections that sent nothing (`"-"` 408), one `""` (400), and 3 refused JSON-RPC messages of a miner
    // (`"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",...}"` 400): not_http.
    skipped: 11,
    skippedAccessLines: 0,
    // The app answers its 4,705-byte index to every path: a probe answered so counts as refused for the returning
    // scanner (94.156.68.162 and 94.156.71.207 are found so), but after 10 scanners /.env and /.git/config are the
    // site's public content (site profile, public_min_clients 10: kept, it spares visitors what a site serves):
    //   91.92.244.183  left with /_profiler/phpinfo in 2 visits (30 and 31 July) within revisit_window (3 needed)
    //   185.225.232.96 left with /_profiler/phpinfo and /debug/default/view in 2 visits (31 July, 2 August)
    //   185.49.126.37  3 paths (/_profiler/phpinfo, /debug/default/view, /.env) in 2 visits 3 hours apart
    misses: ['185.225.232.96', '185.49.126.37', '91.92.244.183'],
    // `GET /?../../../../../../../etc/passwd`: the rule reads no query, the detector does (a traversal in it names
    // the file the request is for): one request, rightly an attack.
    falseAlarms: ['122.161.49.254'],
  });
});
