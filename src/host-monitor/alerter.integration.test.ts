import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type MonitorSettings, monitorSection } from '../config/sections/monitor.ts';
import { createNotifier } from '../notifiers/create-notifier.ts';
import { type LoopbackServer, sendJson, startLoopbackServer } from '../notifiers/loopback-http-server.ts';
import { openDatabase } from '../store/database.ts';
import { Alerter, type ConcludedFinding } from './alerter.ts';
import { finding } from './findings.ts';
import { MonitorStore } from './monitor-store.ts';

const directory = mkdtempSync(join(tmpdir(), 'monitor-alerter-'));
const servers: LoopbackServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(directory, { recursive: true, force: true });
});

async function setup(settingsInput: Record<string, unknown>, discordStatus: () => number = () => 204) {
  const discord = await startLoopbackServer((_request, response) => {
    const status = discordStatus();
    if (status === 204) {
      response.writeHead(204);
      response.end();
    } else sendJson(response, status, { message: 'Unknown Webhook', code: 10015 });
  });
  const voice = await startLoopbackServer((_request, response) => sendJson(response, 200, []));
  servers.push(discord, voice);
  const settings = monitorSection.parse({ timezone: 'UTC', ...settingsInput }) as MonitorSettings;
  const store = new MonitorStore(openDatabase(join(directory, `${servers.length}.db`)));
  const noWait = { sleep: async () => {} };
  const alerter = new Alerter(
    store,
    {
      text: [createNotifier({ kind: 'discord', webhook_url: `${discord.url}/api/webhooks/1/t` }, noWait)],
      voice: [
        createNotifier(
          { kind: 'home-assistant', url: voice.url, token: 't', media_player_entity_id: 'media_player.kitchen' },
          noWait,
        ),
      ],
    },
    settings,
  );
  return { discord, voice, store, alerter };
}

const high = (subject = 'nginx', extra: Partial<ConcludedFinding> = {}): ConcludedFinding => ({
  ...finding('process-down', subject, 'processes', 'high', `Process not running: ${subject}`, 'detail', {
    locked: true,
  }),
  ruleSeverity: 'high',
  finalSeverity: 'high',
  ...extra,
});
const ran = new Set(['processes']);
const at = (time: string) => Date.parse(`2026-04-01T${time}:00Z`);

test('quiet hours silence the voice channel only', async () => {
  const { discord, voice, alerter } = await setup({ quiet_hours: { start: '22:00', end: '07:00' } });
  const [outcome] = await alerter.process([high()], ran, at('23:30'));
  assert.equal(outcome.action, 'alerted');
  assert.deepEqual(
    outcome.deliveries.map((delivery) => [delivery.notifier, delivery.status]),
    [
      ['discord', 'sent'],
      ['home-assistant', 'skipped'],
    ],
  );
  assert.equal(discord.requests.length, 1);
  assert.equal(voice.requests.length, 0);
});

test('secrets quoted from logs are redacted before reaching a channel', async () => {
  const { discord, alerter } = await setup({});
  await alerter.process(
    [high('app', { detail: 'kernel: app crashed with DATABASE_PASSWORD=hunter2hunter2 in env' })],
    ran,
    at('12:00'),
  );
  assert.equal(discord.requests.length, 1);
  assert.doesNotMatch(discord.requests[0].body, /hunter2/);
  assert.match(discord.requests[0].body, /REDACTED/);
});

test('a finding suppressed by a known issue is recorded, never alerted; medium is never alerted immediately', async () => {
  const { discord, store, alerter } = await setup({});
  const outcomes = await alerter.process(
    [high('cron', { suppressedBy: 'backup-heat' }), { ...high('sshd'), finalSeverity: 'medium' }],
    ran,
    at('12:00'),
  );
  assert.deepEqual(
    outcomes.map((outcome) => outcome.action),
    ['suppressed', 'recorded'],
  );
  assert.equal(discord.requests.length, 0);
  assert.equal(store.activeAnomaly('process-down:cron')?.suppressed_by, 'backup-heat');
});

test('flapping: after 4 activations within the hour, alerts are held and no resolve messages are sent', async () => {
  const { discord, alerter } = await setup({
    alerting: { resolve_after_cycles: 1, flap_threshold: 4, cooldown: '1m' },
  });
  const actions: string[] = [];
  let minute = 0;
  for (let flip = 0; flip < 5; flip++) {
    const [raised] = await alerter.process([high()], ran, at(`10:${String(minute++).padStart(2, '0')}`));
    actions.push(raised.action);
    const [resolved] = await alerter.process([], ran, at(`10:${String(minute++).padStart(2, '0')}`));
    actions.push(resolved.action);
  }
  assert.deepEqual(actions, [
    'alerted',
    'resolved-notified',
    'alerted',
    'resolved-notified',
    'alerted',
    'resolved-notified',
    'flapping',
    'resolved',
    'flapping',
    'resolved',
  ]);
  assert.equal(discord.requests.length, 6);
});

test('a failed channel is retried alone on the next cycles (bounded); a collector that did not run resolves nothing', async () => {
  let status = 404;
  const { discord, voice, store, alerter } = await setup({}, () => status);
  const [first] = await alerter.process([high()], ran, at('09:00'));
  assert.equal(first.action, 'alert-failed');
  assert.match(first.deliveries.find((delivery) => delivery.notifier === 'discord')?.error ?? '', /HTTP 404/);
  assert.equal(store.activeAnomaly('process-down:nginx')?.alerted_at, null);
  status = 204;
  const [second] = await alerter.process([high()], ran, at('09:05'));
  assert.equal(second.action, 'alerted');
  assert.deepEqual(
    second.deliveries.map((delivery) => delivery.notifier),
    ['discord'],
    'voice already spoke',
  );
  assert.equal(voice.requests.length, 1);
  const [third] = await alerter.process([high()], ran, at('09:10'));
  assert.equal(third.action, 'cooldown');

  const outcomes = await alerter.process([], new Set(), at('09:15'));
  assert.deepEqual(outcomes, [], 'the processes collector did not run: nothing resolves');
  assert.equal(store.activeAnomaly('process-down:nginx')?.missing_cycles, 0);
  assert.equal(discord.requests.length, 2);

  // A webhook that stays broken: given up after 5 failed cycles, then the cooldown applies.
  status = 404;
  const actions: string[] = [];
  for (let minute = 0; minute < 7; minute++) {
    actions.push((await alerter.process([high('redis')], ran, at(`10:0${minute}`)))[0].action);
  }
  assert.deepEqual(actions, [
    'alert-failed',
    'alert-failed',
    'alert-failed',
    'alert-failed',
    'alert-failed',
    'cooldown',
    'cooldown',
  ]);
});
