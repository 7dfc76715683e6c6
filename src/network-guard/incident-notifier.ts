import type { Config } from '../config/schema.ts';
import { metrics } from '../core/metrics.ts';
import { createNotifier, type Notifier, sendToAll } from '../notifiers/index.ts';
import type { Store } from '../store/store.ts';
import { rotationAdvice } from './leak-advice.ts';
import type { IncidentOutcome } from './network-guard.ts';

function leakedPaths(extra: unknown, topPaths: ReadonlyArray<{ path: string }>): string[] {
  if (Array.isArray(extra) && extra.every((path) => typeof path === 'string')) return extra.slice(0, 10);
  return topPaths.slice(0, 3).map(({ path }) => path);
}

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
    // A leak is the operator's emergency whoever the client is: allowlisted or not, blocked or not.
    const leak = incident.threatType === 'secret_exposure';
    if (incident.severity !== 'high' && incident.severity !== 'critical') return;
    if (outcome.decision === 'allowlisted' && !leak) return;
    const action =
      outcome.decision === 'blocked'
        ? 'blocked'
        : outcome.decision === 'recommended'
          ? 'awaiting your review'
          : 'recorded only';
    const leaked = leakedPaths(incident.evidence.extra?.leakedPaths, incident.evidence.topPaths);
    const rotate = leak ? `\nRotate now:\n- ${rotationAdvice(leaked).join('\n- ')}` : '';
    const results = await sendToAll(notifiers, {
      title: leak
        ? `LEAK: ${leaked.slice(0, 3).join(', ')} served to ${incident.ip} (${action})`
        : `${incident.threatType.replace('_', ' ')} from ${incident.ip} (${action})`,
      message: `${incident.evidence.reasons.join('; ')}${rotate}${reviewUrl ? `\nReview: ${reviewUrl}#incident-${incident.id}` : ''}`,
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
