import { z } from 'zod';
import { notifierSettings } from '../../notifiers/create-notifier.ts';

/**
 * Channels shared by every capability (monitor, network guard, workload guard). Each entry is one notifier's settings,
 * told apart by `kind` (discord, home-assistant, slack, teams, webhook); secrets come from `${VAR}`.
 */
export const notificationsSection = z
  .strictObject({
    channels: z.array(notifierSettings).default([]),
  })
  .optional();
