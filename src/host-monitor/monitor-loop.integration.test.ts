import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { defaultConfig } from '../config/load-config.ts';
import { type LoopbackServer, sendJson, startLoopbackServer } from '../notifiers/loopback-http-server.ts';
import { openStore } from '../store/store.ts';
import { ManualClock } from './clock.ts';
import { createMonitor } from './create-monitor.ts';
import type { CycleReport } from './monitor.ts';

const directory = mkdtempSync(join(tmpdir(), 'monitor-loop-'));
const servers: LoopbackServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(directory, { recursive: true, force: true });
});

/** A hwmon tree like the kernel's: hwmon0/name, temp1_input in millidegrees, temp1_label. */
function writeCpuTemperature(root: string, celsius: number) {
  const device = join(root, 'hwmon0');
  mkdirSync(device, { recursive: true });
  writeFileSync(join(device, 'name'), 'coretemp\n');
  writeFileSync(join(device, 'temp1_label'), 'Package id 0\n');
  writeFileSync(join(device, 'temp1_input'), `${Math.round(celsius * 1000)}\n`);
}

test('loop with a fake clock: warm-up, a deviation, one high alert, no repeat in cooldown, resolve, recap at 20:00', async () => {
  const discord = await startLoopbackServer((_request, response) => {
    response.writeHead(204);
    response.end();
  });
  const homeAssistant = await startLoopbackServer((request, response) => {
    if (request.headers.authorization !== 'Bearer ha-long-lived-token')
      return sendJson(response, 401, { message: 'unauthorized' });
    if (request.path !== '/api/services/tts/speak') return sendJson(response, 404, { message: 'not found' });
    return sendJson(response, 200, []);
  });
  servers.push(discord, homeAssistant);
  const hwmon = join(directory, 'hwmon');
  writeCpuTemperature(hwmon, 45);
  const config = defaultConfig({
    'database.path': join(directory, 'agent.db'),
    'audit.path': join(directory, 'audit.jsonl'),
    monitor: {
      interval: '60s',
      auth_log: '',
      syslog: '',
      docker: false,
      hwmon_path: hwmon,
      thermal_path: join(directory, 'no-thermal'),
      discord_webhook_url: `${discord.url}/api/webhooks/123/token`,
      home_assistant_url: homeAssistant.url,
      home_assistant_token: 'ha-long-lived-token',
      google_home_speaker_id: 'media_player.living_room',
      daily_recap_time: '20:00',
      timezone: 'Europe/Paris',
      baseline: { warmup_samples: 12 },
      alerting: { cooldown: '1h', resolve_after_cycles: 2 },
    },
  });
  const store = openStore(config.database.path, config.audit.path);
  // 09:00 in Paris (UTC+1 in January).
  const clock = new ManualClock(Date.parse('2026-01-05T08:00:00Z'));
  const setup = createMonitor(config, store, { clock, llm: null, notifierOptions: { sleep: async () => {} } });
  assert.deepEqual(setup.errors, []);
  assert.deepEqual(
    setup.channels.text.map((notifier) => notifier.kind).concat(setup.channels.voice.map((notifier) => notifier.kind)),
    ['discord', 'home-assistant'],
  );

  const temperatures = [
    ...[45, 45.5, 44.5, 45, 46, 45, 44.5, 45.5, 45, 45, 46, 45, 45.5, 45], // 14 normal cycles: warm-up and baseline
    70, // unusual but below every threshold: a deviation, recap only
    ...Array(20).fill(95), // above cpu_temperature_high for 20 minutes, inside the 1 h cooldown
    45,
    45,
    45, // back to normal: resolved after 2 cycles
  ];
  const reports: CycleReport[] = [];
  const controller = new AbortController();
  const cycles = await setup.monitor.run(controller.signal, {
    maxCycles: temperatures.length,
    onCycle: (report) => {
      reports.push(report);
      // The next cycle reads the next value, written like the kernel would.
      writeCpuTemperature(hwmon, temperatures[reports.length] ?? 45);
    },
  });
  assert.equal(cycles, temperatures.length);
  assert.equal(clock.now(), Date.parse('2026-01-05T08:00:00Z') + (temperatures.length - 1) * 60_000);

  const deviations = (report: CycleReport) => report.findings.filter((item) => item.rule === 'baseline-deviation');
  // Warm-up: nothing judged before 12 samples exist, whatever the values.
  for (const report of reports.slice(0, 12)) {
    assert.deepEqual(deviations(report), []);
    assert.equal(report.metrics[0].baseline?.warm ?? false, false);
  }
  assert.equal(reports[12].metrics[0].baseline?.warm, true);
  // The 70 °C cycle: a deviation (not high), no alert.
  const unusual = reports[14];
  assert.equal(deviations(unusual).length, 1);
  assert.ok(['low', 'medium'].includes(deviations(unusual)[0].finalSeverity));
  assert.equal(
    unusual.findings.some((item) => item.finalSeverity === 'high'),
    false,
  );
  assert.deepEqual(
    unusual.alerts.flatMap((alert) => alert.deliveries),
    [],
    'nothing sent for a medium deviation',
  );

  // The first 95 °C cycle: exactly one alert, on Discord and by voice.
  const alertCycle = reports[15];
  assert.deepEqual(
    alertCycle.alerts.filter((alert) => alert.action === 'alerted').map((alert) => alert.key),
    ['temperature:cpu'],
  );
  const alerts = discord.requests.filter((request) => JSON.parse(request.body).embeds[0].footer.text.includes('alert'));
  assert.equal(alerts.length, 1, 'exactly one alert for 20 minutes of 95 °C');
  const embed = JSON.parse(alerts[0].body).embeds[0];
  assert.match(embed.title, /CPU temperature 95 °C/);
  assert.deepEqual(JSON.parse(alerts[0].body).allowed_mentions, { parse: [] });
  assert.equal(homeAssistant.requests.length, 1);
  const spoken = JSON.parse(homeAssistant.requests[0].body);
  assert.equal(spoken.media_player_entity_id, 'media_player.living_room');
  assert.equal(spoken.entity_id, 'tts.google_translate_en_com');
  assert.match(spoken.message, /CPU temperature 95/);
  // The following 95 °C cycles are inside the cooldown.
  for (const report of reports.slice(16, 35)) {
    assert.equal(report.alerts.find((alert) => alert.key === 'temperature:cpu')?.action, 'cooldown');
  }

  // Back to normal: resolved on the second clean cycle, one resolve message (text only, not spoken).
  const resolved = reports
    .flatMap((report) => report.alerts)
    .filter((alert) => alert.key === 'temperature:cpu' && alert.action === 'resolved-notified');
  assert.equal(resolved.length, 1);
  assert.equal(
    reports.findIndex((report) => report.alerts.some((alert) => alert.action === 'resolved-notified')),
    36,
  );
  assert.equal(discord.requests.length, 2);
  assert.match(JSON.parse(discord.requests[1].body).embeds[0].title, /^Resolved: CPU temperature/);
  assert.equal(homeAssistant.requests.length, 1);
  assert.equal(
    reports.some((report) => report.recap),
    false,
    'no recap before 20:00',
  );

  // Jump to 19:58 Paris and let the loop run across 20:00.
  clock.advance(Date.parse('2026-01-05T18:58:00Z') - clock.now());
  const late: CycleReport[] = [];
  await setup.monitor.run(controller.signal, { maxCycles: 4, onCycle: (report) => late.push(report) });
  assert.deepEqual(
    late.map((report) => [report.at, Boolean(report.recap)]),
    [
      ['2026-01-05T18:58:00.000Z', false],
      ['2026-01-05T18:59:00.000Z', false],
      ['2026-01-05T19:00:00.000Z', true],
      ['2026-01-05T19:01:00.000Z', false],
    ],
  );
  const recap = JSON.parse(discord.requests[2].body).embeds[0];
  assert.equal(discord.requests.length, 3);
  assert.match(recap.title, /^Daily recap for .+: 2026-01-05$/);
  assert.match(recap.description, /\*\*High \(1\)\*\*\n• 09:15 CPU temperature 95 °C .*alerted, resolved/);
  // The deviation started at 70 °C at 09:14 and kept its latest title while 95 °C was still unusual.
  assert.match(
    recap.description,
    /\*\*Medium \(1\)\*\*\n• 09:14 temperature\.cpu is unusual: 95 \(usual 46\) \(×\d+, resolved\)/,
  );
  assert.deepEqual(
    recap.fields.map((field: { name: string; value: string }) => [field.name, field.value]),
    [
      ['High', '1'],
      ['Medium', '1'],
      ['Low', '0'],
    ],
  );
  assert.equal(homeAssistant.requests.length, 1, 'the recap is not spoken');
  // The next day's recap is due again at 20:00 only.
  clock.advance(Date.parse('2026-01-06T18:59:00Z') - clock.now());
  const nextDay: CycleReport[] = [];
  await setup.monitor.run(controller.signal, { maxCycles: 2, onCycle: (report) => nextDay.push(report) });
  assert.deepEqual(
    nextDay.map((report) => Boolean(report.recap)),
    [false, true],
  );
  assert.match(JSON.parse(discord.requests[3].body).embeds[0].description, /No anomalies since the last recap/);
  store.close();
});
