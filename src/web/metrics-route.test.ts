import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { alertCriticalCommand } from '../command-runner/critical-command-alert.ts';
import type { AgentRuntime } from '../network-guard/agent-runtime.ts';
import { openStore } from '../store/store.ts';
import { storeGauges } from './metrics-route.ts';

test('/metrics counts CRITICAL commands refused by any process (read from the store)', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'metrics-route-'));
  const store = openStore(join(directory, 'agent.db'), join(directory, 'audit.jsonl'));
  after(() => {
    store.close();
    rmSync(directory, { recursive: true, force: true });
  });
  const runtime = { store, blocker: { kind: 'none' } } as unknown as AgentRuntime;
  assert.doesNotMatch(await storeGauges(runtime).metrics(), /devops_agent_exec_critical_commands_recorded_total\{/);
  const refused = { command: 'rm -rf /', rule: 'recursive-force-delete', reason: 'rm -rf /' };
  for (let index = 0; index < 2; index++)
    await alertCriticalCommand(store.db, [], 'task', 'llm', refused as Parameters<typeof alertCriticalCommand>[4]);
  assert.match(
    await storeGauges(runtime).metrics(),
    /devops_agent_exec_critical_commands_recorded_total\{rule="recursive-force-delete",source="llm"\} 2/,
  );
});
