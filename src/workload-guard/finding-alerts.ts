import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import { createNotifier, sendToAll } from '../notifiers/create-notifier.ts';
import type { Notification, NotificationSeverity } from '../notifiers/notifier.ts';
import type { Database } from '../store/database.ts';
import type { WorkloadFinding } from './workload-finding.ts';
import { workloadLabel } from './workload-finding.ts';
import { ensureWorkloadTables } from './workload-store.ts';

const SEVERITY: Record<string, NotificationSeverity> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
  UNKNOWN: 'low',
};

const TITLES: Record<WorkloadFinding['kind'], string> = {
  'crash-loop': 'Crash loop',
  'image-pull': 'Image cannot be pulled',
  'config-error': 'Container configuration error',
  'create-error': 'Container cannot be created',
  'run-error': 'Container cannot be started',
  'hook-error': 'Container lifecycle hook failed',
  'container-error': 'Container error',
  exited: 'Container exited with an error',
  'oom-killed': 'Container OOM-killed',
  restarts: 'Container restarting',
  'not-ready': 'Container not ready',
  evicted: 'Pod evicted',
  'pod-failed': 'Pod failed',
  pending: 'Pod stuck Pending',
  'rollout-stuck': 'Rollout stuck',
  'replica-failure': 'ReplicaSet cannot create or delete pods',
  'unavailable-replicas': 'Replicas unavailable',
  vulnerabilities: 'Vulnerable image',
};

/**
 * What identifies "the same problem" across passes: kind, workload and container, and for vulnerabilities the CVE set
 * (a new CVE is news). An alert is sent again only after `cooldownSeconds`.
 */
export function alertKey(finding: WorkloadFinding): string {
  const cves = (finding.vulnerabilities ?? []).map((entry) => entry.id).sort();
  const base = `${finding.kind}|${finding.workload.namespace}|${finding.workload.kind}|${finding.workload.name}|${finding.container ?? ''}`;
  return cves.length === 0 ? base : `${base}|${createHash('sha256').update(cves.join(',')).digest('hex').slice(0, 16)}`;
}

export function findingNotification(
  finding: WorkloadFinding & { planError?: string; hint?: string; advice?: string[] },
): Notification {
  const fields = [
    { name: 'Workload', value: `${finding.workload.kind} ${workloadLabel(finding.workload)}` },
    ...(finding.container ? [{ name: 'Container', value: finding.container }] : []),
    ...(finding.image ? [{ name: 'Image', value: finding.image }] : []),
    ...(finding.pods?.length ? [{ name: 'Pods', value: finding.pods.slice(0, 5).join(', ') }] : []),
    ...(finding.planError ? [{ name: 'No patch planned', value: finding.planError.slice(0, 300) }] : []),
    ...(finding.advice?.length ? [{ name: 'To fix', value: finding.advice.slice(0, 5).join('\n').slice(0, 900) }] : []),
    ...(finding.hint ? [{ name: 'Hint', value: finding.hint }] : []),
  ];
  return {
    title: `${TITLES[finding.kind]}: ${workloadLabel(finding.workload)}`,
    message: finding.detail,
    severity: SEVERITY[finding.severity] ?? 'medium',
    category: 'alert',
    fields,
    source: 'workload-guard',
  };
}

/**
 * Sends each finding's alert to every configured channel, once per cooldown. Findings that carry a plan are left to
 * the approval message. Returns what was sent; channel failures are counted, never thrown.
 */
export async function alertFindings(
  config: Config,
  db: Database,
  findings: ReadonlyArray<WorkloadFinding & { plan?: unknown; planError?: string; hint?: string }>,
  cooldownSeconds: number,
  now = new Date(),
): Promise<{ sent: number; suppressed: number; failed: number }> {
  ensureWorkloadTables(db);
  const channels = (config.notifications?.channels ?? []).map((channel) => createNotifier(channel));
  const outcome = { sent: 0, suppressed: 0, failed: 0 };
  if (channels.length === 0) return outcome;
  for (const finding of findings) {
    if (finding.plan) continue;
    const key = alertKey(finding);
    const last = db.prepare('SELECT sent_at FROM workload_alerts WHERE key = ?').get(key) as
      | { sent_at: string }
      | undefined;
    if (last && now.getTime() - Date.parse(last.sent_at) < cooldownSeconds * 1000) {
      outcome.suppressed++;
      continue;
    }
    const results = await sendToAll(channels, findingNotification(finding));
    const delivered = results.some((entry) => entry.result.status === 'sent');
    outcome.failed += results.filter((entry) => entry.result.status !== 'sent').length;
    if (delivered) {
      outcome.sent++;
      db.prepare(
        'INSERT INTO workload_alerts (key, sent_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET sent_at = excluded.sent_at',
      ).run(key, now.toISOString());
    }
  }
  return outcome;
}
