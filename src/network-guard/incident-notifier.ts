import type { Config } from '../config/schema.ts';
import { metrics } from '../core/metrics.ts';
import { createNotifier, type Notifier, sendToAll } from '../notifiers/index.ts';
import type { Store } from '../store/store.ts';
import type { IncidentOutcome } from './network-guard.ts';

/**
 * Tells people about new network-guard incidents that matter (high or critical severity, not allowlisted) through
 * the shared notification channels. Log-derived text goes as data; the notifiers neutralise it for their channel.
 */
export function createIncidentNotifier(
  config: Config,
  store: Store,
  reviewUrl?: string,
): (outcome: IncidentOutcome) => Promise<void> {
  const notifiers: Notifier[] = (config.notifications?.channels ?? []).map((settings) => createNotifier(settings));
  return async (outcome) => {
    const { incident } = outcome;
    if (notifiers.length === 0 || !outcome.created) return;
    if (incident.severity !== 'high' && incident.severity !== 'critical') return;
    if (outcome.decision === 'allowlisted') return;
    const action =
      outcome.decision === 'blocked'
        ? 'blocked'
        : outcome.decision === 'recommended'
          ? 'awaiting your review'
          : 'recorded only';
    const results = await sendToAll(notifiers, {
      title: `${incident.threatType.replace('_', ' ')} from ${incident.ip} (${action})`,
      message: `${incident.evidence.reasons.join('; ')}${reviewUrl ? `\nReview: ${reviewUrl}#incident-${incident.id}` : ''}`,
      severity: incident.severity,
      category: 'alert',
      source: 'network-guard',
      fields: [
        { name: 'IP', value: incident.ip },
        { name: 'Sensitive requests', value: String(incident.evidence.sensitiveHits) },
        { name: 'Top path', value: incident.evidence.topPaths[0]?.path ?? '-' },
      ],
    });
    for (const { notifier, result } of results) {
      metrics.increment('devops_agent_notifications_total', { notifier, status: result.status });
      store.audit.append('notification', {
        incidentId: incident.id,
        notifier,
        status: result.status,
        ...(result.status === 'failed' ? { error: result.error } : {}),
      });
    }
  };
}
