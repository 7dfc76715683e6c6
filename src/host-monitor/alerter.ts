import { hostname } from 'node:os';
import type { MonitorSettings } from '../config/sections/monitor.ts';
import { redactSecrets } from '../core/redact.ts';
import type { Notification, Notifier, SendResult } from '../notifiers/notifier.ts';
import type { Finding, TriageSeverity } from './findings.ts';
import { inWindow, localTime } from './local-time.ts';
import type { AnomalyRow, MonitorStore } from './monitor-store.ts';
import type { TriageOutcome } from './triage.ts';

/** A finding after known issues, constraints and triage: what the alerter acts on. */
export interface ConcludedFinding extends Finding {
  ruleSeverity: Finding['severity'];
  finalSeverity: TriageSeverity;
  triage?: TriageOutcome;
  suppressedBy?: string;
}

export type AlertAction =
  | 'alerted'
  | 'cooldown'
  | 'suppressed'
  | 'flapping'
  | 'recorded'
  | 'alert-failed'
  | 'no-channels'
  | 'resolved'
  | 'resolved-notified';

export interface AlertOutcome {
  key: string;
  severity: TriageSeverity;
  action: AlertAction;
  deliveries: Array<{ notifier: string; status: 'sent' | 'failed' | 'skipped'; error?: string }>;
}

export interface Channels {
  /** Text channels: alerts, resolve messages, recaps. */
  text: Notifier[];
  /** Voice channels (Home Assistant TTS): high alerts only, silent in quiet hours. */
  voice: Notifier[];
}

export type AuditSink = { append(type: string, data: Record<string, unknown>): unknown } | undefined;

const HOST = hostname();
const MAX_ALERT_ATTEMPTS = 5;

/**
 * Turns concluded findings into anomaly records and notifications: immediate alerts only for high severity, one per
 * anomaly per cooldown, none while flapping or suppressed by a known issue, a resolve message when a previously
 * alerted anomaly has been absent for `resolve_after_cycles` cycles of a collector that did run.
 */
export class Alerter {
  readonly #store: MonitorStore;
  readonly #channels: Channels;
  readonly #settings: MonitorSettings;
  readonly #audit: AuditSink;

  constructor(store: MonitorStore, channels: Channels, settings: MonitorSettings, audit?: AuditSink) {
    this.#store = store;
    this.#channels = channels;
    this.#settings = settings;
    this.#audit = audit;
  }

  async process(findings: ConcludedFinding[], succeededCollectors: Set<string>, now: number): Promise<AlertOutcome[]> {
    const outcomes: AlertOutcome[] = [];
    const alerting = this.#settings.alerting;
    const seen = new Set<string>();
    for (const item of findings) {
      seen.add(item.key);
      let row = this.#store.activeAnomaly(item.key);
      if (!row) {
        const activations = this.#store.activations(item.key, now - alerting.flap_window * 1000) + 1;
        const id = this.#store.insertAnomaly({
          key: item.key,
          rule: item.rule,
          subject: item.subject,
          collector: item.collector,
          title: item.title,
          detail: item.detail,
          rule_severity: item.ruleSeverity,
          severity: item.finalSeverity,
          reason: item.triage?.reason ?? null,
          suppressed_by: item.suppressedBy ?? null,
          flapping: activations >= alerting.flap_threshold ? 1 : 0,
          event: item.event ? 1 : 0,
          at: now,
        });
        row = this.#store.activeAnomaly(item.key)!;
        if (row.id !== id) throw new Error(`anomaly ${item.key}: inserted ${id} but found ${row.id}`);
      } else {
        this.#store.updateAnomaly(row.id, {
          last_seen: now,
          occurrences: row.occurrences + 1,
          missing_cycles: 0,
          severity: item.finalSeverity,
          rule_severity: item.ruleSeverity,
          title: item.title,
          detail: item.detail,
          reason: item.triage?.reason ?? row.reason,
          suppressed_by: item.suppressedBy ?? null,
        });
        row = { ...row, severity: item.finalSeverity, suppressed_by: item.suppressedBy ?? null };
      }
      outcomes.push(await this.#alertIfDue(item, row, now));
    }
    for (const row of this.#store.activeAnomalies()) {
      if (seen.has(row.key) || !succeededCollectors.has(row.collector)) continue;
      const missing = row.missing_cycles + 1;
      if (missing < alerting.resolve_after_cycles) {
        this.#store.updateAnomaly(row.id, { missing_cycles: missing });
        continue;
      }
      this.#store.updateAnomaly(row.id, { missing_cycles: missing, resolved_at: now });
      outcomes.push(await this.#resolve(row, now));
    }
    return outcomes;
  }

  async #alertIfDue(item: ConcludedFinding, row: AnomalyRow, now: number): Promise<AlertOutcome> {
    const base = { key: item.key, severity: item.finalSeverity, deliveries: [] };
    if (item.finalSeverity !== 'high') return { ...base, action: 'recorded' };
    if (item.suppressedBy) return { ...base, action: 'suppressed' };
    if (row.flapping) return { ...base, action: 'flapping' };
    if (row.alerted_at !== null && now - row.alerted_at < this.#settings.alerting.cooldown * 1000) {
      return { ...base, action: 'cooldown' };
    }
    if (this.#channels.text.length + this.#channels.voice.length === 0) return { ...base, action: 'no-channels' };
    const message = alertMessage(item, row, now);
    // A retry after a partial failure goes only to the channels that did not take the alert yet.
    const since = row.alerted_at ?? row.first_seen;
    const already = row.alerted_at === null ? this.#store.sentNotifiers(row.id, 'alert', since) : new Set<string>();
    const deliveries = await this.#deliver(message, row.id, 'alert', now, true, already);
    const failed = deliveries.filter((delivery) => delivery.status === 'failed');
    const attempts = failed.length > 0 ? this.#store.failedAttempts(row.id) : 0;
    // Delivered everywhere (or skipped for quiet hours): done until the cooldown ends. Failures are retried on the
    // next cycles, MAX_ALERT_ATTEMPTS times at most, so a dead webhook cannot make the voice channel repeat forever.
    const done = failed.length === 0 || attempts >= MAX_ALERT_ATTEMPTS;
    if (done) this.#store.updateAnomaly(row.id, { alerted_at: now, alert_count: row.alert_count + 1 });
    this.#audit?.append('monitor.alert', {
      key: item.key,
      severity: item.finalSeverity,
      ruleSeverity: item.ruleSeverity,
      deliveries,
    });
    return { ...base, action: failed.length === 0 ? 'alerted' : 'alert-failed', deliveries };
  }

  async #resolve(row: AnomalyRow, now: number): Promise<AlertOutcome> {
    const base = { key: row.key, severity: row.severity as TriageSeverity, deliveries: [] };
    // Events (a port that opened) and anomalies never alerted end quietly: there is nothing to take back.
    if (row.alerted_at === null || !this.#settings.alerting.send_resolved || row.event || row.flapping) {
      return { ...base, action: 'resolved' };
    }
    const message: Notification = {
      title: `Resolved: ${row.title}`,
      message: `No longer observed on ${HOST} since ${new Date(now).toISOString()} (first seen ${new Date(row.first_seen).toISOString()}, ${row.occurrences} cycles).`,
      severity: 'info',
      category: 'resolved',
      source: 'monitor',
      fields: [
        { name: 'host', value: HOST },
        { name: 'rule', value: row.rule },
        { name: 'subject', value: row.subject },
      ],
      speech: `Resolved on ${HOST}: ${row.title}`,
      timestamp: new Date(now).toISOString(),
    };
    const deliveries = await this.#deliver(message, row.id, 'resolved', now, false);
    this.#store.updateAnomaly(row.id, { resolve_notified: 1 });
    return { ...base, action: 'resolved-notified', deliveries };
  }

  /** Sends to text channels, and to voice channels outside quiet hours when `voice` is asked for. */
  async #deliver(
    message: Notification,
    anomalyId: number | null,
    category: string,
    now: number,
    voice: boolean,
    skip: ReadonlySet<string> = new Set(),
  ) {
    const deliveries: AlertOutcome['deliveries'] = [];
    const quiet = this.#settings.quiet_hours;
    const inQuietHours =
      quiet !== undefined && inWindow(localTime(now, this.#settings.timezone).minutes, quiet.start, quiet.end);
    const targets = [...this.#channels.text, ...(voice ? this.#channels.voice : [])].filter(
      (notifier) => !skip.has(notifier.name),
    );
    const results = await Promise.all(
      targets.map(async (notifier): Promise<SendResult | 'skipped'> => {
        if (voice && this.#channels.voice.includes(notifier) && inQuietHours) return 'skipped';
        try {
          return await notifier.send(message);
        } catch (error) {
          return { status: 'failed', error: (error as Error).message, isRetryable: false };
        }
      }),
    );
    results.forEach((result, index) => {
      const notifier = targets[index].name;
      const delivery =
        result === 'skipped'
          ? { notifier, status: 'skipped' as const, error: 'quiet hours' }
          : result.status === 'sent'
            ? { notifier, status: 'sent' as const }
            : { notifier, status: 'failed' as const, error: result.error };
      deliveries.push(delivery);
      this.#store.recordDelivery(now, anomalyId, category, notifier, delivery.status, delivery.error);
    });
    return deliveries;
  }

  /** Text channels only: a recap is read, not spoken. */
  async sendText(message: Notification, category: string, now: number) {
    return this.#deliver(message, null, category, now, false);
  }
}

function alertMessage(item: ConcludedFinding, row: AnomalyRow, now: number): Notification {
  const triage = item.triage;
  const opinion =
    triage?.reason && triage.model
      ? `\n\nModel's view (${triage.model}, ${triage.modelSeverity}${triage.bounded ? `, bounded to ${item.finalSeverity}` : ''}): ${triage.reason}`
      : '';
  // Details quote logs and tool output: secrets in them must not reach a chat channel.
  return {
    title: redactSecrets(item.title),
    message: redactSecrets(`${item.detail}${opinion}`),
    severity: 'high',
    category: 'alert',
    source: 'monitor',
    fields: [
      { name: 'host', value: HOST },
      { name: 'rule', value: item.rule },
      { name: 'subject', value: item.subject },
      {
        name: 'severity',
        value:
          item.ruleSeverity === item.finalSeverity
            ? item.finalSeverity
            : `${item.ruleSeverity} → ${item.finalSeverity}`,
      },
      { name: 'first seen', value: new Date(row.first_seen).toISOString() },
    ],
    speech: redactSecrets(`Alert on ${HOST}: ${item.title}`),
    timestamp: new Date(now).toISOString(),
  };
}
