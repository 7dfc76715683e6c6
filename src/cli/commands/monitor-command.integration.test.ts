import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCliInProcess } from '../testing/run-cli.ts';

const directory = mkdtempSync(join(tmpdir(), 'monitor-cli-'));
after(() => rmSync(directory, { recursive: true, force: true }));

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { code, stdout: out, stderr: err } = await runCliInProcess(args, env);
  return { code, out, err };
}

function writeConfig(monitor: string): string {
  const path = join(directory, 'config.yaml');
  writeFileSync(
    path,
    `database:\n  path: ${join(directory, 'agent.db')}\naudit:\n  path: ${join(directory, 'audit.jsonl')}\nmonitor:\n${monitor}`,
  );
  return path;
}

test('monitor --once --format json: one cycle over a real auth.log, printed as JSON; exit 1 on a high finding', async () => {
  const authLog = join(directory, 'auth.log');
  copyFileSync(new URL('../../host-monitor/__fixtures__/auth.log', import.meta.url), authLog);
  const config = writeConfig(
    [
      `  auth_log: ${authLog}`,
      "  syslog: ''",
      '  log_start_at: beginning',
      '  docker: false',
      '  temperatures: false',
      '  processes: [no-such-daemon-xyz]',
      '',
    ].join('\n'),
  );
  const result = await run(['monitor', '--once', '--format', 'json', '--config', config]);
  assert.equal(result.code, 1, result.err);
  const report = JSON.parse(result.out);
  assert.equal(report.observations.collectors[0].name, 'auth');
  assert.equal(report.observations.collectors[0].status, 'ok');
  assert.equal(report.observations.skippedLines, 1);
  assert.ok(report.observations.authEvents.length >= 9);
  assert.deepEqual(
    report.findings.map((item: { key: string; finalSeverity: string }) => [item.key, item.finalSeverity]),
    [['process-down:no-such-daemon-xyz', 'high']],
  );
  // Text format; the log position was kept, so the second run reads nothing new from auth.log.
  const text = await run(['monitor', '--once', '--no-notify', '--config', config]);
  assert.match(text.out, /collectors:\n {2}auth +ok +0 items/);
  assert.match(text.out, /\[high\] Process not running: no-such-daemon-xyz/);
});

test('the first monitor --once with the default log_start_at: end sees the last login window, not the history', async () => {
  const authLog = join(directory, 'recent-auth.log');
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const failed = (minutesAgo: number, ip: string, port: number) =>
    `${at(minutesAgo)} web sshd[7]: Failed password for root from ${ip} port ${port} ssh2`;
  writeFileSync(
    authLog,
    [
      ...[0, 1, 2, 3, 4, 5].map((index) => failed(90, '198.51.100.90', 41000 + index)),
      ...[0, 1, 2, 3, 4, 5].map((index) => failed(3, '203.0.113.90', 42000 + index)),
      '',
    ].join('\n'),
  );
  const config = writeConfig(
    [`  auth_log: ${authLog}`, "  syslog: ''", '  docker: false', '  temperatures: false', '  processes: []', ''].join(
      '\n',
    ),
  );
  const result = await run(['monitor', '--once', '--no-notify', '--format', 'json', '--config', config]);
  const report = JSON.parse(result.out);
  assert.match(report.observations.collectors[0].detail, /first-start, recent-window/);
  assert.deepEqual(
    report.findings.map((item: { key: string }) => item.key),
    ['login-burst:203.0.113.90'],
    'the burst of 3 minutes ago is seen, the one of 90 minutes ago is not',
  );
});

test('monitor: config errors name the key; partial Home Assistant settings are refused; missing ${VAR} named', async () => {
  let config = writeConfig("  daily_recap_time: '8pm'\n  unknown_key: 1\n");
  let result = await run(['monitor', '--once', '--config', config]);
  assert.equal(result.code, 2);
  assert.match(result.err, /monitor\.daily_recap_time: expected a time of day as HH:MM/);
  assert.match(result.err, /monitor\.unknown_key: unknown key/);
  config = writeConfig("  home_assistant_url: http://127.0.0.1:1\n  home_assistant_token: '${HA_TOKEN}'\n");
  result = await run(['monitor', '--once', '--config', config]);
  assert.equal(result.code, 2);
  assert.match(result.err, /monitor\.home_assistant_token: environment variable HA_TOKEN is not set/);
  result = await run(['monitor', '--once', '--config', config], { HA_TOKEN: 'x' });
  assert.equal(result.code, 2);
  assert.match(result.err, /monitor\.google_home_speaker_id: required for Home Assistant voice alerts/);
  result = await run(['monitor', '--format', 'yaml', '--config', config]);
  assert.match(result.err, /--format: expected text or json/);
});
