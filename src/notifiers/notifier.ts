/** The severities a notification can carry; `info` is for recaps and resolve messages. */
export const NOTIFICATION_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type NotificationSeverity = (typeof NOTIFICATION_SEVERITIES)[number];

/** What a message is about, so a channel can render an alert, an all-clear or a recap differently. */
export type NotificationCategory = 'alert' | 'resolved' | 'recap' | 'info';

/**
 * One message to people, independent of the channel. Every string may contain attacker-controlled text (log lines,
 * hostnames): notifiers escape or neutralise it for their channel (no mass mentions, no markup injection).
 */
export interface Notification {
  title: string;
  /** The body; channels truncate it to their limits. */
  message: string;
  severity: NotificationSeverity;
  category?: NotificationCategory;
  /** Short label/value pairs (host, metric, value...). */
  fields?: Array<{ name: string; value: string }>;
  /** One short sentence for voice channels; derived from the title when absent. */
  speech?: string;
  /** The capability sending it (`monitor`, `network-guard`, `workload-guard`). */
  source?: string;
  /** ISO time of the event; now when absent. */
  timestamp?: string;
}

export type SendResult = { status: 'sent' } | { status: 'failed'; error: string; isRetryable: boolean };

/** A channel people read or hear. `send` never throws for remote failures: it returns a result value. */
export interface Notifier {
  readonly kind: string;
  /** A label for logs (`discord`, `discord:ops`...), never containing secrets. */
  readonly name: string;
  send(message: Notification): Promise<SendResult>;
}

/**
 * Chat markdown (Discord embeds, Teams Adaptive Card text) turns `[Approve the block](https://phish.example)` from a
 * request path into a clickable masked link in our own alert, and `<@id>`/`<#channel>` into mentions: backslash-escape
 * the link and mention syntax. Emphasis is left alone (the daily recap uses it; in log text it is only cosmetic).
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\[\]<>]/g, '\\$&');
}

/** Cuts text to `limit` characters, marking the cut with an ellipsis. */
export function truncate(text: string, limit: number): string {
  if (limit <= 0) return '';
  const chars = Array.from(text);
  if (chars.length <= limit) return text;
  return `${chars
    .slice(0, limit - 1)
    .join('')
    .trimEnd()}…`;
}

export function characterCount(text: string): number {
  return Array.from(text).length;
}
