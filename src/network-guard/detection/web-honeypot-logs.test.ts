// Real attackers caught by web honeypots (fixtures in __fixtures__/web-honeypots, sources and conversion in its
// README). Every client of each file is labelled by hand, from its requests, by what it was after:
//   secrets:  credential files, configuration or backup files, VCS metadata, cloud metadata: a secrets_scanning
//             finding is expected (and a secret_exposure one where the honeypot answered such a file);
//   exploit:  remote code execution, worms, proxy abuse, uploads, brute force: not our finding, so no
//             secrets_scanning; a secret_exposure only where the honeypot answered a sensitive path 2xx (written down);
//   visitor:  looked at the front page only: no finding of any kind.
// The replay must agree with every label, and every line the reader does not read is listed with its reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import type { Finding } from '../../core/incident.ts';
import { normalizePath } from '../../core/normalize-path.ts';
import { parseTraefikLine } from '../traefik-log/parse-traefik-line.ts';
import { replayFile } from '../traefik-log/replay-file.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__', 'web-honeypots');

type After = 'secrets' | 'exploit' | 'visitor';

interface Client {
  after: After;
  /** What its requests show, in a few words. */
  what: string;
  /** Its findings as `threatType: reason, reason` (reasons sorted), none for a quiet client. */
  findings: string[];
}

interface Replay {
  findings: Map<string, Finding[]>;
  /** Every client the reader read a line of. */
  clients: Set<string>;
  /** Lines the reader skipped, as `reason client` -> count. */
  unread: Map<string, number>;
  lines: number;
  skipped: number;
}

async function replay(name: string): Promise<Replay> {
  const file = join(FIXTURES, name);
  const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
  const findings = new Map<string, Finding[]>();
  const clients = new Set<string>();
  const collect = () => {
    for (const finding of detector.drainFindings(true)) {
      const own = (findings.get(finding.ip) ?? []).filter((known) => known.threatType !== finding.threatType);
      findings.set(finding.ip, [...own, finding]);
    }
  };
  let lines = 0;
  let skipped = 0;
  for await (const batch of replayFile(file)) {
    lines += batch.stats.lines;
    skipped += batch.stats.skipped;
    for (const event of batch.events) {
      clients.add(event.clientIp);
      detector.observe(event);
    }
    collect();
  }
  collect();
  const unread = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const parsed = parseTraefikLine(line);
    if (parsed.ok) continue;
    const key = `${parsed.reason} ${line.slice(0, line.indexOf(' '))}`;
    unread.set(key, (unread.get(key) ?? 0) + 1);
  }
  return { findings, clients, unread, lines, skipped };
}

function described(findings: Finding[] | undefined): string[] {
  return (findings ?? [])
    .map((finding) => `${finding.threatType}: ${[...(finding.evidence.reasons ?? [])].sort().join(', ')}`)
    .sort();
}

async function measure(
  name: string,
  expected: { lines: number; labels: Record<string, Client>; unread: Record<string, number> },
): Promise<void> {
  const result = await replay(name);
  assert.equal(result.lines, expected.lines);
  const unreadClients = new Set([...result.unread.keys()].map((key) => key.split(' ')[1]!));
  // Every client is labelled, and every label is a client of the file.
  assert.deepEqual([...new Set([...result.clients, ...unreadClients])].sort(), Object.keys(expected.labels).sort());
  const actual: Record<string, string[]> = {};
  const wanted: Record<string, string[]> = {};
  for (const [ip, client] of Object.entries(expected.labels)) {
    actual[ip] = described(result.findings.get(ip));
    wanted[ip] = client.findings;
    if (client.after === 'visitor') assert.deepEqual(client.findings, [], `${ip}: a visitor is never an incident`);
    if (client.after === 'exploit')
      assert.ok(!client.findings.some((finding) => finding.startsWith('secrets_scanning')), `${ip} is no scanner`);
  }
  assert.deepEqual(actual, wanted);
  assert.deepEqual(Object.fromEntries([...result.unread].sort()), expected.unread);
  assert.equal(
    result.skipped,
    [...result.unread.values()].reduce((sum, count) => sum + count, 0),
  );
}

const NO_FINDING: string[] = [];

test('DShield web honeypot (2023-2024): exploit bots only, none taken for a secrets scanner', async () => {
  await measure('dshield-webhoneypot-2023-2024.log', {
    lines: 78,
    labels: {
      '45.95.147.236': {
        after: 'exploit',
        what: 'PHPUnit eval-stdin.php RCE, Spring Cloud Gateway route injection (CVE-2022-22947), /index.php',
        // The honeypot answers 200 to everything: an actuator endpoint that answers is an exposure of the site
        // whatever the client was after (a leak judged on the answer, not on the intent).
        findings: [
          'secret_exposure: sensitive path answered 2xx with content to few clients: /actuator/gateway/routes, /actuator/gateway/routes/insecure (a secret may have leaked)',
        ],
      },
      '95.214.53.99': {
        after: 'exploit',
        what: 'Log4Shell (${jndi:ldap} in User-Agent, Referer, X-Forwarded-For, X-Real-Ip) on /',
        findings: NO_FINDING,
      },
      '95.214.53.103': { after: 'exploit', what: 'Log4Shell on /, one request', findings: NO_FINDING },
      '123.99.201.37': { after: 'exploit', what: 'Tomcat /manager/html with Basic credentials', findings: NO_FINDING },
      '192.227.146.253': { after: 'exploit', what: 'Tomcat /manager/html, then /', findings: NO_FINDING },
      '178.72.69.244': { after: 'exploit', what: 'Netgear /setup.cgi command execution', findings: NO_FINDING },
    },
    unread: {},
  });
});

// 29 paths: Nikto's /../config.dat is a credential configuration since the SecLists names (seclists-secret-files.test.ts).
const NIKTO_FINDINGS = [
  'secret_exposure: sensitive path answered 2xx with content to few clients: /php72/sql/nuke.sql (a secret may have leaked), after probing 29 sensitive paths',
  'secrets_scanning: 10+ sensitive requests answered 401/403/404 within 3600s, 5+ distinct sensitive paths within 3600s, path traversal out of the web root to a sensitive file, scanner user agent (nikto) probing sensitive paths',
];
const NIMDA = 'Nimda: root.exe and cmd.exe through IIS traversals (%255c, %c0%af, %c1%1c...), answered 404';

test('a Red Hat honeynet (2004): Nikto found with its leak, worms and proxy abuse quiet, visitors quiet', async () => {
  await measure('honeynet-redhat-2004-access.log', {
    lines: 562,
    labels: {
      '68.49.152.86': {
        after: 'secrets',
        what: 'browses phpMyAdmin docs, then Nikto 1.32: dotfiles, .htpasswd, /etc/passwd and SAM traversals, nuke.sql',
        findings: NIKTO_FINDINGS,
      },
      'pcp740115pcs.reston01.va.comcast.net': {
        after: 'secrets',
        what: 'Nikto 1.32 (/doc/webmin.config.notes, /doc/admin/), logged by name (HostnameLookups On)',
        findings: NO_FINDING,
      },
      '221.163.185.32': { after: 'exploit', what: NIMDA, findings: NO_FINDING },
      '24.99.117.173': { after: 'exploit', what: NIMDA, findings: NO_FINDING },
      '4.154.75.175': { after: 'exploit', what: NIMDA, findings: NO_FINDING },
      '172.186.60.141': { after: 'exploit', what: 'Nimda, first three requests only', findings: NO_FINDING },
      '202.194.250.64': { after: 'exploit', what: 'Code Red /default.ida overflow', findings: NO_FINDING },
      '63.202.172.242': {
        after: 'exploit',
        what: 'WebDAV SEARCH overflow (MS03-007), 65 kB line',
        findings: NO_FINDING,
      },
      // read since the reader takes a simple request (no HTTP version) as the request for its path it is
      '210.181.247.187': { after: 'exploit', what: 'nsiislog.dll overflow (MS03-022), no HTTP version', findings: [] },
      '62.233.157.194': { after: 'exploit', what: 'open proxy test: CONNECT 1.3.3.7:1337', findings: NO_FINDING },
      '65.33.181.178': { after: 'exploit', what: 'open proxy test: GET http://dc.tickerbar.net:42857/', findings: [] },
      '67.18.117.146': { after: 'exploit', what: 'open proxy test: GET http://google.com/', findings: NO_FINDING },
      '80.11.90.243': { after: 'exploit', what: 'WebDAV mini-redirector PROPFIND /admin$ (a share)', findings: [] },
      '193.254.154.134': { after: 'exploit', what: 'worm probe GET /M83A, 10 times', findings: NO_FINDING },
      '194.68.53.207': { after: 'exploit', what: 'PUT /scripts/abhisek.asp (web shell upload)', findings: [] },
      '64.28.101.44': { after: 'exploit', what: 'POST /index.php with other hosts as referers', findings: [] },
      '67.85.211.201': { after: 'exploit', what: 'PHP-Nuke installs and their admin.php', findings: NO_FINDING },
      '217.93.102.200': { after: 'exploit', what: 'OPTIONS * 13 times', findings: NO_FINDING },
      '24.57.127.188': { after: 'exploit', what: '16 connections that sent no request ("-")', findings: [] },
      '64.69.77.53': { after: 'exploit', what: 'binary garbage in place of a request line', findings: [] },
      '66.110.168.111': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '12.159.141.4': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '63.103.217.132': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '12.13.155.253': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '219.164.47.40': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '68.162.45.55': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '216.111.155.130': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '81.60.115.58': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '200.40.224.107': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '151.196.130.55': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '134.139.212.85': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
      '63.104.24.228': { after: 'visitor', what: 'GET /', findings: NO_FINDING },
    },
    unread: {
      // Longer than the line cap: a buffer overflow's request line, never a probe for a file.
      'oversized 63.202.172.242': 1,
      // A client logged by its reverse DNS name: a name an attacker's PTR record chooses is never a block target.
      'unattributed pcp740115pcs.reston01.va.comcast.net': 10,
      // No HTTP request at all.
      'not_http 24.57.127.188': 16,
      'not_http 64.69.77.53': 1,
    },
  });
});

test("Nimda's IIS traversals, in every encoding the honeynet logged, read as the one file IIS would reach", () => {
  const lines = readFileSync(join(FIXTURES, 'honeynet-redhat-2004-access.log'), 'latin1').split('\n');
  const targets = lines
    .map((line) => /"GET (\/\S*\.\.\S*cmd\.exe\S*) HTTP/.exec(line)?.[1])
    .filter((target) => !!target);
  const encodings = new Set(targets.map((target) => /\.\.(%[^.]+)\.\./.exec(target!)?.[1]));
  // %255c, %252f, %25%35%63, %%35c, %%35%63, %c0%af, %c1%9c and the unchecked continuations %c0%2f, %c1%1c
  assert.equal(encodings.size, 9);
  assert.equal(targets.length, 60);
  assert.deepEqual([...new Set(targets.map((target) => normalizePath(target!)))], ['/../winnt/system32/cmd.exe']);
});
