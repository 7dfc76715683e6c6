export type { NotifierOptions } from './common-settings.ts';
export {
  createNotifier,
  NOTIFIER_FACTORIES,
  NOTIFIER_KINDS,
  type NotifierKind,
  type NotifierSettings,
  notifierSettings,
  sendToAll,
} from './create-notifier.ts';
export { buildDiscordEmbed, createDiscordNotifier, DISCORD_LIMITS, discordSettings } from './discord-notifier.ts';
export { createHomeAssistantNotifier, homeAssistantSettings, speechFor } from './home-assistant-notifier.ts';
export { postWithRetry, retryAfterMs } from './http-post.ts';
export type { Notification, NotificationCategory, NotificationSeverity, Notifier, SendResult } from './notifier.ts';
export { createSlackNotifier, slackSettings } from './slack-notifier.ts';
export { createTeamsNotifier, teamsSettings } from './teams-notifier.ts';
export { createWebhookNotifier, signBody, webhookSettings } from './webhook-notifier.ts';
