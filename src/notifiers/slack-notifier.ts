import { z } from 'zod';
import { commonNotifierSettings, httpUrl, type NotifierOptions } from './common-settings.ts';
import { postWithRetry } from './http-post.ts';
import { type Notification, type Notifier, type SendResult, truncate } from './notifier.ts';

export const slackSettings = z.strictObject({
  kind: z.literal('slack'),
  /** An incoming webhook URL (https://hooks.slack.com/services/...). */
  webhook_url: httpUrl(),
  ...commonNotifierSettings,
});
export type SlackSettings = z.output<typeof slackSettings>;

/** Slack mrkdwn treats &, < and > as control characters (links, mentions such as <!channel>); escape them. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts escaped text without leaving half an entity (`&l…`): a bare `&` is a control character to Slack. */
export function truncateEscaped(text: string, limit: number): string {
  const cut = truncate(text, limit);
  return cut === text ? cut : cut.replace(/&[a-z]*…$/, '…');
}

/**
 * mrkdwn text carrying log text: escaped, and `verbatim` so Slack does not auto-link channel names or parse mentions
 * in it (reference/block-kit/composition-objects/text-object: the default, false, does).
 */
export function mrkdwn(text: string, limit: number) {
  return { type: 'mrkdwn', text: truncateEscaped(text, limit), verbatim: true };
}

/** Block Kit payload within Slack's limits: header 150, section text 3000, 10 fields of 2000. */
export function buildSlackPayload(message: Notification) {
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(message.title || '(no title)', 150) } },
    { type: 'section', text: mrkdwn(escapeSlack(message.message || '-'), 3000) },
  ];
  const fields = (message.fields ?? []).slice(0, 10);
  if (fields.length > 0) {
    blocks.push({
      type: 'section',
      fields: fields.map((field) => mrkdwn(`*${escapeSlack(field.name)}*\n${escapeSlack(field.value)}`, 2000)),
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'plain_text', text: `${message.source ?? 'devops-agent'} · ${message.severity}` }],
  });
  return { text: truncateEscaped(`[${message.severity}] ${escapeSlack(message.title)}`, 3000), blocks };
}

export function createSlackNotifier(settings: SlackSettings, options: NotifierOptions = {}): Notifier {
  return {
    kind: 'slack',
    name: settings.name ?? 'slack',
    async send(message: Notification): Promise<SendResult> {
      return postWithRetry(settings.webhook_url, JSON.stringify(buildSlackPayload(message)), {
        integration: 'slack',
        timeoutMs: settings.timeout * 1000,
        maxRetries: settings.max_retries,
        sleep: options.sleep,
      });
    },
  };
}
