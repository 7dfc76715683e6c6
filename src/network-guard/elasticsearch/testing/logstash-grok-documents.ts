import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FieldProfile, type FieldRole, fieldCapsRequest } from '../field-profile.ts';
import type { FieldCaps, SearchBody } from '../search-backend.ts';
import { type Document, ourClient, text, valueAt } from './document-values.ts';

/**
 * Logstash grok documents for the unit tests (`__fixtures__/logstash/`): each line of logstash-patterns-core's
 * HTTPD_COMBINEDLOG spec as the event Logstash indexes, the `_field_caps` answer Elasticsearch gives for the index
 * Logstash's template creates, and the way Elasticsearch evaluates the queries' status filters and `_count`s on them.
 */
const FIXTURES = join(import.meta.dirname, '..', '__fixtures__', 'logstash');
const read = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const MAPPINGS = read('mappings.json');
export const CASES = read('httpd-combinedlog.json').cases as GrokCase[];
export const SETTINGS = { fields: {}, profile: 'auto' as const, index_pattern: 'logstash-*' };
/** Behind-a-proxy reading: the spec's second line comes from 10.0.0.1, a trusted proxy here. */
export const TRUSTED = ['10.0.0.0/8'];

export type { Document };
export { ourClient, text, valueAt };
export type Mode = 'legacy' | 'ecs-v1';
export interface GrokCase {
  context: string;
  message: string;
  expected: Record<Mode, Document>;
  absent?: Partial<Record<Mode, string[]>>;
  derived: Record<Mode, Document>;
}

export interface Layout {
  name: string;
  mode: Mode;
  mapping: 'legacy' | 'ecs';
  /** Legacy fields turned into numbers (`%{NUMBER:response:int}`, or `mutate { convert => ... }`): mapped long. */
  converted?: string[];
  /** The field each role must resolve to (the client: the field the composite groups by). */
  profile: Partial<Record<FieldRole | 'grouped_by', string>>;
}

export const LAYOUTS: Layout[] = [
  {
    name: 'legacy',
    mode: 'legacy',
    mapping: 'legacy',
    profile: {
      time: '@timestamp',
      grouped_by: 'clientip.keyword',
      path: 'request.keyword',
      status: 'response.keyword',
      user_agent: 'agent.keyword',
      method: 'verb.keyword',
      size: 'bytes.keyword',
    },
  },
  {
    name: 'legacy-converted',
    mode: 'legacy',
    mapping: 'legacy',
    converted: ['response', 'bytes'],
    profile: { grouped_by: 'clientip.keyword', path: 'request.keyword', status: 'response', size: 'bytes' },
  },
  {
    name: 'ecs',
    mode: 'ecs-v1',
    mapping: 'ecs',
    profile: {
      time: '@timestamp',
      grouped_by: 'source.address',
      path: 'url.original',
      status: 'http.response.status_code',
      user_agent: 'user_agent.original',
      method: 'http.request.method',
      size: 'http.response.body.bytes',
    },
  },
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** HTTPDATE (`24/Feb/2015:23:13:42 +0000`) as a date filter with `dd/MMM/yyyy:HH:mm:ss Z` sets @timestamp. */
export function httpDate(value: string): string {
  const [, day, month, year, time, sign, hours, minutes] =
    /^(\d\d)\/(\w{3})\/(\d{4}):(\d\d:\d\d:\d\d) ([+-])(\d\d)(\d\d)$/.exec(value) ?? [];
  const iso = `${year}-${String(MONTHS.indexOf(month) + 1).padStart(2, '0')}-${day}T${time}${sign}${hours}:${minutes}`;
  return new Date(iso).toISOString();
}

export function merge(target: Document, source: Document): Document {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    target[key] =
      value && typeof value === 'object' && existing && typeof existing === 'object'
        ? merge({ ...(existing as Document) }, value as Document)
        : value;
  }
  return target;
}

/** The event Logstash indexes: grok's captures, @timestamp from the line's timestamp, @version, the message. */
export function documentOf(grokCase: GrokCase, layout: Layout): Document {
  const fields = merge(merge({}, grokCase.derived[layout.mode]), grokCase.expected[layout.mode]);
  for (const name of layout.converted ?? []) if (typeof fields[name] === 'string') fields[name] = Number(fields[name]);
  return { ...fields, '@timestamp': httpDate(String(fields.timestamp)), '@version': '1', message: grokCase.message };
}

export function leaves(document: Document, prefix = ''): Array<[string, unknown]> {
  return Object.entries(document).flatMap(([key, value]) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? leaves(value as Document, `${prefix}${key}.`)
      : [[`${prefix}${key}`, value] as [string, unknown]],
  );
}

/**
 * `_field_caps` for the fields we ask about, as Elasticsearch answers for an index the template created and these
 * documents filled: declared fields always, dynamic ones as the template's rule maps their JSON type.
 */
export function capsOf(layout: Layout, documents: Document[]): FieldCaps {
  const mapping = MAPPINGS[layout.mapping] as {
    declared: Record<string, string>;
    dynamic: { string: { type: string; keyword?: string }; message?: { type: string }; long: string };
  };
  const types = new Map<string, string>(Object.entries(mapping.declared));
  for (const document of documents)
    for (const [name, value] of leaves(document)) {
      if (types.has(name)) continue;
      if (typeof value === 'number') types.set(name, mapping.dynamic.long);
      else if (name === 'message' && mapping.dynamic.message) types.set(name, mapping.dynamic.message.type);
      else {
        types.set(name, mapping.dynamic.string.type);
        if (mapping.dynamic.string.keyword) types.set(`${name}.keyword`, mapping.dynamic.string.keyword);
      }
    }
  const asked = new Set(fieldCapsRequest(SETTINGS));
  const caps: FieldCaps = {};
  for (const [name, type] of types)
    if (asked.has(name))
      caps[name] = [{ type, aggregatable: type !== 'text' && type !== 'match_only_text', searchable: true }];
  return caps;
}

/**
 * Whether a filter of the queries selects a document, as Elasticsearch evaluates term, terms and range on the status
 * field: numbers on a numeric field, the bounds' text compared byte by byte on a keyword field.
 */
export function selects(filter: SearchBody, document: Document, profile: FieldProfile): boolean {
  const field = profile.fields.status;
  const keyword = (profile.types.status ?? '').includes('keyword');
  const value = valueAt(document, field);
  if (value === undefined) return false;
  const compare = (bound: unknown) =>
    keyword
      ? String(value) < String(bound)
        ? -1
        : String(value) > String(bound)
          ? 1
          : 0
      : Number(value) - Number(bound);
  if (filter.bool) {
    const all = (filter.bool.filter ?? []) as SearchBody[];
    const none = [filter.bool.must_not ?? []].flat() as SearchBody[];
    return (
      all.every((clause) => selects(clause, document, profile)) && !none.some((c) => selects(c, document, profile))
    );
  }
  if (filter.term) return compare(filter.term[field]) === 0;
  if (filter.terms) return (filter.terms[field] as unknown[]).some((bound) => compare(bound) === 0);
  if (filter.range) {
    const { gte, lt } = filter.range[field];
    return compare(gte) >= 0 && compare(lt) < 0;
  }
  throw new Error(`unexpected status filter ${JSON.stringify(filter)}`);
}

/** `_count` over the documents, for the exists / bool queries connectProfile sends. */
export function countingBackend(documents: Document[]) {
  const matches = (query: SearchBody, document: Document): boolean => {
    if (query.exists) return valueAt(document, query.exists.field) !== undefined;
    const all = (query.bool?.filter ?? []) as SearchBody[];
    const none = [query.bool?.must_not ?? []].flat() as SearchBody[];
    return all.every((clause) => matches(clause, document)) && !none.some((clause) => matches(clause, document));
  };
  return {
    count: async (_index: string, query: SearchBody | undefined) => ({
      body: { count: documents.filter((document) => matches(query ?? {}, document)).length },
      bytes: 0,
      elapsedMs: 0,
    }),
  };
}
