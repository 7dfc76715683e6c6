import type { ElasticsearchSettings } from '../../config/sections/elasticsearch.ts';
import { IntegrationError } from '../../core/errors.ts';
import { SOURCE_FIELDS } from './document-filter.ts';
import type { FieldCaps, SearchBackend } from './search-backend.ts';

export type ProfileName = 'traefik-json' | 'elastic-agent' | 'filebeat' | 'logstash';
export type FieldRole =
  | 'time'
  | 'client_ip'
  | 'peer'
  | 'forwarded'
  | 'path'
  | 'status'
  | 'user_agent'
  | 'method'
  | 'host'
  | 'size';

/** Where each piece of a request lives in the documents, resolved against the real mapping. */
export interface FieldProfile {
  name: ProfileName;
  fields: { time: string; client_ip: string; path: string; status: string; user_agent?: string } & Partial<
    Record<'method' | 'host' | 'peer' | 'forwarded' | 'size', string>
  >;
  /** Mapping type of each resolved field (keyword, ip, long, date...). */
  types: Partial<Record<FieldRole, string>>;
  /** Things that work but degrade detection (no user agent field, a `.keyword` substitute...). */
  warnings: string[];
  /** Why this profile: the fields that decided it, and which documents they were looked for in. */
  reason?: string;
}

/**
 * Candidate fields per role, in order of preference, for the four ways Traefik logs reach Elasticsearch:
 * Traefik's own JSON access log shipped as is, the Elastic Agent Traefik integration (ECS), the Filebeat traefik
 * module (ECS parsed from the common log format, so `url.original` carries the query string), and Logstash's grok
 * `%{HTTPD_COMBINEDLOG}` / `%{COMBINEDAPACHELOG}` of the common log format (legacy names, then ECS names).
 */
export const PROFILE_CANDIDATES: Record<ProfileName, Record<FieldRole, string[]>> = {
  'traefik-json': {
    time: ['StartUTC', '@timestamp', 'time', 'StartLocal'],
    client_ip: ['ClientHost'],
    // The TCP peer: ClientHost alone is the raw X-Forwarded-For whenever a client sends one.
    peer: ['ClientAddr'],
    forwarded: [],
    path: ['RequestPath'],
    status: ['DownstreamStatus', 'OriginStatus'],
    user_agent: ['request_User-Agent', 'request_User_Agent'],
    method: ['RequestMethod'],
    host: ['RequestHost'],
    size: ['DownstreamContentSize', 'OriginContentSize'],
  },
  'elastic-agent': {
    time: ['@timestamp'],
    client_ip: ['source.ip', 'client.ip', 'source.address'],
    // The TCP peer: the integration's JSON pipeline renames ClientAddr (`host:port`) here, while source.ip is
    // ClientHost (a client's own X-Forwarded-For) in 2.0 or absent when the line has none. CLF lines: the host alone.
    peer: ['source.address'],
    // Behind a trusted proxy: ClientHost, in network.forwarded_ip (later pipelines) or else source.ip (2.0).
    forwarded: ['network.forwarded_ip', 'source.ip'],
    path: ['url.path', 'url.original'],
    status: ['http.response.status_code'],
    user_agent: ['user_agent.original'],
    method: ['http.request.method'],
    host: ['url.domain', 'destination.domain'],
    size: ['http.response.body.bytes', 'http.response.bytes'],
  },
  filebeat: {
    time: ['@timestamp'],
    client_ip: ['source.ip', 'source.address', 'client.ip'],
    peer: [],
    forwarded: ['network.forwarded_ip'],
    path: ['url.original', 'url.path'],
    status: ['http.response.status_code'],
    user_agent: ['user_agent.original'],
    method: ['http.request.method'],
    host: ['url.domain', 'destination.domain'],
    size: ['http.response.body.bytes', 'http.response.bytes'],
  },
  logstash: {
    time: ['@timestamp'],
    // The line's first field (Traefik's CLF writes ClientHost there: the CLF limit). Never source.ip: Logstash's
    // ECS template declares it, and grok leaves it empty.
    client_ip: ['clientip', 'source.address'],
    // ECS source.address read as a peer: a bare host from CLF, `host:port` should JSON documents share the index.
    peer: ['source.address'],
    forwarded: [],
    // The request target with its query string, like Filebeat's url.original.
    path: ['request', 'url.original'],
    // Legacy captures are strings ("404", a keyword): the terms and ranges of the queries compare three-digit text.
    status: ['response', 'http.response.status_code'],
    // Legacy `agent` keeps QS's quotes; the matchers look for substrings, so they read it the same.
    user_agent: ['agent', 'user_agent.original'],
    method: ['verb', 'http.request.method'],
    // Logstash's own `host` is the machine that shipped the line, not the request's host: none.
    host: [],
    size: ['bytes', 'http.response.body.bytes'],
  },
};

const TRAEFIK_MARKERS = ['RequestPath', 'ClientHost', 'DownstreamStatus'];
/**
 * Where shippers leave a line nothing parsed: the OpenTelemetry Collector's elasticsearchexporter (`Body` in its
 * none/raw modes, `body.text` in otel mode, `message` in ecs mode), Vector (`message`), Fluentd and Fluent Bit from
 * Docker or Kubernetes (`log`). Asked only to say so when the documents have no request path.
 */
const UNPARSED_LINE_FIELDS = ['Body', 'body.text', 'message', 'log'];
const LINE_TYPES = new Set(['text', 'match_only_text', 'keyword', 'wildcard']);
const MARKERS = [...TRAEFIK_MARKERS, 'fileset.name', 'data_stream.dataset', 'url.path', ...UNPARSED_LINE_FIELDS];
/** Added by the shipper, never under Traefik's object. */
const SHIPPER_FIELDS = new Set(['@timestamp']);

const ACCEPTED: Record<FieldRole, Set<string>> = {
  time: new Set(['date', 'date_nanos']),
  client_ip: new Set(['ip', 'keyword', 'constant_keyword']),
  peer: new Set(['ip', 'keyword']),
  forwarded: new Set(['ip', 'keyword']),
  path: new Set(['keyword', 'wildcard', 'constant_keyword']),
  status: new Set(['long', 'integer', 'short', 'keyword', 'unsigned_long']),
  user_agent: new Set(['keyword', 'wildcard', 'constant_keyword']),
  method: new Set(['keyword', 'constant_keyword']),
  host: new Set(['keyword', 'constant_keyword']),
  // Only read as the key of a terms aggregation (Number(key)): a legacy grok `bytes` keyword ("203023") works too.
  size: new Set(['long', 'integer', 'unsigned_long', 'float', 'double', 'keyword']),
};

const REQUIRED: FieldRole[] = ['time', 'client_ip', 'path', 'status'];
const ROLES: FieldRole[] = [
  'time',
  'client_ip',
  'peer',
  'forwarded',
  'path',
  'status',
  'user_agent',
  'method',
  'host',
  'size',
];

/**
 * Every field `_field_caps` must be asked about to resolve any profile (and the `.keyword` subfields). Traefik's own
 * fields are also asked for under any object (`*.RequestPath`): shippers often nest the parsed line (Filebeat's
 * `json.`, Fluent Bit's `log_processed.`, a Logstash `target`).
 */
export function fieldCapsRequest(settings: Pick<ElasticsearchSettings, 'fields' | 'document_filter'>): string[] {
  const names = new Set<string>([...MARKERS, ...SOURCE_FIELDS]);
  for (const { field } of settings.document_filter ?? []) names.add(field);
  for (const profile of Object.values(PROFILE_CANDIDATES))
    for (const candidates of Object.values(profile)) for (const name of candidates) names.add(name);
  for (const candidates of Object.values(PROFILE_CANDIDATES['traefik-json']))
    for (const name of candidates) if (!SHIPPER_FIELDS.has(name)) names.add(`*.${name}`);
  for (const value of Object.values(settings.fields)) if (value) names.add(value);
  return [...names].flatMap((name) => [name, `${name}.keyword`]);
}

/** Which layout the documents use, from the fields that exist. */
export function detectProfileName(caps: FieldCaps): ProfileName {
  if (traefikPrefix(caps) !== undefined) return 'traefik-json';
  // Logstash grok's legacy names for a common-log line (its ECS mode is told by the documents: connectProfile).
  if (caps.clientip && (caps.request || caps.response)) return 'logstash';
  if (caps['fileset.name'] || (caps['url.original'] && !caps['url.path'])) return 'filebeat';
  return 'elastic-agent';
}

/** The fields that made `detectProfileName` choose `name`, said in the connect report. */
export function profileReason(caps: FieldCaps, name: ProfileName): string {
  if (name === 'traefik-json') {
    const prefix = traefikPrefix(caps);
    const markers = TRAEFIK_MARKERS.filter((marker) => caps[`${prefix ?? ''}${marker}`]).map(
      (m) => `${prefix ?? ''}${m}`,
    );
    return `Traefik's own fields (${markers.join(', ')})`;
  }
  if (name === 'logstash')
    return `Logstash grok's legacy names (${['clientip', 'request', 'response'].filter((f) => caps[f]).join(', ')})`;
  if (name === 'filebeat')
    return caps['fileset.name'] ? 'fileset.name, a Filebeat module' : 'url.original without url.path (ECS from CLF)';
  return `ECS fields${caps['url.path'] ? ' with url.path' : ''}, none of another profile's markers`;
}

/**
 * Where Traefik's JSON fields are: '' at the top of the documents, `json.` when a shipper nested them under `json`,
 * undefined when there are none. Fields at the top win; two different objects holding them are an error (which
 * one is the access log cannot be told).
 */
export function traefikPrefix(caps: FieldCaps): string | undefined {
  if (TRAEFIK_MARKERS.some((marker) => caps[marker])) return '';
  const prefixes = new Set<string>();
  for (const name of Object.keys(caps)) {
    const marker = TRAEFIK_MARKERS.find((candidate) => name.endsWith(`.${candidate}`));
    if (marker) prefixes.add(name.slice(0, name.length - marker.length));
  }
  if (prefixes.size > 1)
    throw new IntegrationError(
      'elasticsearch',
      `Traefik's fields are under several objects (${[...prefixes].sort().join(', ')}): set elasticsearch.fields, or an index_pattern that holds one layout`,
      { isRetryable: false },
    );
  return prefixes.size === 1 ? [...prefixes][0] : undefined;
}

/**
 * Resolves every role to an aggregatable field. A `text` field is replaced by its `.keyword` subfield when there is one
 * (dynamic mappings create both); otherwise the error says which field, which type, and what to do.
 */
export function resolveFieldProfile(
  caps: FieldCaps,
  settings: Pick<ElasticsearchSettings, 'fields' | 'profile' | 'index_pattern'>,
): FieldProfile {
  const unparsed = settings.fields.path ? undefined : unparsedLineError(caps, settings.index_pattern);
  if (unparsed) throw unparsed;
  if (Object.keys(caps).length === 0)
    throw new IntegrationError(
      'elasticsearch',
      `index pattern ${settings.index_pattern} has none of the Traefik access-log fields (is it the right index? is it empty?)`,
      { isRetryable: false },
    );
  const name = settings.profile === 'auto' ? detectProfileName(caps) : settings.profile;
  const prefix = name === 'traefik-json' ? (traefikPrefix(caps) ?? '') : '';
  const problems: string[] = [];
  const warnings: string[] = [];
  const fields: Partial<Record<FieldRole, string>> = {};
  const types: Partial<Record<FieldRole, string>> = {};
  for (const role of ROLES) {
    const override = settings.fields[role];
    const candidates = override
      ? [override]
      : PROFILE_CANDIDATES[name][role].map((field) => (SHIPPER_FIELDS.has(field) ? field : `${prefix}${field}`));
    const label = override ? `elasticsearch.fields.${role} (${override})` : `${role} (${candidates.join(' or ')})`;
    const resolved = resolveRole(role, candidates, caps);
    if (resolved.field) {
      fields[role] = resolved.field;
      types[role] = resolved.type;
      if (resolved.note) warnings.push(resolved.note);
    } else if (REQUIRED.includes(role) || override) {
      problems.push(`${label}: ${resolved.problem}`);
    } else if (role === 'user_agent') {
      warnings.push(`${label}: ${resolved.problem}; scanner user agents cannot be detected`);
    }
  }
  if (problems.length > 0)
    throw new IntegrationError(
      'elasticsearch',
      `the documents in ${settings.index_pattern} (profile ${name}) lack fields detection needs:\n- ${problems.join('\n- ')}`,
      { isRetryable: false },
    );
  const reason = settings.profile === 'auto' ? profileReason(caps, name) : 'elasticsearch.profile';
  return { name, fields: fields as FieldProfile['fields'], types, warnings, reason };
}

/**
 * Documents with no request path of any profile, but a field of text where shippers leave an unparsed line: the
 * access log was indexed as one string. Refused, naming that field: reading the client, path and status out of it
 * would mean cutting them from text the client wrote (a path or user agent can contain `"ClientAddr":"9.9.9.9:1"`),
 * so the line must be parsed into fields before it is indexed.
 */
function unparsedLineError(caps: FieldCaps, index: string): IntegrationError | undefined {
  const paths = new Set(Object.values(PROFILE_CANDIDATES).flatMap((profile) => profile.path));
  const hasPath = Object.keys(caps).some(
    (field) => paths.has(field.replace(/\.keyword$/, '')) || field.endsWith('.RequestPath'),
  );
  if (hasPath) return undefined;
  const line = UNPARSED_LINE_FIELDS.find((field) => caps[field]?.some((entry) => LINE_TYPES.has(entry.type)));
  if (!line) return undefined;
  const type = [...new Set(caps[line]!.map((entry) => entry.type))].join('/');
  return new IntegrationError(
    'elasticsearch',
    `the documents in ${index} have no request path: ${line} holds the whole access-log line as unparsed text (mapped ${type}), and a client, path or status cut out of text a client wrote cannot be trusted; parse Traefik's JSON into fields before indexing (OpenTelemetry Collector: the filelog receiver's json_parser operator, or send Traefik's accessLog.otlp records, whose attributes are the fields; Vector: parse_json in a remap transform; Fluentd: a parser filter with key_name ${line === 'log' ? 'log' : 'message'}), or point elasticsearch.fields at fields that hold them`,
    { isRetryable: false },
  );
}

function resolveRole(
  role: FieldRole,
  candidates: string[],
  caps: FieldCaps,
): { field?: string; type?: string; note?: string; problem?: string } {
  const seen: string[] = [];
  for (const candidate of candidates) {
    const capability = caps[candidate];
    if (!capability) continue;
    const types = capability.map((entry) => entry.type);
    seen.push(`${candidate} is ${types.join('/')}`);
    if (types.every((type) => ACCEPTED[role].has(type)) && capability.every((entry) => entry.aggregatable))
      return { field: candidate, type: [...new Set(types)].join('/') }; // 'ip/keyword': mapped differently by index
    const keyword = caps[`${candidate}.keyword`];
    if (keyword?.every((entry) => ACCEPTED[role].has(entry.type) && entry.aggregatable)) {
      return {
        field: `${candidate}.keyword`,
        type: [...new Set(keyword.map((entry) => entry.type))].join('/'),
        // Dynamic mappings (and Logstash's template) give the subfield ignore_above 256: a longer value (a padded
        // probe, a long user agent) is not indexed there and reads as absent (no path: counted as skipped).
        note: `${candidate} is mapped as ${types.join('/')}; using its ${candidate}.keyword subfield (a value over its ignore_above, 256 in dynamic mappings, is not indexed there and reads as absent)`,
      };
    }
  }
  if (seen.length === 0) return { problem: 'missing from the mapping' };
  const wanted = [...ACCEPTED[role]].join(', ');
  return {
    problem: `${seen.join('; ')}: aggregations need ${wanted}${role === 'time' ? '' : ' (add a keyword subfield or map it as keyword)'}`,
  };
}

/**
 * A path field OpenSearch cannot query: its `wildcard` type answers a regexp with a first phase of trigram term
 * queries, every alternative's, so the sensitive-path filter comes to more clauses than
 * `indices.query.bool.max_clause_count` (1024) and every window fails (HTTP 500 too_many_nested_clauses; measured
 * on OpenSearch 3.6 with the Elasticsearch output's ECS template, in logstash-documents.integration.test.ts). Said at
 * connect, with the fix. Elasticsearch's own `wildcard` bounds that first phase (not measured here: the testbed's
 * distribution has no wildcard type).
 */
export function unqueryablePath(profile: FieldProfile, flavor: string): string | undefined {
  if (flavor !== 'opensearch' || !(profile.types.path ?? '').split('/').includes('wildcard')) return undefined;
  return `${profile.fields.path} is mapped wildcard: OpenSearch turns each regular expression on a wildcard field into trigram clauses, and the sensitive-path filter needs more than indices.query.bool.max_clause_count (1024) of them; map it as keyword (as Logstash's opensearch output's ECS template does), or point elasticsearch.fields.path at a keyword copy of it`;
}

/**
 * The profile, checked against the documents where the mapping cannot tell: an index template that declares every ECS
 * field (Logstash's `ecs-logstash` template, for `ecs_compatibility => v1/v8`) maps `url.path` in indices whose
 * grok documents only have `url.original`. When no document has url.path but some have url.original, the documents
 * are ECS parsed from the common log format: read them as the logstash profile (url.original with its query string,
 * the client from source.address, no forwarded field). Then the CLF-beside-JSON warning, one `_count` each.
 */
export async function connectProfile(
  backend: Pick<SearchBackend, 'count'>,
  caps: FieldCaps,
  settings: Pick<ElasticsearchSettings, 'fields' | 'profile' | 'index_pattern'>,
): Promise<FieldProfile> {
  const index = settings.index_pattern;
  let profile = resolveFieldProfile(caps, settings);
  if (
    settings.profile === 'auto' &&
    !settings.fields.path &&
    profile.fields.path === 'url.path' &&
    caps['url.original']
  ) {
    const withPath = (await backend.count(index, { exists: { field: 'url.path' } })).body.count;
    const withOriginal =
      withPath > 0 ? 0 : (await backend.count(index, { exists: { field: 'url.original' } })).body.count;
    if (withOriginal > 0) {
      profile = resolveFieldProfile(caps, { ...settings, profile: 'logstash' });
      profile.reason = `url.path mapped but in no document, url.original in ${withOriginal.toLocaleString('en')} (ECS grok of CLF)`;
      profile.warnings.push(
        `url.path is mapped in ${index} but no document has it, ${withOriginal.toLocaleString('en')} have url.original (an index template declares every ECS field, as Logstash's ECS template does): read as profile logstash, ECS from the common log format`,
      );
      return profile;
    }
  }
  const unread = await unreadPathWarning(backend, index, profile, caps);
  if (unread) profile.warnings.push(unread);
  return profile;
}

/**
 * The Elastic Agent integration sends Traefik's JSON and CLF lines to one data stream (its pipeline picks by the
 * first character): once a JSON line has mapped url.path the profile groups by it, and a CLF line's document has only
 * url.original, a path no query reads (those documents are counted as skipped). One `_count` at connect says so.
 */
export async function unreadPathWarning(
  backend: Pick<SearchBackend, 'count'>,
  index: string,
  profile: FieldProfile,
  caps: FieldCaps,
): Promise<string | undefined> {
  if (profile.fields.path !== 'url.path' || !caps['url.original']) return undefined;
  const query = {
    bool: { filter: [{ exists: { field: 'url.original' } }], must_not: [{ exists: { field: 'url.path' } }] },
  };
  const { count } = (await backend.count(index, query)).body;
  if (count === 0) return undefined;
  return `${count.toLocaleString('en')} documents in ${index} have url.original but no url.path (Traefik CLF lines beside JSON ones): their paths are not read, and they are counted as skipped; log one format (Traefik's accessLog.format: json), or point elasticsearch.fields.path at a field every document has`;
}
