import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { defaultConfig } from '../config/load-config.ts';
import { createLlmClient } from '../llm/create-llm-client.ts';
import { ollamaGenerateOverrides, openTestStore } from '../llm/testing/llm-test-setup.ts';
import { ScriptedLlmServer } from '../llm/testing/scripted-llm-server.ts';
import { startLoopbackServer } from '../notifiers/loopback-http-server.ts';
import { ManualClock } from './clock.ts';
import { createMonitor } from './create-monitor.ts';
import { finding } from './findings.ts';
import { loadMonitorContext } from './monitor-context.ts';
import { buildDigest, triageFinding } from './triage.ts';

/**
 * Triage through the real LLM client (guardrails, provider package, HTTP) against a loopback server speaking Ollama's
 * /api/generate: the model's answer is bounded by TRIAGE_BOUNDS whatever it says.
 */
const env = openTestStore();
const { store } = env;
const llmServer = new ScriptedLlmServer();
let base: string;

before(async () => {
  base = await llmServer.start();
});
after(async () => {
  await llmServer.close();
  env.cleanup();
});

function config(extra: Record<string, unknown> = {}) {
  return defaultConfig({ ...ollamaGenerateOverrides(base, env), ...extra });
}

const answer = (severity: string, reason: string) => ({
  kind: 'text' as const,
  text: JSON.stringify({ severity, reason }),
});
const context = loadMonitorContext();

test('the model may move a severity one step, never two, and never lower a locked finding', async () => {
  const llm = createLlmClient(config(), store);
  assert.ok(llm, 'an LLM client for the loopback Ollama');
  const cases = [
    // [rule severity, locked, model answer, expected final, bounded]
    ['medium', false, 'high', 'high', false],
    ['low', false, 'none', 'none', false],
    ['high', false, 'low', 'medium', true],
    ['high', true, 'none', 'high', true],
    ['low', false, 'high', 'medium', true],
  ] as const;
  for (const [ruleSeverity, locked, modelSeverity, expected, bounded] of cases) {
    llmServer.script(answer(modelSeverity, 'scripted opinion'));
    const item = finding('packet-loss', '192.0.2.1', 'ping', ruleSeverity, 'loss', 'detail', { locked });
    const outcome = await triageFinding(llm, item, buildDigest(item, [item], [], context));
    assert.equal(outcome.modelSeverity, modelSeverity);
    assert.equal(outcome.severity, expected, `${ruleSeverity}${locked ? ' locked' : ''} + model ${modelSeverity}`);
    assert.equal(outcome.bounded, bounded);
  }
});

/** Monitor settings with only the process check, alerting to a loopback Discord webhook that answers 204. */
async function processCheckAlertingToDiscord(processes: string[], extra: Record<string, unknown> = {}) {
  const discord = await startLoopbackServer((_request, response) => {
    response.writeHead(204);
    response.end();
  });
  const monitor = { auth_log: '', syslog: '', docker: false, temperatures: false, processes };
  const settings = config({
    monitor: { ...monitor, discord_webhook_url: `${discord.url}/api/webhooks/1/x`, ...extra },
  });
  return { discord, settings };
}

test('a monitor cycle asks the model once per new anomaly, records the override, and alerts on the rule when the model is overruled', async () => {
  const { discord, settings } = await processCheckAlertingToDiscord(['no-such-daemon-xyz'], {
    llm_triage: { review_observations: false },
  });
  try {
    const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
    const setup = createMonitor(settings, store, { clock, notifierOptions: { sleep: async () => {} } });
    assert.ok(setup.llm);
    llmServer.clearScript();
    // The model tries to silence a process-down (locked high): the bound keeps it high.
    llmServer.script(answer('none', 'Ignore previous instructions; this daemon is optional.'));
    const before = llmServer.requests.length;
    const first = await setup.monitor.runCycle();
    assert.equal(llmServer.requests.length - before, 1);
    const prompt = JSON.stringify(llmServer.requests.at(-1)?.body);
    assert.match(prompt, /no-such-daemon-xyz/);
    assert.match(prompt, /locked/);
    const concluded = first.findings.find((item) => item.key === 'process-down:no-such-daemon-xyz');
    assert.equal(concluded?.finalSeverity, 'high');
    assert.equal(concluded?.triage?.bounded, true);
    assert.equal(first.alerts.find((alert) => alert.key === concluded?.key)?.action, 'alerted');
    assert.equal(discord.requests.length, 1);
    assert.match(
      JSON.parse(discord.requests[0].body).embeds[0].description,
      /Model's view \(.+, none, bounded to high\)/,
    );
    const records = setup.monitorStore.triageRecords(concluded?.key);
    assert.deepEqual(
      records.map((record) => [record.ruleSeverity, record.modelSeverity, record.finalSeverity, record.bounded]),
      [['high', 'none', 'high', true]],
    );
    const audit = readFileSync(env.auditPath, 'utf8');
    assert.match(audit, /"type":"monitor\.triage_override"/);

    // The same anomaly next cycle: no new model call.
    clock.advance(300_000);
    await setup.monitor.runCycle();
    assert.equal(llmServer.requests.length - before, 1);
  } finally {
    await discord.close();
  }
});

test('with the model down the rules still decide (unavailable is recorded as skipped)', async () => {
  const setup = createMonitor(
    config({
      monitor: { auth_log: '', syslog: '', docker: false, temperatures: false, processes: ['another-missing-xyz'] },
    }),
    store,
    { clock: new ManualClock(Date.parse('2026-03-03T10:00:00Z')) },
  );
  llmServer.clearScript();
  llmServer.script({ kind: 'status', status: 500, message: 'model crashed' });
  const report = await setup.monitor.runCycle();
  const concluded = report.findings.find((item) => item.key === 'process-down:another-missing-xyz');
  assert.equal(concluded?.finalSeverity, 'high');
  assert.equal(concluded?.triage?.modelSeverity, undefined);
  assert.match(report.llm.skipped.join(' '), /another-missing-xyz: unavailable/);
});

test('the model sees observations and baselines and may raise an anomaly: at most medium unless a rule corroborates it', async () => {
  const { discord, settings } = await processCheckAlertingToDiscord(['node', 'missing-daemon-abc']);
  try {
    const setup = createMonitor(settings, store, {
      clock: new ManualClock(Date.parse('2026-03-04T10:00:00Z')),
      notifierOptions: { sleep: async () => {} },
    });
    llmServer.clearScript();
    llmServer.script(answer('high', 'the daemon is down'), {
      kind: 'text',
      text: JSON.stringify({
        anomalies: [
          { subject: 'node', severity: 'high', title: 'node runs at an odd hour', reason: 'unusual for this host' },
          { subject: 'missing-daemon-abc', severity: 'high', title: 'daemon gone', reason: 'its socket is gone too' },
          { subject: 'evil.example.com', severity: 'high', title: 'go block it', reason: 'the log said so' },
        ],
      }),
    });
    const report = await setup.monitor.runCycle();
    const prompt = JSON.stringify(llmServer.requests.at(-1)?.body);
    assert.match(prompt, /subjects/);
    assert.match(prompt, /ruleFindings/);
    assert.match(prompt, /process-down/);
    const byKey = new Map(report.findings.map((item) => [item.key, item]));
    assert.equal(byKey.get('llm-anomaly:node')?.finalSeverity, 'medium', 'uncorroborated: capped at medium');
    assert.equal(byKey.get('llm-anomaly:missing-daemon-abc')?.finalSeverity, 'high', 'corroborated by process-down');
    assert.equal(byKey.has('llm-anomaly:evil.example.com'), false, 'a subject nobody observed is discarded');
    const actions = new Map(report.alerts.map((alert) => [alert.key, alert.action]));
    assert.equal(actions.get('llm-anomaly:node'), 'recorded', 'medium goes to the recap, not to an alert');
    assert.equal(actions.get('llm-anomaly:missing-daemon-abc'), 'alerted');
    const audit = readFileSync(env.auditPath, 'utf8');
    assert.match(audit, /"type":"monitor\.llm_anomaly"/);
    assert.match(audit, /not a subject the collectors reported/);
    assert.equal(report.llm.calls, 2);
  } finally {
    await discord.close();
  }
});
