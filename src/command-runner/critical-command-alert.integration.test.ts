import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execSection } from '../config/sections/exec.ts';
import { metrics } from '../core/metrics.ts';
import { createNotifier } from '../notifiers/create-notifier.ts';
import { startLoopbackServer } from '../notifiers/loopback-http-server.ts';
import { openStore } from '../store/store.ts';
import { createCommandClassifier } from './command-classifier.ts';
import { commandPolicyFrom } from './command-policy.ts';
import { CRITICAL_COMMANDS_METRIC, recordedCriticalCommands } from './critical-command-alert.ts';
import { execTask } from './exec-task.ts';

const root = mkdtempSync(join(tmpdir(), 'critical-alert-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('every CRITICAL command is sent to the notifiers (redacted) and counted, in-process and in the store', async () => {
  const webhook = await startLoopbackServer((_request, response) => response.writeHead(204).end());
  after(() => webhook.close());
  const store = openStore(join(root, 'db.sqlite'), join(root, 'audit.jsonl'));
  after(() => store.close());
  const exec = execSection.parse({ sandbox: { mode: 'off' } });
  const before = await metrics.get(CRITICAL_COMMANDS_METRIC, { rule: 'option-runs-program', source: 'user' });
  const report = await execTask({
    task: 'look around',
    commands: ['rg --pre=sh -e AKIAABCDEFGHIJKLMNOP .', 'git -ccore.pager=sh status', 'df -h', 'ls ;; pwd'],
    classifier: await createCommandClassifier(commandPolicyFrom(exec), root),
    store,
    exec,
    workingDirectory: root,
    env: { PATH: process.env.PATH },
    dryRun: true,
    approveMedium: false,
    approveHigh: false,
    notifiers: [createNotifier({ kind: 'webhook', url: webhook.url }, { sleep: async () => {} })],
  });
  assert.deepEqual(
    report.commands.map((outcome) => outcome.status),
    ['denied', 'denied', 'planned', 'denied'],
  );
  assert.equal(webhook.requests.length, 3);
  const bodies = webhook.requests.map((request) => request.body);
  assert.ok(bodies.every((body) => body.includes('CRITICAL command refused')));
  assert.ok(bodies[0].includes('option-runs-program') && !bodies[0].includes('AKIAABCDEFGHIJKLMNOP'), bodies[0]);
  assert.ok(bodies[1].includes('git-config-command'));
  assert.ok(bodies[2].includes('parse-error'));
  assert.equal(
    await metrics.get(CRITICAL_COMMANDS_METRIC, { rule: 'option-runs-program', source: 'user' }),
    before + 1,
  );
  assert.deepEqual(
    recordedCriticalCommands(store.db).sort((a, b) => a.rule.localeCompare(b.rule)),
    [
      { rule: 'git-config-command', source: 'user', count: 1 },
      { rule: 'option-runs-program', source: 'user', count: 1 },
      { rule: 'parse-error', source: 'user', count: 1 },
    ],
  );
});
