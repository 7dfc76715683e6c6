import { hourOfWeek } from './local-time.ts';
import type { MonitorStore } from './monitor-store.ts';

export interface BaselineSettings {
  warmup_samples: number;
  /** Seconds of history used. */
  window: number;
  hour_of_week_min_samples: number;
  ewma_alpha: number;
  deviation_low: number;
  deviation_medium: number;
}

export interface Baseline {
  metric: string;
  /** Samples behind the median/MAD (of the scope used). */
  count: number;
  median: number;
  mad: number;
  ewma?: number;
  scope: 'hour-of-week' | 'overall';
  /** False while the metric has fewer samples than the warm-up asks: no deviation is judged then. */
  warm: boolean;
}

/** How a metric is judged: which direction is bad and the smallest spread that counts as noise. */
export interface MetricKind {
  direction: 'up' | 'down' | 'both';
  /** Floor for the spread when history is flat (MAD 0), absolute and relative to the median. */
  minimumScale: number;
  relativeScale: number;
}

const METRIC_KINDS: Array<[RegExp, MetricKind]> = [
  [/^temperature\./, { direction: 'up', minimumScale: 1.5, relativeScale: 0.02 }],
  [/^ping\.rtt_ms\./, { direction: 'up', minimumScale: 1, relativeScale: 0.25 }],
  [/^ping\.loss_percent\./, { direction: 'up', minimumScale: 5, relativeScale: 0 }],
  [/^auth\.failures$/, { direction: 'up', minimumScale: 2, relativeScale: 0.2 }],
  [/^syslog\.problems$/, { direction: 'up', minimumScale: 2, relativeScale: 0.2 }],
];

export function metricKind(metric: string): MetricKind | undefined {
  return METRIC_KINDS.find(([pattern]) => pattern.test(metric))?.[1];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median absolute deviation: robust to the very outliers we look for, unlike a standard deviation. */
export function medianAbsoluteDeviation(values: readonly number[], center = median(values)): number {
  return median(values.map((value) => Math.abs(value - center)));
}

/**
 * Robust z-score 0.6745 * (x - median) / MAD (≈ a z-score for normal data), signed so that positive means "in the
 * bad direction". A flat history (MAD 0) uses the metric's floor so that 45.0 -> 45.5 °C is not infinitely unusual.
 */
export function deviationScore(value: number, baseline: Baseline, kind: MetricKind): number {
  const scale = Math.max(baseline.mad, kind.minimumScale, kind.relativeScale * Math.abs(baseline.median));
  const score = (0.6745 * (value - baseline.median)) / scale;
  if (kind.direction === 'up') return score;
  if (kind.direction === 'down') return -score;
  return Math.abs(score);
}

/**
 * Baselines from the stored history: median/MAD over the window, from the same hour of the week when that bucket has
 * enough samples (a backup every Sunday night is normal on Sunday night), plus an EWMA for the trend.
 */
export class BaselineTracker {
  readonly #store: MonitorStore;
  readonly #settings: BaselineSettings;
  readonly #timeZone: string;

  constructor(store: MonitorStore, settings: BaselineSettings, timeZone: string) {
    this.#store = store;
    this.#settings = settings;
    this.#timeZone = timeZone;
  }

  baseline(metric: string, at: number): Baseline | undefined {
    const samples = this.#store.samples(metric, at - this.#settings.window * 1000);
    if (samples.length === 0) return undefined;
    const bucket = hourOfWeek(at, this.#timeZone);
    const sameHour = samples.filter((sample) => sample.hourOfWeek === bucket).map((sample) => sample.value);
    const useBucket = sameHour.length >= this.#settings.hour_of_week_min_samples;
    const values = useBucket ? sameHour : samples.map((sample) => sample.value);
    const center = median(values);
    return {
      metric,
      count: values.length,
      median: center,
      mad: medianAbsoluteDeviation(values, center),
      ewma: this.#store.ewma(metric)?.ewma,
      scope: useBucket ? 'hour-of-week' : 'overall',
      warm: samples.length >= this.#settings.warmup_samples,
    };
  }

  /** Stores the sample after it was judged, so a spike never hides inside its own baseline. */
  record(metric: string, value: number, at: number): void {
    this.#store.addSample(metric, at, value, hourOfWeek(at, this.#timeZone));
    const previous = this.#store.ewma(metric);
    const alpha = this.#settings.ewma_alpha;
    const ewma = previous ? alpha * value + (1 - alpha) * previous.ewma : value;
    this.#store.setEwma(metric, ewma, (previous?.count ?? 0) + 1, at);
  }
}
