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
/** An optional `vhost:port ` (Apache's vhost_combined), the client, identd, user, [time], "request", status. */
const ACCESS_LINE = /^(?:\S+:\d+ )?(\S+) \S+ \S+ \[[^\]]+\] "(?:[A-Z]+ )?(\S*)[^"]*" (\d{3}) /;
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
    ordinary: 181,
    skipped: 0,
    skippedAccessLines: 0,
    misses: [],
    falseAlarms: [],
  });
});

test('two weeks of a small Apache site (combined): every scanner found, no visitor flagged', async () => {
  await measure({
    file: 'dmjacas-2024-two-weeks.log',
    lines: 3738,
    scanners: 18,
    ordinary: 809,
    skipped: 495,
    skippedAccessLines: 495,
    misses: ['113.29.247.4', '124.156.214.28', '43.156.43.9'],
    falseAlarms: [],
  });
});

test('a single-page app answering 200 to every path (vhost_combined): every scanner found, no visitor flagged', async () => {
  await measure({
    file: 'dmjacas-2024-vhosts.log',
    lines: 5030,
    scanners: 21,
    ordinary: 91,
    skipped: 5030,
    skippedAccessLines: 5027,
    misses: [
      '139.59.136.184',
      '143.110.213.72',
      '165.227.173.41',
      '172.105.158.219',
      '185.225.232.96',
      '185.49.126.37',
      '206.189.225.181',
      '207.154.197.113',
      '23.239.4.252',
      '35.216.152.171',
      '35.216.192.164',
      '36.77.198.134',
      '78.153.140.177',
      '78.153.140.179',
      '78.153.140.218',
      '79.110.62.11',
      '91.92.244.183',
      '94.156.66.69',
      '94.156.68.162',
      '94.156.71.207',
      '96.126.110.181',
    ],
    falseAlarms: [],
  });
});
