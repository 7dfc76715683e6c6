import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../core/prng.ts';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { SCANNER_USER_AGENTS } from '../detection/scanner-user-agents.ts';
import { goJsonString } from '../sample-traffic/format-traefik-line.ts';
import { generateTraefikLog } from '../sample-traffic/generate-traefik-log.ts';
import { ClientIpResolver } from './client-ip.ts';
import { parseTraefikLine } from './parse-traefik-line.ts';
import { createPrefilter } from './prefilter.ts';

const matcher = new SensitivePathMatcher();
const prefilter = createPrefilter(matcher.needles, SCANNER_USER_AGENTS);

/** What the detector would care about: the ground truth the prefilter must never contradict. */
function interesting(path: string, userAgent: string): boolean {
  const agent = userAgent.toLowerCase();
  return matcher.matches(path) || SCANNER_USER_AGENTS.some((needle) => agent.includes(needle));
}

const WORDS = ['api', 'static', 'env', 'git', 'config', 'wp', 'admin', 'v1', 'x.php', 'id', 'rsa', 'secrets', 'aws'];
const MORE_WORDS = ['ssh', 'kube', 'docker', 'actuator', 'etc', 'passwd', '..', '.', '', '.well-known', 'index.html'];
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];

function randomCase(random: Prng, text: string): string {
  let output = '';
  for (const character of text) output += random.chance(0.3) ? character.toUpperCase() : character;
  return output;
}

function percentEncode(random: Prng, text: string): string {
  let output = '';
  for (const character of text) {
    if (!random.chance(0.15)) {
      output += character;
      continue;
    }
    const hex = character.charCodeAt(0).toString(16).padStart(2, '0');
    output += random.chance(0.3) ? `%25${hex}` : `%${random.chance(0.5) ? hex : hex.toUpperCase()}`;
  }
  return output;
}

/** Paths a scanner (or an ordinary client) could send, with every trick normalizePath undoes. */
function randomPath(random: Prng): string {
  const segments: string[] = [];
  for (let count = random.int(0, 3); count > 0; count--)
    segments.push(random.pick(random.chance(0.5) ? WORDS : MORE_WORDS));
  let path = `/${segments.join('/')}`;
  if (random.chance(0.5)) path = `${path === '/' ? '' : path}${random.pick(matcher.needles)}`;
  if (random.chance(0.3)) path = randomCase(random, path);
  if (random.chance(0.25)) path = percentEncode(random, path);
  if (random.chance(0.1)) path = path.replace('/', random.pick(['/./', '//', '/x/../', '/.//', '/..;/', '/x;v=1/../']));
  if (random.chance(0.05)) path = path.replaceAll('/', '\\');
  if (random.chance(0.05)) path = path.replace(/k/i, '\u212a'); // Kelvin sign: lower-cases to an ASCII k
  if (random.chance(0.05)) path = path.slice(1);
  if (random.chance(0.15)) path += random.pick([';jsessionid=1', '?x=1&y=2', '#top', '/', '%00', '?', '.bak']);
  // a file inclusion probe in the query: the request is one for the file it reaches
  if (random.chance(0.05))
    path += random.pick([
      '?page=../../../etc/passwd',
      '?f=..%2f..%2fwin.ini&x=1',
      '?a=1&b=%252e%252e/%252e%252e/.env',
      '?file=%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afshadow',
    ]);
  return path.replaceAll(' ', '%20').replaceAll('"', '%22');
}

function randomAgent(random: Prng): string {
  const roll = random.next();
  if (roll < 0.55) return random.pick(BROWSERS);
  if (roll < 0.75)
    return `${random.pick(BROWSERS).slice(0, 30)} ${randomCase(random, random.pick(SCANNER_USER_AGENTS))}/1.0`;
  if (roll < 0.85) return '';
  if (roll < 0.95) return `x"y\\z <&> ${random.hex(6)} \u00e9\u212a`;
  return randomCase(random, random.pick(SCANNER_USER_AGENTS)).replace(/k/i, '\u212a');
}

function jsonLine(random: Prng, path: string, agent: string): string {
  const fields: Array<[string, string | number]> = [
    ['ClientAddr', `81.2.69.${random.int(1, 250)}:4000`],
    ['ClientHost', '81.2.69.1'],
    ['DownstreamStatus', random.pick([200, 301, 401, 403, 404])],
    ['RequestHost', 'www.example.com'],
    ['RequestMethod', 'GET'],
    ['RequestPath', path],
    ['RouterName', 'www@kubernetescrd'],
    ['StartUTC', '2026-11-21T08:00:00.123Z'],
  ];
  if (agent !== '' || random.chance(0.5)) fields.push(['request_User-Agent', agent]);
  const encode = random.chance(0.5) ? goJsonString : (value: string) => JSON.stringify(value);
  // Some producers escape every non-ASCII character, or even plain ones (\u002e is a valid spelling of '.').
  const escapeAll = random.chance(0.1);
  return `{${fields
    .map(([key, value]) => {
      if (typeof value === 'number') return `"${key}":${value}`;
      let text = encode(value);
      if (escapeAll) text = text.replace(/[.e]/g, (character) => `\\u00${character.charCodeAt(0).toString(16)}`);
      return `"${key}":${text}`;
    })
    .join(',')}}`;
}

function clfLine(random: Prng, path: string, agent: string): string {
  return `81.2.69.${random.int(1, 250)} - - [21/Nov/2026:08:00:00 +0000] "GET ${path} HTTP/1.1" ${random.pick([200, 404])} 19 "-" "${agent || '-'}" 12 "www@kubernetescrd" "http://10.42.1.17:8080" 1ms`;
}

describe('createPrefilter', () => {
  it('never filters out a line whose path is sensitive or whose agent is a scanner (property test)', () => {
    const random = new Prng('prefilter-property');
    let interestingLines = 0;
    let ordinaryFiltered = 0;
    let ordinary = 0;
    for (let iteration = 0; iteration < 40_000; iteration++) {
      const path = randomPath(random);
      const agent = randomAgent(random);
      const line = iteration % 4 === 3 ? clfLine(random, path, agent) : jsonLine(random, path, agent);
      const parsed = parseTraefikLine(line);
      if (!parsed.ok) {
        // Whatever cannot be parsed must not be filtered either (the parser reports it, counted).
        assert.equal(prefilter(line), true, `unparsed line filtered: ${line}`);
        continue;
      }
      if (interesting(parsed.event.path, parsed.event.userAgent)) {
        interestingLines++;
        assert.equal(
          prefilter(line),
          true,
          `dropped: path ${parsed.event.path} agent ${parsed.event.userAgent}\n${line}`,
        );
      } else {
        ordinary++;
        if (!prefilter(line)) ordinaryFiltered++;
      }
    }
    assert.ok(interestingLines > 10_000, `only ${interestingLines} interesting lines were generated`);
    assert.ok(ordinaryFiltered > ordinary * 0.3, `filtered ${ordinaryFiltered} of ${ordinary} ordinary lines`);
  });

  it('keeps every labelled attacker line of a generated log and drops most ordinary traffic', () => {
    for (const format of ['json', 'clf'] as const) {
      const { lines, truth } = generateTraefikLog({ lines: 6000, seed: 11, format });
      const resolver = new ClientIpResolver(truth.trustedProxies);
      let ordinary = 0;
      let filtered = 0;
      for (const line of lines) {
        const parsed = parseTraefikLine(line, { resolver });
        assert.equal(parsed.ok, true);
        if (!parsed.ok) continue;
        if (interesting(parsed.event.path, parsed.event.userAgent)) assert.equal(prefilter(line), true, line);
        else {
          ordinary++;
          if (!prefilter(line)) filtered++;
        }
      }
      assert.ok(filtered / ordinary > 0.95, `${format}: filtered only ${filtered} of ${ordinary} ordinary lines`);
    }
  });

  it('passes lines it cannot read, and lines whose path normalisation could create a match', () => {
    const base = (path: string) =>
      `{"ClientAddr":"1.2.3.4:1","DownstreamStatus":404,"RequestPath":${JSON.stringify(path)},"StartUTC":"2026-11-21T08:00:00Z","request_User-Agent":"Mozilla/5.0"}`;
    for (const path of ['/%2eenv', '/a/../b', '//x', '/./y', '\\.env', 'env', '/\u00e9', '/a/.']) {
      assert.equal(prefilter(base(path)), true, path);
    }
    assert.equal(prefilter(base('/about/team')), false);
    assert.equal(prefilter(base('/about/team?next=/.env')), false); // the query is not part of the matched path
    // ...unless it climbs out of the root: a file inclusion probe is a request for the file it reaches
    assert.equal(prefilter(base('/index.php?page=../../../etc/passwd')), true);
    assert.equal(prefilter(base('/index.php?page=%2e%2e/%2e%2e/etc/passwd')), true);
    // overlong UTF-8 dots and slashes (`%c0%ae`, `%c0%af`): read as `.` and `/`, so a climb
    assert.equal(prefilter(base('/view.php?file=%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd')), true);
    assert.equal(prefilter(base('/view.php?file=%e0%80%ae%e0%80%ae/%e0%80%ae%e0%80%ae/.env')), true);
    // and the forms IIS reads with an unchecked continuation byte (`%c0%2f`, `%c1%1c`: Nimda's)
    assert.equal(prefilter(base('/view.php?file=..%c0%2f..%c1%1cetc%c0%2fpasswd')), true);
    assert.equal(prefilter(base('/..%c0%2f..%c0%2fetc%c0%2fpasswd')), true);
    assert.equal(
      prefilter(
        '1.2.3.4 - - [21/Nov/2026:08:00:00 +0000] "GET /index.php?page=../../../etc/passwd HTTP/1.1" 200 512 "-" "Mozilla/5.0" 1 "web@file" "http://10.0.0.9:80" 3ms',
      ),
      true,
    );
    assert.equal(prefilter('{"ClientAddr":"1.2.3.4:1"'), true);
    assert.equal(prefilter('not a log line'), true);
    assert.equal(prefilter(base('/about').replace('Mozilla/5.0', 'Nuclei v3')), true);
    // CLF: an ordinary line is dropped, but one the parser would reject (no such month) is passed on to be counted.
    const clf = (month: string) =>
      `1.2.3.4 - - [21/${month}/2026:08:00:00 +0000] "GET /about HTTP/1.1" 200 512 "-" "Mozilla/5.0" 1 "web@file" "http://10.0.0.9:80" 3ms`;
    assert.equal(prefilter(clf('Nov')), false);
    assert.equal(prefilter(clf('Nox')), true);
    // CLF paths carry their query: judged as JSON ones are (the path before it, plus whether the query climbs)
    const clfPath = (path: string) => clf('Nov').replace('GET /about ', `GET ${path} `);
    assert.equal(prefilter(clfPath('/about?q=shoes&page=2')), false);
    assert.equal(prefilter(clfPath('/about?next=/.env')), false);
    assert.equal(prefilter(clfPath('/.env?x=1')), true);
    assert.equal(prefilter(clfPath('/view?file=../../../../etc/passwd')), true);
    assert.equal(prefilter(clfPath('?x=/.env')), true); // no leading slash: normalisation could make anything of it
  });
});
