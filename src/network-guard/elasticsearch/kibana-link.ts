/** A bare rison id (rison-node, which Kibana's `@kbn/rison` wraps): none of ` '!:(),*@$`, not starting like a number. */
const bareId = /^[^-0-9 '!:(),*@$][^ '!:(),*@$]*$/;

/**
 * Rison, Kibana's URL state format, written as `rison-node` writes it (keys sorted, undefined members left out, a
 * string bare when it is a valid id, else quoted with `!` and `'` escaped by `!`), so our links read like Kibana's own.
 */
export function encodeRison(value: unknown): string {
  if (value === null) return '!n';
  if (typeof value === 'boolean') return value ? '!t' : '!f';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).replace('+', '') : '!n';
  if (typeof value === 'string') return risonString(value);
  if (Array.isArray(value))
    return `!(${value
      .filter((item) => item !== undefined)
      .map(encodeRison)
      .join(',')})`;
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, member]) => `${risonString(key)}:${encodeRison(member)}`);
    return `(${members.join(',')})`;
  }
  throw new Error(`rison cannot encode a ${typeof value}`);
}

function risonString(value: string): string {
  if (bareId.test(value)) return value;
  return `'${value.replaceAll('!', '!!').replaceAll("'", "!'")}'`;
}

/**
 * A state as the value of a `_g=` / `_a=` URL parameter, percent-encoded as Kibana's `setStateToKbnUrl` does (every
 * delimiter of a URL, `&`, `#`, `=`, `+`, `%`, whitespace, encoded; `:`, `,`, `@`, `$` left readable).
 */
export function encodeKibanaState(state: unknown): string {
  return encodeURIComponent(encodeRison(state))
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%40/g, '@')
    .replace(/%24/g, '$');
}

/** A KQL quoted value: KQL's grammar unescapes only `\\`, `\"` and `\t` `\r` `\n` `\uXXXX` inside quotes. */
function kqlQuoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Field names KQL reads bare as written: no special character, space or wildcard, and not a keyword. */
const BARE_FIELD = /^[A-Za-z0-9_@.-]+$/;
const KEYWORD = /^(?:and|or|not)$/i;

/**
 * A field name as KQL reads it: bare when it can be (`ClientHost`, `source.ip`), else quoted, which KQL's grammar
 * also allows for a field (a bare `*` would be a wildcard over fields, a bare `:` or space would end the name).
 */
function kqlField(name: string): string {
  return BARE_FIELD.test(name) && !KEYWORD.test(name) ? name : kqlQuoted(name);
}

/** A filter value in KQL: strings quoted (so `*` and `:` are literal), numbers and booleans as they are. */
function kqlValue(value: string | number | boolean): string {
  return typeof value === 'string' ? kqlQuoted(value) : String(value);
}

export interface DiscoverLinkOptions {
  /** `elasticsearch.kibana_url` from configuration: the only source of the link's origin and base path. */
  kibanaUrl: string;
  /**
   * A data view id. Kibana looks `_a.index` up by id only (not by index pattern): an id no data view has shows the
   * default data view with a warning, so the index pattern works here only when a data view has it as its id.
   */
  dataView: string;
  /** The client IP field (without `.keyword`: KQL matches the field as mapped). */
  field: string;
  /** IPs of the client (one, or the addresses seen inside an IPv6 /64). */
  ips: readonly string[];
  from: number;
  to: number;
  /** `elasticsearch.document_filter` as queried: the link shows the documents detection read, no others. */
  documentFilter?: ReadonlyArray<{ field: string; values: ReadonlyArray<string | number | boolean> }>;
}

/**
 * A Kibana Discover link showing exactly the requests behind an incident: the data view, the client filter and the
 * time range, so a reviewer can check the evidence against the raw documents in one click. `_a.index` is what the 7.x
 * locator writes; 8.x and 9.x read it as `dataSource:(type:dataView,dataViewId:…)`, so one link serves both.
 */
export function discoverLink(options: DiscoverLinkOptions): string {
  const field = kqlField(options.field.replace(/\.keyword$/, ''));
  const kql = options.ips
    .slice(0, 20)
    .map((ip) => `${field} : ${kqlQuoted(ip)}`)
    .join(' or ');
  const scoped = (options.documentFilter ?? []).map(
    ({ field: filtered, values }) =>
      `(${values.map((value) => `${kqlField(filtered.replace(/\.keyword$/, ''))} : ${kqlValue(value)}`).join(' or ')})`,
  );
  const query = scoped.length > 0 ? [...scoped, `(${kql})`].join(' and ') : kql;
  const global = { time: { from: new Date(options.from).toISOString(), to: new Date(options.to).toISOString() } };
  const app = { index: options.dataView, query: { language: 'kuery', query } };
  return `${kibanaBase(options.kibanaUrl)}/app/discover#/?_g=${encodeKibanaState(global)}&_a=${encodeKibanaState(app)}`;
}

/** Origin and base path of the configured Kibana; its query, fragment and credentials never reach a link. */
export function kibanaBase(kibanaUrl: string): string {
  const url = new URL(kibanaUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`kibana_url must be http or https, got ${url.protocol}`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
