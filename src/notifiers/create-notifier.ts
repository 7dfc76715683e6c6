import { z } from 'zod';
import type { NotifierOptions } from './common-settings.ts';
import { createDiscordNotifier, discordSettings } from './discord-notifier.ts';
import { createHomeAssistantNotifier, homeAssistantSettings } from './home-assistant-notifier.ts';
import type { Notifier } from './notifier.ts';
import { createSlackNotifier, slackSettings } from './slack-notifier.ts';
import { createTeamsNotifier, teamsSettings } from './teams-notifier.ts';
import { createWebhookNotifier, webhookSettings } from './webhook-notifier.ts';

/** Settings of any notifier, told apart by `kind`. */
export const notifierSettings = z.discriminatedUnion('kind', [
  discordSettings,
  homeAssistantSettings,
  slackSettings,
  teamsSettings,
  webhookSettings,
]);
export type NotifierSettings = z.output<typeof notifierSettings>;
export type NotifierKind = NotifierSettings['kind'];

type Factory<K extends NotifierKind> = (
  settings: Extract<NotifierSettings, { kind: K }>,
  options?: NotifierOptions,
) => Notifier;

export const NOTIFIER_FACTORIES = {
  discord: createDiscordNotifier,
  'home-assistant': createHomeAssistantNotifier,
  slack: createSlackNotifier,
  teams: createTeamsNotifier,
  webhook: createWebhookNotifier,
} satisfies { [K in NotifierKind]: Factory<K> };

export const NOTIFIER_KINDS = Object.keys(NOTIFIER_FACTORIES) as NotifierKind[];

/** Builds a notifier from validated (or raw) settings; an unknown kind is an error listing the known ones. */
export function createNotifier(settings: NotifierSettings | { kind: string }, options: NotifierOptions = {}): Notifier {
  if (!(NOTIFIER_KINDS as string[]).includes(settings.kind)) {
    throw new Error(`unknown notifier kind "${settings.kind}"; known kinds: ${NOTIFIER_KINDS.join(', ')}`);
  }
  const parsed = notifierSettings.safeParse(settings);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`);
    throw new Error(`invalid ${settings.kind} notifier settings: ${problems.join('; ')}`);
  }
  const valid = parsed.data;
  const factory = NOTIFIER_FACTORIES[valid.kind] as Factory<typeof valid.kind>;
  return factory(valid as never, options);
}

/** Sends to every notifier concurrently; one channel failing never stops the others. */
export async function sendToAll(
  notifiers: readonly Notifier[],
  message: Parameters<Notifier['send']>[0],
): Promise<Array<{ notifier: string; result: Awaited<ReturnType<Notifier['send']>> }>> {
  return Promise.all(
    notifiers.map(async (notifier) => {
      try {
        return { notifier: notifier.name, result: await notifier.send(message) };
      } catch (error) {
        return {
          notifier: notifier.name,
          result: { status: 'failed' as const, error: (error as Error).message, isRetryable: false },
        };
      }
    }),
  );
}
