import type { DocumentFilterSettings } from '../../config/sections/elasticsearch.ts';
import { IntegrationError } from '../../core/errors.ts';
import type { FieldCaps, SearchBackend, SearchBody, SearchResult } from './search-backend.ts';

/** `elasticsearch.document_filter` resolved against the mapping: the fields queried, and the one query clause. */
export interface DocumentFilter {
  /** Each configured filter with the field as queried (a `.keyword` subfield of a text field). */
  filters: Array<{ field: string; values: Array<string | number | boolean> }>;
  clause: SearchBody;
  warnings: string[];
}

const EXACT_TYPES = new Set(['keyword', 'constant_keyword', 'long', 'integer', 'short', 'byte', 'boolean', 'ip']);
const TEXT_TYPES = new Set(['text', 'match_only_text']);

/** Fields whose values say which shipper module or application wrote a document. */
export const SOURCE_FIELDS = ['event.module', 'event.dataset', 'data_stream.dataset', 'service.type', 'agent.type'];

/**
 * The configured filter, checked against `_field_caps`: a field no index of the pattern maps would match no document
 * (every window empty, every scanner missed), so it is an error naming the key; a text field is matched through its
 * `.keyword` subfield (a `terms` query on text compares analysed tokens).
 */
export function resolveDocumentFilter(
  settings: DocumentFilterSettings,
  caps: FieldCaps,
  index: string,
): DocumentFilter {
  const warnings: string[] = [];
  const filters = settings.map(({ field, values }, position) => {
    const key = `elasticsearch.document_filter${settings.length > 1 ? `.${position}` : ''}.field`;
    const queried = exactField(field, caps);
    if (!queried) {
      const types = (caps[field] ?? []).map((capability) => capability.type).join('/');
      throw new IntegrationError(
        'elasticsearch',
        types
          ? `${key}: ${field} is mapped ${types} in ${index}, which cannot be matched exactly (map it as keyword or add a keyword subfield)`
          : `${key}: ${field} is not mapped in ${index}: no document would match; name a field the Traefik documents have (event.module, service.type, data_stream.dataset...)`,
        { isRetryable: false },
      );
    }
    if (queried !== field) warnings.push(`${key}: ${field} is text in ${index}: matched through ${queried}`);
    return { field: queried, values };
  });
  const clauses = filters.map(({ field, values }) => ({ terms: { [field]: values } }));
  return { filters, clause: clauses.length === 1 ? clauses[0]! : { bool: { filter: clauses } }, warnings };
}

function exactField(field: string, caps: FieldCaps): string | undefined {
  const types = (caps[field] ?? []).map((capability) => capability.type);
  if (types.length > 0 && types.every((type) => EXACT_TYPES.has(type))) return field;
  const keyword = caps[`${field}.keyword`] ?? [];
  if (types.every((type) => TEXT_TYPES.has(type)) && keyword.length > 0 && keyword.every((c) => c.type === 'keyword'))
    return `${field}.keyword`;
  return undefined;
}

/** `query` narrowed to the filtered documents (a match-all when absent); the query's own scoring is kept. */
export function withinDocuments(clause: SearchBody, query: SearchBody | undefined): SearchBody {
  return { bool: { filter: [clause], ...(query ? { must: [query] } : {}) } };
}

/**
 * The backend every query of the agent goes through, narrowed to the filtered documents: detection aggregations,
 * follow-up and returning-client queries, connect-time counts and the LLM's guarded queries alike, so none can read
 * another application's documents. `_field_caps` stays the pattern's (it takes no document query).
 */
export function filteredBackend(backend: SearchBackend, clause: SearchBody): SearchBackend {
  return {
    info: backend.info,
    search: (index, body, options) =>
      backend.search(index, { ...body, query: withinDocuments(clause, body.query) }, options),
    count: (index, query): Promise<SearchResult<{ count: number }>> =>
      backend.count(index, withinDocuments(clause, query)),
    fieldCaps: (index, fields) => backend.fieldCaps(index, fields),
    close: () => backend.close(),
  };
}

/**
 * With no filter configured: whether the pattern holds documents of several sources (two modules in `event.module`,
 * or documents with a non-Traefik value beside documents without the field), which are then all read as Traefik requests. One size-0 request at
 * connect over the source fields the mapping has; a warning naming the setting, or undefined.
 */
export async function mixedSourcesWarning(
  backend: Pick<SearchBackend, 'search'>,
  index: string,
  caps: FieldCaps,
): Promise<string | undefined> {
  const fields = SOURCE_FIELDS.flatMap((field) => {
    const exact = exactField(field, caps);
    return exact && (caps[exact] ?? []).every((capability) => capability.aggregatable) ? [exact] : [];
  });
  if (fields.length === 0) return undefined;
  const aggs: SearchBody = {};
  fields.forEach((field, position) => {
    aggs[`values_${position}`] = { terms: { field, size: 10 } };
    aggs[`missing_${position}`] = { missing: { field } };
  });
  const { body } = await backend.search(index, { size: 0, track_total_hits: false, aggs });
  const seen: string[] = [];
  let suggestion: { field: string; value: string } | undefined;
  fields.forEach((field, position) => {
    const buckets: Array<{ key: string | number; doc_count: number }> =
      body.aggregations?.[`values_${position}`]?.buckets ?? [];
    const missing = Number(body.aggregations?.[`missing_${position}`]?.doc_count ?? 0);
    // One value and documents without the field: another source only when that value is not Traefik's (Traefik's
    // JSON shipped raw beside Filebeat's nginx module); Traefik's module beside older Traefik documents is one source.
    const single = buckets.length === 1 && (missing === 0 || /traefik/i.test(String(buckets[0]!.key)));
    if (buckets.length === 0 || single) return;
    const parts = buckets.map((bucket) => `${bucket.key} (${bucket.doc_count.toLocaleString('en')})`);
    if (missing > 0) parts.push(`none (${missing.toLocaleString('en')})`);
    seen.push(`${field.replace(/\.keyword$/, '')}: ${parts.join(', ')}`);
    const traefik = buckets.find((bucket) => /traefik/i.test(String(bucket.key)));
    if (traefik && !suggestion) suggestion = { field: field.replace(/\.keyword$/, ''), value: String(traefik.key) };
  });
  if (seen.length === 0) return undefined;
  const example = suggestion
    ? `{ field: ${suggestion.field}, values: [${suggestion.value}] }`
    : '{ field: <a field only Traefik documents have>, values: [...] }';
  return `${index} holds documents of several sources (${seen.join('; ')}): every one is read as a Traefik request, so another application's log can create incidents; set elasticsearch.document_filter, e.g. ${example}`;
}
