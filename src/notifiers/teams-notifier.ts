import { z } from 'zod';
import { commonNotifierSettings, httpUrl, type NotifierOptions } from './common-settings.ts';
import { postWithRetry } from './http-post.ts';
import { type Notification, type Notifier, type SendResult, truncate } from './notifier.ts';

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

/**
 * TextBlock text, Fact.Title and Fact.Value are markdown with `[Title](url)` links (adaptive-cards text-features,
 * msteams-docs cards-format.md), and Teams clients differ on backslash escapes (microsoft/AdaptiveCards#4677,
 * MicrosoftDocs/msteams-docs#5793): a zero-width space after every `]` makes inline links (`](`), reference links
 * (`][`) and their definitions (`]:`) impossible in any client, and shows the text exactly as written.
 */
export function breakTeamsLinks(text: string): string {
  return text.replace(/\]/g, ']\u200B');
}

/** Teams refuses messages over 28 KB (add-incoming-webhook.md); we stay a little under, counted in UTF-8 bytes. */
export const TEAMS_MAX_BODY_BYTES = 27 * 1024;

/**
 * An alert as an Adaptive Card within the size limit: the message is shortened first, then trailing facts dropped,
 * then the message shortened further.
 */
export function buildTeamsPayload(message: Notification) {
  let messageLimit = 8000;
  let factCount = Math.min(25, message.fields?.length ?? 0);
  for (;;) {
    const payload = teamsCard(message, messageLimit, factCount);
    if (Buffer.byteLength(JSON.stringify(payload)) <= TEAMS_MAX_BODY_BYTES || messageLimit <= 50) return payload;
    if (messageLimit > 500 || factCount === 0) messageLimit = Math.floor(messageLimit / 2);
    else factCount -= 1;
  }
}

function teamsCard(message: Notification, messageLimit: number, factCount: number) {
  const body: unknown[] = [
    {
      type: 'TextBlock',
      text: truncate(breakTeamsLinks(message.title || '(no title)'), 256),
      weight: 'Bolder',
      size: 'Medium',
      color: COLORS[message.severity],
      wrap: true,
    },
    { type: 'TextBlock', text: truncate(breakTeamsLinks(message.message || '-'), messageLimit), wrap: true },
  ];
  const facts = (message.fields ?? []).slice(0, factCount).map((field) => ({
    title: truncate(breakTeamsLinks(field.name), 256),
    value: truncate(breakTeamsLinks(field.value), 1024),
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
        acceptBody: connectorRefusal,
      });
    },
  };
}

/**
 * Connectors answer 200 even when delivery failed, with the reason in the body ("Connectors do not throw 429s":
 * connectors-using.md); Workflows answer 202 with no body, a connector success is `1`.
 */
export function connectorRefusal(body: string): { reason: string; isRetryable: boolean } | undefined {
  const status = /returned HTTP error (\d{3})/.exec(body)?.[1];
  if (!status) return undefined;
  const code = Number(status);
  return { reason: body.slice(0, 300).replace(/\s+/g, ' ').trim(), isRetryable: code === 429 || code >= 500 };
}
