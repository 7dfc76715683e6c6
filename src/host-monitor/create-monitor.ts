import type { Config } from '../config/schema.ts';
import { type MonitorSettings, monitorSection } from '../config/sections/monitor.ts';
import { createLlmClient } from '../llm/create-llm-client.ts';
import type { LlmClient } from '../llm/llm-client.ts';
import type { NotifierOptions } from '../notifiers/common-settings.ts';
import { createNotifier } from '../notifiers/create-notifier.ts';
import type { Store } from '../store/store.ts';
import type { Channels } from './alerter.ts';
import { type Clock, systemClock } from './clock.ts';
import { Monitor } from './monitor.ts';
import { loadMonitorContext, type MonitorContext } from './monitor-context.ts';
import { MonitorStore } from './monitor-store.ts';

/**
 * The spec's channels (`discord_webhook_url`, Home Assistant with `google_home_speaker_id`) plus the shared
 * `notifications.channels`. Home Assistant is a voice channel: high alerts only, silent in quiet hours.
 */
export function monitorChannels(config: Config, settings: MonitorSettings, options: NotifierOptions = {}) {
  const channels: Channels = { text: [], voice: [] };
  const errors: string[] = [];
  if (settings.discord_webhook_url) {
    try {
      channels.text.push(
        createNotifier({ kind: 'discord', webhook_url: settings.discord_webhook_url, name: 'discord' }, options),
      );
    } catch (error) {
      errors.push(`monitor.discord_webhook_url: ${(error as Error).message}`);
    }
  }
  const home = {
    home_assistant_url: settings.home_assistant_url,
    home_assistant_token: settings.home_assistant_token,
    google_home_speaker_id: settings.google_home_speaker_id,
  };
  const given = Object.entries(home).filter(([, value]) => value);
  if (given.length > 0 && given.length < 3) {
    for (const [key, value] of Object.entries(home)) {
      if (!value)
        errors.push(`monitor.${key}: required for Home Assistant voice alerts (the other Home Assistant keys are set)`);
    }
  } else if (given.length === 3) {
    try {
      channels.voice.push(
        createNotifier(
          {
            kind: 'home-assistant',
            name: 'home-assistant',
            url: settings.home_assistant_url!,
            token: settings.home_assistant_token!,
            media_player_entity_id: settings.google_home_speaker_id!,
            tts_entity: settings.home_assistant_tts_entity,
          },
          options,
        ),
      );
    } catch (error) {
      errors.push(`monitor.home_assistant_url: ${(error as Error).message}`);
    }
  }
  for (const channel of config.notifications?.channels ?? []) {
    const notifier = createNotifier(channel, options);
    (channel.kind === 'home-assistant' ? channels.voice : channels.text).push(notifier);
  }
  return { channels, errors };
}

export interface MonitorSetup {
  monitor: Monitor;
  monitorStore: MonitorStore;
  settings: MonitorSettings;
  channels: Channels;
  context: MonitorContext;
  llm?: LlmClient;
  errors: string[];
}

/** Wires the monitor from the whole config; `errors` name the key (the CLI turns them into a ConfigError). */
export function createMonitor(
  config: Config,
  store: Store,
  options: {
    clock?: Clock;
    log?: (line: string) => void;
    notifierOptions?: NotifierOptions;
    llm?: LlmClient | null;
  } = {},
): MonitorSetup {
  const settings = config.monitor ?? defaultMonitorSettings();
  const { channels, errors } = monitorChannels(config, settings, options.notifierOptions);
  const context = loadMonitorContext(settings.known_issues, settings.constraints);
  // `llm: null` turns triage off explicitly (tests, --no-llm); otherwise the configured client, if any.
  const llm = options.llm === null ? undefined : (options.llm ?? createLlmClient(config, store));
  const monitorStore = new MonitorStore(store.db);
  const monitor = new Monitor({
    settings,
    store: monitorStore,
    positions: store.positions,
    clock: options.clock ?? systemClock,
    channels,
    context,
    llm,
    audit: store.audit,
    log: options.log,
  });
  return { monitor, monitorStore, settings, channels, context, llm, errors };
}

/** `monitor:` is optional: without it the monitor runs with every default (local logs, sensors, Docker). */
export function defaultMonitorSettings(): MonitorSettings {
  return monitorSection.parse({}) as MonitorSettings;
}
