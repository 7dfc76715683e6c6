import { globRegExp } from '../../core/glob.ts';
import type { SearchBody } from './search-backend.ts';

export interface QueryGuardLimits {
  /** The configured index pattern: the only indices a query may read. */
  indexPattern: string;
  /** The time field of the field profile: every query must bound it. */
  timeField: string;
  maxHits: number;
  maxBuckets: number;
  /** Seconds. */
  maxRange: number;
  /** Seconds; set on every query whatever the model asked. */
  timeout: number;
  now?: () => number;
}

export type GuardedQuery =
  | { ok: true; operation: 'search' | 'count'; index: string; body: SearchBody; range: { from: number; to: number } }
  | { ok: false; reason: string };

const TOP_LEVEL = new Set([
  'operation',
  'index',
  'query',
  'aggs',
  'aggregations',
  'size',
  'from',
  'sort',
  '_source',
  'track_total_hits',
  'timeout',
]);

/** Keys refused anywhere in the tree: code execution, templates, and reads of other indices (terms lookup...). */
const FORBIDDEN_KEYS = new Set([
  'script',
  'scripts',
  '_script',
  'script_fields',
  'scripted_metric',
  'bucket_script',
  'bucket_selector',
  'runtime_mappings',
  'stored',
  'stored_fields',
  'template',
  'search_template',
  'params',
  'index',
  '_index',
  'indices',
  'pit',
  'percolate',
  'wrapper',
  'more_like_this',
  'indexed_shape',
]);

const LEAF_QUERIES = new Set([
  'term',
  'terms',
  'match',
  'match_phrase',
  'match_phrase_prefix',
  'multi_match',
  'prefix',
  'wildcard',
  'regexp',
  'range',
  'exists',
  'ids',
  'match_all',
  'match_none',
  'query_string',
  'simple_query_string',
  'fuzzy',
]);

const BUCKET_SIZED = new Set(['terms', 'significant_terms', 'multi_terms', 'rare_terms', 'composite']);
const AGGREGATIONS = new Set([
  ...BUCKET_SIZED,
  'date_histogram',
  'auto_date_histogram',
  'histogram',
  'filter',
  'filters',
  'cardinality',
  'value_count',
  'min',
  'max',
  'avg',
  'sum',
  'stats',
  'extended_stats',
  'percentiles',
  'top_hits',
  'range',
  'date_range',
  'missing',
]);

const MAX_QUERY_CHARS = 20_000;
const MAX_AGG_DEPTH = 3;
const MAX_AGGS = 20;
const MAX_TOP_HITS = 10;
const MAX_FROM = 100;

class Refusal extends Error {}

/**
 * The read-only guard every model-written query passes before it runs: search or count only, only the configured
 * index pattern, no scripts or templates or lookups into other indices anywhere in the tree, whitelisted query and
 * aggregation types, bounded hits and buckets, a bounded time range on the profile's time field, a server timeout.
 * Returns the body to send (with our timeout) or the reason for refusal, which goes back to the model and the audit.
 */
export function guardQuery(input: unknown, limits: QueryGuardLimits): GuardedQuery {
  try {
    return check(input, limits);
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.message };
    throw error;
  }
}

function check(input: unknown, limits: QueryGuardLimits): GuardedQuery {
  if (!isRecord(input)) refuse('the query must be a JSON object (an Elasticsearch search body)');
  const text = JSON.stringify(input);
  if (text.length > MAX_QUERY_CHARS) refuse(`the query is ${text.length} characters; at most ${MAX_QUERY_CHARS}`);
  for (const key of Object.keys(input))
    if (!TOP_LEVEL.has(key)) refuse(`top-level key "${key}" is not allowed (allowed: ${[...TOP_LEVEL].join(', ')})`);
  const operation = input.operation ?? 'search';
  if (operation !== 'search' && operation !== 'count')
    refuse(`operation "${String(operation)}" is refused: only search and count are allowed (read-only)`);
  const index = checkIndex(input.index, limits.indexPattern);
  const { operation: _operation, index: _index, ...body } = input;
  scanForbidden(body, '');
  if (!isRecord(body.query)) refuse('a query with a time range is required');
  checkQuery(body.query, 'query', 0);
  const range = findTimeRange(body.query, limits);
  if (!range)
    refuse(
      `the query must filter ${limits.timeField} with a bounded range (gte/gt and lte/lt) in query, bool.filter or bool.must`,
    );
  const span = range.to - range.from;
  if (!(span > 0)) refuse(`the time range on ${limits.timeField} is empty or reversed`);
  if (span > limits.maxRange * 1000)
    refuse(`the time range covers ${Math.round(span / 1000)}s; at most ${limits.maxRange}s`);
  if (operation === 'count') {
    const extra = Object.keys(body).filter((key) => key !== 'query' && key !== 'timeout');
    if (extra.length > 0) refuse(`a count takes only a query (got ${extra.join(', ')})`);
    return { ok: true, operation, index, body: { query: body.query }, range };
  }
  const size = body.size ?? 0;
  if (!isCount(size) || size > limits.maxHits) refuse(`size must be an integer from 0 to ${limits.maxHits}`);
  if (body.from !== undefined && (!isCount(body.from) || body.from > MAX_FROM))
    refuse(`from must be an integer from 0 to ${MAX_FROM}`);
  if (body.track_total_hits !== undefined && typeof body.track_total_hits !== 'boolean')
    refuse('track_total_hits must be true or false');
  if (body.aggs !== undefined && body.aggregations !== undefined) refuse('use aggs or aggregations, not both');
  const aggs = body.aggs ?? body.aggregations;
  if (aggs !== undefined) checkAggregations(aggs, limits, 1, { count: 0 }, span, 1);
  return { ok: true, operation, index, body: { ...body, size, timeout: `${limits.timeout}s` }, range };
}

function checkIndex(index: unknown, pattern: string): string {
  if (index === undefined) return pattern;
  if (typeof index !== 'string') refuse('index must be a string');
  if (index === pattern) return index;
  if (/[,*:\s]|^[-_.]/.test(index) || !globMatches(pattern, index))
    refuse(`index "${index.slice(0, 100)}" is refused: only ${pattern} (or one index it matches) may be read`);
  return index;
}

/** An index pattern naming one pattern (a comma list is refused) that matches `value`, case-sensitive as indices are. */
function globMatches(pattern: string, value: string): boolean {
  return !pattern.includes(',') && globRegExp(pattern).test(value);
}

function scanForbidden(node: unknown, path: string): void {
  if (Array.isArray(node)) {
    for (const [position, item] of node.entries()) scanForbidden(item, `${path}[${position}]`);
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, value] of Object.entries(node)) {
    const here = path ? `${path}.${key}` : key;
    // Any *script* key runs Painless: terms_set's minimum_should_match_script has no "script" key of its own and
    // fits where queries are not type-checked (significant_terms.background_filter, highlight_query, sort filters).
    if (FORBIDDEN_KEYS.has(key) || /script/i.test(key))
      refuse(`"${key}" is not allowed anywhere in a query (found at ${here})`);
    scanForbidden(value, here);
  }
}

function checkQuery(node: unknown, path: string, depth: number): void {
  if (depth > 10) refuse(`${path}: queries nested too deep`);
  if (!isRecord(node)) refuse(`${path}: a query must be an object`);
  const keys = Object.keys(node);
  if (keys.length !== 1) refuse(`${path}: a query object has exactly one type (got ${keys.join(', ') || 'none'})`);
  const [type] = keys;
  const value = node[type];
  if (type === 'bool') {
    if (!isRecord(value)) refuse(`${path}.bool must be an object`);
    for (const [clause, inner] of Object.entries(value)) {
      if (['must', 'filter', 'should', 'must_not'].includes(clause)) {
        const list = Array.isArray(inner) ? inner : [inner];
        for (const [position, item] of list.entries())
          checkQuery(item, `${path}.bool.${clause}[${position}]`, depth + 1);
      } else if (!['minimum_should_match', 'boost', '_name'].includes(clause)) {
        refuse(`${path}.bool.${clause} is not allowed`);
      }
    }
    return;
  }
  if (type === 'constant_score') {
    if (!isRecord(value)) refuse(`${path}.constant_score must be an object`);
    checkQuery(value.filter, `${path}.constant_score.filter`, depth + 1);
    return;
  }
  if (type === 'dis_max') {
    if (!isRecord(value) || !Array.isArray(value.queries)) refuse(`${path}.dis_max needs queries`);
    for (const [position, item] of value.queries.entries())
      checkQuery(item, `${path}.dis_max.queries[${position}]`, depth + 1);
    return;
  }
  if (!LEAF_QUERIES.has(type))
    refuse(
      `${path}: query type "${type}" is not allowed (allowed: bool, constant_score, dis_max, ${[...LEAF_QUERIES].join(', ')})`,
    );
}

/** The time range the query is certainly restricted to: a range on the time field in a conjunctive position. */
function findTimeRange(query: SearchBody, limits: QueryGuardLimits): { from: number; to: number } | undefined {
  if (isRecord(query.range) && isRecord(query.range[limits.timeField]))
    return parseRange(query.range[limits.timeField], limits);
  if (isRecord(query.constant_score)) return findTimeRange(query.constant_score.filter, limits);
  if (!isRecord(query.bool)) return undefined;
  for (const clause of ['filter', 'must']) {
    const inner = query.bool[clause];
    for (const item of Array.isArray(inner) ? inner : inner ? [inner] : []) {
      const found = isRecord(item) ? findTimeRange(item, limits) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

function parseRange(range: SearchBody, limits: QueryGuardLimits): { from: number; to: number } {
  const now = limits.now?.() ?? Date.now();
  // A format (epoch_second, yy...) makes Elasticsearch read the bounds differently from us: the span we checked
  // would not be the span it searches.
  const unknown = Object.keys(range).filter((key) => !RANGE_KEYS.has(key));
  if (unknown.length > 0)
    refuse(`the range on ${limits.timeField} takes only ${[...RANGE_KEYS].join(', ')} (got ${unknown.join(', ')})`);
  if (range.format !== undefined && !SAME_READING_FORMATS.has(range.format))
    refuse(`the range on ${limits.timeField} may only use format ${[...SAME_READING_FORMATS].join(' or ')}`);
  const lower = range.gte ?? range.gt;
  const upper = range.lte ?? range.lt;
  if (lower === undefined || upper === undefined)
    refuse(`the range on ${limits.timeField} needs both a lower (gte/gt) and an upper (lte/lt) bound`);
  return {
    from: parseTime(lower, now, limits.timeField, 'lower'),
    to: parseTime(upper, now, limits.timeField, 'upper'),
  };
}

const RANGE_KEYS = new Set(['gte', 'gt', 'lte', 'lt', 'format', 'time_zone', 'boost', '_name']);
/** Formats under which Elasticsearch reads epoch milliseconds and ISO dates as parseTime does. */
const SAME_READING_FORMATS = new Set<unknown>([
  'epoch_millis',
  'strict_date_optional_time',
  'date_optional_time',
  'strict_date_optional_time||epoch_millis',
]);

/** The most a rounding to this unit can move a time (calendar months and years at their longest). */
const ROUNDING_MS: Record<string, number> = { M: 31 * 86_400_000, y: 366 * 86_400_000 };

/** `2026`, `2026-11`, `2026-11-22`, `2026-11-22T05`, `...T05:00`, `...T05:00:00.000Z`; the last part given names the unit. */
const ISO_DATE = /^\d{4}(-\d{2})?(-\d{2})?(T\d{2})?(:\d{2})?(:\d{2})?(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)?$/;

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  H: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  M: 2_592_000_000,
  y: 31_536_000_000,
};

/**
 * Epoch milliseconds, an ISO date, or date math (`now`, `now-15m`, `now-1h/h`). With a `bound`, the time is widened
 * the way Elasticsearch may round it: `now-1h/y` as a lower bound can mean the start of the year, and `2026` as an
 * upper bound means the end of 2026, so a span checked on the unrounded times would let a year through.
 */
export function parseTime(value: unknown, now: number, field: string, bound?: 'lower' | 'upper'): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const math = /^now((?:[+-]\d+[smhHdwMy])*)(\/[smhHdwMy])?$/.exec(value.trim());
    if (math) {
      let time = now;
      for (const [, sign, amount, unit] of math[1].matchAll(/([+-])(\d+)([smhHdwMy])/g))
        time += (sign === '-' ? -1 : 1) * Number(amount) * UNIT_MS[unit];
      return math[2] ? widen(time, math[2].slice(1), bound) : time;
    }
    if (/^\d{10,13}$/.test(value)) return Number(value);
    const iso = ISO_DATE.exec(value.trim());
    const parsed = Date.parse(value);
    if (iso && Number.isFinite(parsed)) {
      if (bound !== 'upper' || iso[6]) return parsed;
      // Elasticsearch rounds a partial upper bound up to the end of its last unit (lte "2026" is the whole year).
      const unit = iso[5] ? 's' : iso[4] ? 'm' : iso[3] ? 'h' : iso[2] ? 'd' : iso[1] ? 'M' : 'y';
      return widen(parsed, unit, 'upper');
    }
  }
  refuse(`cannot read ${JSON.stringify(value)?.slice(0, 60)} as a time for ${field}`);
}

function widen(time: number, unit: string, bound: 'lower' | 'upper' | undefined): number {
  const slack = ROUNDING_MS[unit] ?? UNIT_MS[unit];
  return bound === 'lower' ? time - slack : bound === 'upper' ? time + slack : time;
}

function checkAggregations(
  aggs: unknown,
  limits: QueryGuardLimits,
  depth: number,
  total: { count: number },
  spanMs: number,
  /** How many buckets the enclosing aggregations can make in all: what a top_hits inside is multiplied by. */
  parentBuckets: number,
): void {
  if (depth > MAX_AGG_DEPTH) refuse(`aggregations nested deeper than ${MAX_AGG_DEPTH} levels`);
  if (!isRecord(aggs)) refuse('aggs must be an object of named aggregations');
  for (const [name, definition] of Object.entries(aggs)) {
    if (++total.count > MAX_AGGS) refuse(`more than ${MAX_AGGS} aggregations`);
    if (!isRecord(definition)) refuse(`aggregation ${name} must be an object`);
    const types = Object.keys(definition).filter((key) => key !== 'aggs' && key !== 'aggregations' && key !== 'meta');
    if (types.length !== 1)
      refuse(`aggregation ${name} must have exactly one type (got ${types.join(', ') || 'none'})`);
    const [type] = types;
    if (!AGGREGATIONS.has(type))
      refuse(`aggregation type "${type}" (${name}) is not allowed (allowed: ${[...AGGREGATIONS].join(', ')})`);
    const params = definition[type];
    if (!isRecord(params)) refuse(`aggregation ${name}.${type} must be an object`);
    if (BUCKET_SIZED.has(type)) {
      const size = params.size ?? 10;
      if (!isCount(size) || size > limits.maxBuckets)
        refuse(`${name}.${type}.size must be at most ${limits.maxBuckets}`);
      if (params.shard_size !== undefined && (!isCount(params.shard_size) || params.shard_size > limits.maxBuckets * 5))
        refuse(`${name}.${type}.shard_size must be at most ${limits.maxBuckets * 5}`);
    }
    if (
      type === 'top_hits' &&
      (!isCount(params.size ?? 3) || (params.size ?? 3) > MAX_TOP_HITS || (params.from ?? 0) > 0)
    )
      refuse(`${name}.top_hits.size must be at most ${MAX_TOP_HITS} (and no from)`);
    if (type === 'top_hits' && parentBuckets * (params.size ?? 3) > MAX_TOP_HITS * limits.maxBuckets)
      refuse(
        `${name}.top_hits returns up to ${parentBuckets * (params.size ?? 3)} documents through its enclosing buckets; at most ${MAX_TOP_HITS * limits.maxBuckets}`,
      );
    if (type === 'filter') checkQuery(params, `${name}.filter`, 0);
    if (type === 'filters') {
      const filters = params.filters;
      const list = Array.isArray(filters) ? filters : isRecord(filters) ? Object.values(filters) : undefined;
      if (!list || list.length > limits.maxBuckets)
        refuse(`${name}.filters needs at most ${limits.maxBuckets} filters`);
      for (const [position, item] of list.entries()) checkQuery(item, `${name}.filters[${position}]`, 0);
    }
    if (
      (type === 'range' || type === 'date_range') &&
      Array.isArray(params.ranges) &&
      params.ranges.length > limits.maxBuckets
    )
      refuse(`${name}.${type} has more than ${limits.maxBuckets} ranges`);
    if (
      type === 'auto_date_histogram' &&
      (!isCount(params.buckets ?? 10) || (params.buckets ?? 10) > limits.maxBuckets)
    )
      refuse(`${name}.auto_date_histogram.buckets must be at most ${limits.maxBuckets}`);
    if (type === 'date_histogram') {
      const interval = params.fixed_interval ?? params.calendar_interval ?? params.interval;
      const step = typeof interval === 'string' ? intervalMs(interval) : undefined;
      if (step === undefined)
        refuse(`${name}.date_histogram needs a fixed_interval or calendar_interval like 1m or 1h`);
      const buckets = Math.ceil(spanMs / step);
      if (buckets > limits.maxBuckets * 10)
        refuse(`${name}.date_histogram makes ${buckets} buckets over the range; at most ${limits.maxBuckets * 10}`);
    }
    const nested = definition.aggs ?? definition.aggregations;
    if (nested !== undefined)
      checkAggregations(
        nested,
        limits,
        depth + 1,
        total,
        spanMs,
        parentBuckets * bucketCount(type, params, limits, spanMs),
      );
  }
}

/** The most buckets one aggregation of an accepted shape makes (its sub-aggregations run once per bucket). */
function bucketCount(type: string, params: SearchBody, limits: QueryGuardLimits, spanMs: number): number {
  if (BUCKET_SIZED.has(type)) return Number(params.size ?? 10);
  if (type === 'filter' || type === 'missing') return 1;
  if (type === 'filters') return Object.keys(params.filters ?? {}).length + (params.other_bucket ? 1 : 0);
  if (type === 'range' || type === 'date_range') return Array.isArray(params.ranges) ? params.ranges.length : 1;
  if (type === 'auto_date_histogram') return Number(params.buckets ?? 10);
  if (type === 'date_histogram') {
    const interval = params.fixed_interval ?? params.calendar_interval ?? params.interval;
    const step = typeof interval === 'string' ? intervalMs(interval) : undefined;
    return step ? Math.ceil(spanMs / step) + 1 : limits.maxBuckets * 10;
  }
  return limits.maxBuckets * 10; // histogram: as many as the data makes
}

/** `30s`, `1m`, `2h`, `1d`, `minute`, `hour`... in milliseconds; undefined for anything else. */
function intervalMs(interval: string): number | undefined {
  const named: Record<string, string> = { minute: '1m', hour: '1h', day: '1d', week: '1w', month: '1M', year: '1y' };
  const match = /^(\d+)([smhHdwMy])$/.exec(named[interval] ?? interval);
  return match && Number(match[1]) > 0 ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

function refuse(reason: string): never {
  throw new Refusal(reason);
}

function isRecord(value: unknown): value is Record<string, unknown> & SearchBody {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
