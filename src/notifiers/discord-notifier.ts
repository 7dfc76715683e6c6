import { z } from 'zod';
import { commonNotifierSettings, httpUrl, type NotifierOptions } from './common-settings.ts';
import { postWithRetry } from './http-post.ts';
import {
  characterCount,
  escapeMarkdown,
  type Notification,
  type Notifier,
  type SendResult,
  truncate,
} from './notifier.ts';

export const discordSettings = z.strictObject({
  kind: z.literal('discord'),
  webhook_url: httpUrl(),
  /** Overrides the webhook's display name. */
  username: z.string().max(80).optional(),
  ...commonNotifierSettings,
});
export type DiscordSettings = z.output<typeof discordSettings>;

/** Discord's documented embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
} as const;

const COLORS: Record<Notification['severity'], number> = {
  critical: 0x8b0000,
  high: 0xe53935,
  medium: 0xfb8c00,
  low: 0xfdd835,
  info: 0x1e88e5,
};

export interface DiscordEmbed {
  title: string;
  description: string;
  color: number;
  fields: Array<{ name: string; value: string; inline: boolean }>;
  footer: { text: string };
  timestamp: string;
}

/** Builds one embed that respects every per-field limit and the 6000-character total. */
export function buildDiscordEmbed(message: Notification): DiscordEmbed {
  const title = truncate(escapeMarkdown(message.title || '(no title)'), DISCORD_LIMITS.title);
  const footer = truncate(
    [message.source ?? 'devops-agent', message.category, message.severity].filter(Boolean).join(' · '),
    DISCORD_LIMITS.footer,
  );
  const fields = (message.fields ?? []).slice(0, DISCORD_LIMITS.fields).map((field) => ({
    name: truncate(escapeMarkdown(field.name || '-'), DISCORD_LIMITS.fieldName),
    value: truncate(escapeMarkdown(field.value || '-'), DISCORD_LIMITS.fieldValue),
    inline: characterCount(field.value) <= 40,
  }));
  let budget = DISCORD_LIMITS.total - characterCount(title) - characterCount(footer);
  const keptFields: DiscordEmbed['fields'] = [];
  for (const field of fields) {
    const size = characterCount(field.name) + characterCount(field.value);
    // Keep room for at least a short description.
    if (size > budget - 100) break;
    keptFields.push(field);
    budget -= size;
  }
  const description = truncate(escapeMarkdown(message.message || '-'), Math.min(DISCORD_LIMITS.description, budget));
  return {
    title,
    description,
    color: COLORS[message.severity],
    fields: keptFields,
    footer: { text: footer },
    timestamp: message.timestamp ?? new Date().toISOString(),
  };
}

export function embedCharacterCount(embed: DiscordEmbed): number {
  return (
    characterCount(embed.title) +
    characterCount(embed.description) +
    characterCount(embed.footer.text) +
    embed.fields.reduce((sum, field) => sum + characterCount(field.name) + characterCount(field.value), 0)
  );
}

/**
 * Webhook URLs copied from Discord have no API version, and unversioned routes go to the default version (v6, whose
 * 429 `retry_after` and `Retry-After` were milliseconds: docs/reference.md#api-versioning, docs/topics/Rate_Limits.md).
 * Pin v10, as discord.js's REST client does (DefaultRestOptions.version), so answers come in the documented units.
 */
export function versionedWebhookUrl(webhookUrl: string): string {
  const url = new URL(webhookUrl);
  url.pathname = url.pathname.replace(/^\/api\/webhooks\//, '/api/v10/webhooks/');
  return url.toString();
}

export function createDiscordNotifier(settings: DiscordSettings, options: NotifierOptions = {}): Notifier {
  const webhookUrl = versionedWebhookUrl(settings.webhook_url);
  return {
    kind: 'discord',
    name: settings.name ?? 'discord',
    async send(message: Notification): Promise<SendResult> {
      const payload = {
        ...(settings.username ? { username: settings.username } : {}),
        embeds: [buildDiscordEmbed(message)],
        // Text from logs could contain @everyone or role mentions: never ping anyone from an alert.
        allowed_mentions: { parse: [] },
      };
      return postWithRetry(webhookUrl, JSON.stringify(payload), {
        integration: `discord${settings.name ? `:${settings.name}` : ''}`,
        timeoutMs: settings.timeout * 1000,
        maxRetries: settings.max_retries,
        sleep: options.sleep,
      });
    },
  };
}
