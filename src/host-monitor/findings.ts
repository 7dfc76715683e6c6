import type { Baseline } from './baseline.ts';

export const FINDING_SEVERITIES = ['low', 'medium', 'high'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];
/** What the model may answer: a finding's severity, or `none` (not an anomaly). */
export type TriageSeverity = FindingSeverity | 'none';

export const SEVERITY_RANK: Record<TriageSeverity, number> = { none: 0, low: 1, medium: 2, high: 3 };
export const RANKED: readonly TriageSeverity[] = ['none', 'low', 'medium', 'high'];

/** One deterministic conclusion from one cycle's observations. */
export interface Finding {
  /** Stable identity across cycles (`process-down:nginx`), used for dedup, cooldown and resolution. */
  key: string;
  rule: string;
  subject: string;
  /** The collector whose success this cycle means "absent = resolved". */
  collector: string;
  severity: FindingSeverity;
  title: string;
  detail: string;
  /** The model may never lower this finding's severity (see TRIAGE_BOUNDS in triage.ts). */
  locked?: boolean;
  /** A one-off change (a port opened) rather than a state: it resolves silently. */
  event?: boolean;
  metric?: { name: string; value: number; baseline?: Baseline; score?: number };
}

export function finding(
  rule: string,
  subject: string,
  collector: string,
  severity: FindingSeverity,
  title: string,
  detail: string,
  extra: Partial<Finding> = {},
): Finding {
  return { key: `${rule}:${subject}`, rule, subject, collector, severity, title, detail, ...extra };
}
