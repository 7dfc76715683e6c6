import type { MonitorSettings } from '../config/sections/monitor.ts';
import type { Notification } from '../notifiers/notifier.ts';
import { clockMinutes, localTime } from './local-time.ts';
import type { AnomalyRow, MonitorStore } from './monitor-store.ts';

interface RecapState {
  /** Local date (YYYY-MM-DD in the configured zone) of the last recap. */
  date: string;
  at: number;
}

/**
 * Whether the daily recap is due: the local time has passed `daily_recap_time` and none was sent today. A first start
 * after today's recap time waits for tomorrow rather than recapping history it did not watch.
 */
export function recapDue(store: MonitorStore, settings: MonitorSettings, now: number): { due: boolean; since: number } {
  const local = localTime(now, settings.timezone);
  const state = store.getState<RecapState>('recap.last');
  const pastTime = local.minutes >= clockMinutes(settings.daily_recap_time);
  if (!state) {
    // First start: before today's recap time, today's recap covers from now; after it, the first recap is tomorrow's.
    store.setState('recap.last', { date: pastTime ? local.date : 'never', at: now } satisfies RecapState);
    return { due: false, since: now };
  }
  return { due: pastTime && state.date !== local.date, since: state.at };
}

export function markRecapSent(store: MonitorStore, settings: MonitorSettings, now: number): void {
  store.setState('recap.last', { date: localTime(now, settings.timezone).date, at: now } satisfies RecapState);
}

const LABELS: Record<string, string> = { high: 'High', medium: 'Medium', low: 'Low', none: 'Dismissed by the model' };

function describe(row: AnomalyRow, timeZone: string): string {
  const when = new Date(row.first_seen).toLocaleTimeString('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' });
  const notes = [
    row.occurrences > 1 ? `×${row.occurrences}` : '',
    row.alerted_at !== null ? 'alerted' : '',
    row.suppressed_by ? `known issue ${row.suppressed_by}` : '',
    row.flapping ? 'flapping' : '',
    row.resolved_at !== null ? 'resolved' : 'ongoing',
  ].filter(Boolean);
  return `• ${when} ${row.title} (${notes.join(', ')})`;
}

/** The recap of every anomaly (high, medium, low, dismissed) seen since the last recap. */
export function buildRecap(
  store: MonitorStore,
  settings: MonitorSettings,
  since: number,
  now: number,
  host: string,
): Notification {
  const rows = store.anomaliesSeenSince(since);
  const groups = new Map<string, AnomalyRow[]>();
  for (const row of rows) {
    const group = groups.get(row.severity) ?? [];
    group.push(row);
    groups.set(row.severity, group);
  }
  const sections: string[] = [];
  for (const severity of ['high', 'medium', 'low', 'none']) {
    const group = groups.get(severity);
    if (!group?.length) continue;
    const lines = group.slice(0, 15).map((row) => describe(row, settings.timezone));
    if (group.length > 15) lines.push(`… and ${group.length - 15} more`);
    sections.push(`**${LABELS[severity]} (${group.length})**\n${lines.join('\n')}`);
  }
  const local = localTime(now, settings.timezone);
  return {
    title: `Daily recap for ${host}: ${local.date}`,
    message: rows.length === 0 ? 'No anomalies since the last recap.' : sections.join('\n\n'),
    severity: 'info',
    category: 'recap',
    source: 'monitor',
    fields: ['high', 'medium', 'low'].map((severity) => ({
      name: LABELS[severity],
      value: String(groups.get(severity)?.length ?? 0),
    })),
    timestamp: new Date(now).toISOString(),
  };
}
