import { z } from 'zod';
import { commonNotifierSettings, httpUrl, type NotifierOptions } from './common-settings.ts';
import { postWithRetry } from './http-post.ts';
import { type Notification, type Notifier, type SendResult, truncate } from './notifier.ts';

export const homeAssistantSettings = z.strictObject({
  kind: z.literal('home-assistant'),
  /** Base URL, e.g. http://homeassistant.local:8123 */
  url: httpUrl(),
  /** A long-lived access token (Profile > Security in Home Assistant). */
  token: z.string().min(1),
  /** The TTS entity that speaks (`tts.google_translate_en_com`, `tts.piper`...). */
  tts_entity: z.string().min(1).default('tts.google_translate_en_com'),
  /** The speaker, e.g. `media_player.kitchen_speaker` (the spec's GOOGLE_HOME_SPEAKER_ID). */
  media_player_entity_id: z.string().min(1),
  language: z.string().optional(),
  /** Longest sentence spoken; voice alerts must be short. */
  max_speech_characters: z.number().int().min(20).max(1000).default(200),
  ...commonNotifierSettings,
});
export type HomeAssistantSettings = z.output<typeof homeAssistantSettings>;

/** A short sentence a speaker can say: no URLs, no markup, no long numbers of hex. */
export function speechFor(message: Notification, limit: number): string {
  const base = message.speech ?? `${message.severity === 'info' ? '' : `${message.severity} alert: `}${message.title}`;
  const cleaned = base
    .replace(/https?:\/\/\S+/g, 'a link')
    .replace(/[`*_~>#|[\]{}<>]/g, ' ')
    .replace(/\b[0-9a-f]{16,}\b/gi, '')
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(cleaned, limit);
}

export function createHomeAssistantNotifier(settings: HomeAssistantSettings, options: NotifierOptions = {}): Notifier {
  const endpoint = `${settings.url.replace(/\/+$/, '')}/api/services/tts/speak`;
  return {
    kind: 'home-assistant',
    name: settings.name ?? 'home-assistant',
    async send(message: Notification): Promise<SendResult> {
      const body = {
        entity_id: settings.tts_entity,
        media_player_entity_id: settings.media_player_entity_id,
        message: speechFor(message, settings.max_speech_characters),
        ...(settings.language ? { language: settings.language } : {}),
      };
      return postWithRetry(endpoint, JSON.stringify(body), {
        integration: 'home-assistant',
        headers: { authorization: `Bearer ${settings.token}` },
        timeoutMs: settings.timeout * 1000,
        maxRetries: settings.max_retries,
        sleep: options.sleep,
      });
    },
  };
}
