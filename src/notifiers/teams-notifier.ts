import { z } from 'zod';
import { commonNotifierSettings, httpUrl, type NotifierOptions } from './common-settings.ts';
import { postWithRetry } from './http-post.ts';
import { escapeMarkdown, type Notification, type Notifier, type SendResult, truncate } from './notifier.ts';

export const teamsSettings = z.strictObject({
  kind: z.literal('teams'),
  /** A Teams incoming webhook (Workflows "Post to a channel when a webhook request is received", or a connector). */
  webhook_url: httpUrl(),
  ...commonNotifierSettings,
});
export type TeamsSettings = z.output<typeof teamsSettings>;

const COLORS: Record<Notification['severity'], string> = {
  critical: 'Attention',
  high: 'Attention',
  medium: 'Warning',
  low: 'Accent',
  info: 'Default',
};

/** An alert as an Adaptive Card: title coloured by severity, message, fields as facts, source and severity. */
export function buildTeamsPayload(message: Notification) {
  const body: unknown[] = [
    {
      type: 'TextBlock',
      text: truncate(escapeMarkdown(message.title || '(no title)'), 256),
      weight: 'Bolder',
      size: 'Medium',
      color: COLORS[message.severity],
      wrap: true,
    },
    { type: 'TextBlock', text: truncate(escapeMarkdown(message.message || '-'), 8000), wrap: true },
  ];
  const facts = (message.fields ?? []).slice(0, 25).map((field) => ({
    title: truncate(escapeMarkdown(field.name), 256),
    value: truncate(escapeMarkdown(field.value), 1024),
  }));
  if (facts.length > 0) body.push({ type: 'FactSet', facts });
  body.push({
    type: 'TextBlock',
    text: `${message.source ?? 'devops-agent'} · ${message.severity}`,
    isSubtle: true,
    size: 'Small',
    wrap: true,
  });
  return adaptiveCardMessage({ body });
}

/** A message with one Adaptive Card attachment (schema 1.4), the shape Teams webhooks accept. */
export function adaptiveCardMessage<T extends { body: unknown[]; actions?: unknown[] }>(card: T) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          ...card,
        },
      },
    ],
  };
}

export function createTeamsNotifier(settings: TeamsSettings, options: NotifierOptions = {}): Notifier {
  return {
    kind: 'teams',
    name: settings.name ?? 'teams',
    async send(message: Notification): Promise<SendResult> {
      return postWithRetry(settings.webhook_url, JSON.stringify(buildTeamsPayload(message)), {
        integration: 'teams',
        timeoutMs: settings.timeout * 1000,
        maxRetries: settings.max_retries,
        sleep: options.sleep,
      });
    },
  };
}
