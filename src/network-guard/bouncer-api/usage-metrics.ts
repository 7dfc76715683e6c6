import { z } from 'zod';

/**
 * `POST /v1/usage-metrics` of the CrowdSec Local API, as bouncers (remediation components) send it: what they dropped
 * and processed per window, and who they are. The shape follows CrowdSec's swagger (`AllMetrics`,
 * `RemediationComponentsMetrics`, `DetailedMetrics`, `MetricsDetailItem`) and its controller's answers: 400 for a body
 * that is not that JSON (a string where a number goes), 422 with "validation failure list:" for a missing or oversized
 * field, 400 without exactly one remediation component, else 201. Recent crowdsec-firewall-bouncer releases and the
 * Traefik bouncer plugin send one every few minutes, and log an error each time the endpoint is missing.
 */

const text = z.string().max(255);
const item = z.object({
  name: text,
  value: z.number(),
  unit: text,
  labels: z.record(z.string(), text).optional(),
});
const window = z.object({
  meta: z.object({ window_size_seconds: z.number().int(), utc_now_timestamp: z.number().int() }),
  items: z.array(item).max(1000),
});
const component = z.object({
  type: z.string().max(255).optional(),
  name: z.string().max(255).optional(),
  version: text,
  os: z.object({ name: text, version: text, family: text.optional() }).optional(),
  feature_flags: z.array(text).max(100).optional(),
  utc_startup_timestamp: z.number().int(),
  last_pull: z.number().int().optional(),
  metrics: z.array(window).max(100).optional(),
});

/** Items that are a level at the end of a window (CrowdSec's `active_decisions`), not a count during it. */
const GAUGES = new Set(['active_decisions']);
/** Series kept per bouncer (name, unit and labels): a bouncer cannot grow its row without bound. */
const MAX_SERIES = 200;

export interface UsageSeries {
  name: string;
  unit: string;
  labels: Record<string, string>;
  value: number;
}

/** What is kept of a bouncer's reports: who it is, and its counters summed over every window it reported. */
export interface BouncerUsage {
  type: string | null;
  name: string | null;
  version: string;
  os: string | null;
  startedAt: string;
  reports: number;
  /** Counters (dropped, processed, ...) summed over windows; gauges (active decisions) at their last value. */
  series: UsageSeries[];
}

/** One remediation component's report, as validated. */
export type UsageComponent = z.infer<typeof component>;

export type UsageReport = { ok: true; component: UsageComponent } | { ok: false; status: 400 | 422; message: string };

/** Reads a bouncer's report the way the Local API does (see the module comment for the answers). */
export function parseUsageReport(body: string): UsageReport {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, status: 400, message: `invalid JSON: ${(error as Error).message}` };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    return { ok: false, status: 400, message: 'expected a JSON object' };
  const shape = wrongType(json as Record<string, unknown>);
  if (shape) return { ok: false, status: 400, message: shape };
  const components = (json as { remediation_components?: unknown[] }).remediation_components ?? [];
  if (components.length === 0) return { ok: false, status: 400, message: 'Missing remediation component data' };
  if (components.length > 1)
    return { ok: false, status: 400, message: 'Payload has more than one remediation component' };
  const parsed = component.safeParse(components[0], { reportInput: true });
  if (!parsed.success) {
    const failures = parsed.error.issues.map((issue) => {
      const at = ['remediation_components', '0', ...issue.path.map(String)].join('.');
      return issue.code === 'invalid_type' && issue.input === undefined
        ? `${at} in body is required`
        : `${at}: ${issue.message}`;
    });
    return { ok: false, status: 422, message: `validation failure list:\n${failures.join('\n')}` };
  }
  return { ok: true, component: parsed.data };
}

/** The usage kept after one more report (`previous`: what was kept before, or null). */
export function withReport(previous: BouncerUsage | null, report: UsageComponent): BouncerUsage {
  const series = new Map((previous?.series ?? []).map((entry) => [seriesKey(entry), { ...entry }]));
  for (const { items } of report.metrics ?? []) {
    for (const reported of items) {
      const labels = Object.fromEntries(Object.entries(reported.labels ?? {}).sort(([a], [b]) => a.localeCompare(b)));
      const entry = { name: reported.name, unit: reported.unit, labels, value: reported.value };
      const key = seriesKey(entry);
      const known = series.get(key);
      if (known) known.value = GAUGES.has(entry.name) ? entry.value : known.value + entry.value;
      else if (series.size < MAX_SERIES) series.set(key, entry);
    }
  }
  return {
    type: report.type ?? null,
    name: report.name ?? null,
    version: report.version,
    os: report.os ? `${report.os.name} ${report.os.version}`.trim() : null,
    startedAt: isoSeconds(report.utc_startup_timestamp),
    reports: (previous?.reports ?? 0) + 1,
    series: [...series.values()],
  };
}

/** "1,234 packet, 98,000 byte": a bouncer's `dropped` counters by unit, for `bouncers ls`. */
export function droppedSummary(usage: BouncerUsage | null): string {
  if (!usage) return '-';
  const byUnit = new Map<string, number>();
  for (const entry of usage.series)
    if (entry.name === 'dropped') byUnit.set(entry.unit, (byUnit.get(entry.unit) ?? 0) + entry.value);
  if (byUnit.size === 0) return '0';
  return [...byUnit].map(([unit, value]) => `${value.toLocaleString('en')} ${unit}`).join(', ');
}

/** Go's decoder refuses a value of the wrong JSON type with 400 before validation; the common cases here. */
function wrongType(json: Record<string, unknown>): string | undefined {
  const components = json.remediation_components;
  if (components === undefined || components === null) return undefined;
  if (!Array.isArray(components)) return 'json: cannot unmarshal remediation_components: not an array';
  for (const entry of components) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry))
      return 'json: cannot unmarshal remediation_components: not an object';
    const stamp = (entry as Record<string, unknown>).utc_startup_timestamp;
    if (stamp !== undefined && stamp !== null && typeof stamp !== 'number')
      return `json: cannot unmarshal ${typeof stamp} into Go struct field AllMetrics.remediation_components.utc_startup_timestamp of type int64`;
  }
  return undefined;
}

function seriesKey(entry: Pick<UsageSeries, 'name' | 'unit' | 'labels'>): string {
  return JSON.stringify([entry.name, entry.unit, entry.labels]);
}

function isoSeconds(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}
