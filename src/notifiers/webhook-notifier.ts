import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { commonNotifierSettings, httpUrl, type NotifierOptions } from './common-settings.ts';
import { postWithRetry } from './http-post.ts';
import type { Notification, Notifier, SendResult } from './notifier.ts';

export const webhookSettings = z.strictObject({
  kind: z.literal('webhook'),
  url: httpUrl(),
  /** When set, the body is signed: `<signature_header>: sha256=<hex HMAC-SHA256 of the raw body>`. */
  secret: z.string().min(1).optional(),
  signature_header: z.string().min(1).default('X-Signature-256'),
  /** Extra request headers (an API key the receiver expects, for instance). */
  headers: z.record(z.string(), z.string()).default({}),
  ...commonNotifierSettings,
});
export type WebhookSettings = z.output<typeof webhookSettings>;

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs the notification as JSON; receivers verify the HMAC over the exact bytes they received. */
export function createWebhookNotifier(settings: WebhookSettings, options: NotifierOptions = {}): Notifier {
  return {
    kind: 'webhook',
    name: settings.name ?? 'webhook',
    async send(message: Notification): Promise<SendResult> {
      const body = JSON.stringify({
        ...message,
        category: message.category ?? 'alert',
        timestamp: message.timestamp ?? new Date().toISOString(),
      });
      const headers: Record<string, string> = { ...settings.headers };
      if (settings.secret) headers[settings.signature_header] = signBody(settings.secret, body);
      return postWithRetry(settings.url, body, {
        integration: 'webhook',
        headers,
        timeoutMs: settings.timeout * 1000,
        maxRetries: settings.max_retries,
        sleep: options.sleep,
      });
    },
  };
}
