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
 * request path into a clickable masked link in our own alert, `<@id>`/`<#channel>` into mentions and `||text||` into
 * a spoiler that hides it: backslash-escape the link, mention and spoiler syntax (as discord.js's escapeMaskedLink and
 * escapeSpoiler do). Emphasis is left alone (the daily recap uses it; in log text it is only cosmetic).
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\[\]<>]/g, '\\$&').replace(/\|\|/g, '\\|\\|');
}

/**
 * Cuts text to `limit` UTF-16 code units (the length discord.js and JavaScript clients validate, and never more than
 * a count in code points), marking the cut with an ellipsis; never splits a surrogate pair.
 */
export function truncate(text: string, limit: number): string {
  if (limit <= 0) return '';
  if (text.length <= limit) return text;
  let end = limit - 1;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, end).trimEnd()}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The length our limits count: UTF-16 code units, see `truncate`. */
export function characterCount(text: string): number {
  return text.length;
}
