// The daemon's loop on the testbed as the restricted user: a refused pass is logged and retried, never thrown; after
// the Role is bound the next pass succeeds; stop() ends it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { defaultConfig } from '../config/load-config.ts';
import { openStore } from '../store/store.ts';
import { WorkloadTestCluster } from './testing/workload-test-cluster.ts';
import { startWorkloadGuard } from './workload-guard-loop.ts';

test('the workload guard loop survives refusals and recovers when access is granted', { timeout: 60_000 }, async () => {
  const env = await ensureTestbed();
  const admin = new WorkloadTestCluster(env.kubeconfig);
  const namespace = await admin.namespace('workloads-loop');
  await admin.deployment(namespace, 'web', 'nginx:1.25.3');
  const directory = mkdtempSync(join(tmpdir(), 'workloads-loop-'));
  const store = openStore(join(directory, 'agent.db'), join(directory, 'audit.jsonl'));
  const config = defaultConfig({
    'kubernetes.kubeconfig': env.kubeconfigRestricted,
    'workloads.namespaces': [namespace],
    'workloads.interval': '1s',
  });
  const lines: string[] = [];
  let passes = 0;
  const loop = startWorkloadGuard({ config, store }, { log: (line) => lines.push(line), onResult: () => passes++ });
  try {
    const waitFor = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log: ${lines.join(' | ')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await waitFor(() => lines.some((line) => line.includes('check failed')), 'a refused pass');
    assert.match(
      lines[0],
      /workloads: check failed \(1 in a row; next in 1s\): kubernetes: forbidden: user "restricted"/,
    );
    assert.equal(passes, 0);
    await admin.grantWorkloadGuard('restricted', namespace);
    await waitFor(() => passes > 0, 'a successful pass');
    assert.match(lines.at(-1)!, /workloads: 0 findings, 0 plans, 0 reports skipped/);
  } finally {
    await loop.stop();
    store.close();
    rmSync(directory, { recursive: true, force: true });
  }
  const count = lines.length;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(lines.length, count, 'no pass after stop()');
});
