// The production agent with the Kubernetes blocker, on the testbed's real kube-apiserver (RBAC on, the restricted user):
// inspect_patterns is offered and reads the cluster, apply_block confirms the waiting block, which lands in the
// cluster's own deny-list Middleware.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { scanBurst } from '../../core/testing/log-events.ts';
import { VERDICT_JSON } from '../../llm/testing/incident-fixture.ts';
import { PROVIDER_SETUPS, testConfig } from '../../llm/testing/llm-test-setup.ts';
import { ScriptedLlmServer } from '../../llm/testing/scripted-llm-server.ts';
import { openStore } from '../../store/store.ts';
import { eventually, type KubeTestCluster } from '../blocking/kubernetes/kube-test-cluster.ts';
import { setUpFixture, traefikCrdCluster } from '../blocking/kubernetes/kube-test-settings.ts';
import { NetworkGuard } from '../network-guard.ts';
import { createInvestigationQueue } from './create-investigation-queue.ts';
import { InvestigationStore } from './investigation-store.ts';

const server = new ScriptedLlmServer();
let admin: KubeTestCluster;
let restricted: string;
let base = '';

before(async () => {
  ({ admin, restricted } = await traefikCrdCluster());
  base = await server.start();
});
after(() => server.close());

it('with the Kubernetes blocker the model gets inspect_patterns, and its apply_block confirms the block in the cluster', async () => {
  const { namespace, blocker } = await setUpFixture(admin, restricted, 'denyip-middleware.yaml');
  await eventually(() => blocker.inspect());
  const dir = mkdtempSync(join(tmpdir(), 'devops-agent-k8s-agent-'));
  const config = testConfig({
    ...PROVIDER_SETUPS.openai.overrides(base),
    mode: 'auto',
    'database.path': join(dir, 'agent.db'),
    'audit.path': join(dir, 'audit.jsonl'),
  });
  const store = openStore(config.database.path, config.audit.path);
  const guard = new NetworkGuard({ config, store, blocker, source: 'test' });
  const queue = createInvestigationQueue({ config, store, guard });
  assert.ok(queue);
  const ip = '198.51.100.61';
  server.script(
    { kind: 'tool_calls', calls: [{ name: 'inspect_patterns', arguments: {} }] },
    { kind: 'tool_calls', calls: [{ name: 'apply_block', arguments: { target: ip, reason: 'secrets scanning' } }] },
    { kind: 'text', text: VERDICT_JSON },
  );
  try {
    const start = server.requests.length;
    guard.observe(scanBurst(ip, Date.now() - 10_000, 404, 'curl/8.0'));
    const [outcome] = await guard.flush();
    assert.equal(outcome.incident.status, 'pending', 'waiting for the model');
    await queue.idle();
    const investigations = new InvestigationStore(store);
    assert.equal(investigations.get(outcome.incident.id)?.confirmation, 'scanning');
    assert.equal(store.incidents.get(outcome.incident.id)?.status, 'blocked');
    const middleware = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
    const spec = middleware?.spec as { plugin?: { denyip?: { ipDenyList?: string[] } } } | undefined;
    assert.ok(spec?.plugin?.denyip?.ipDenyList?.includes(ip), JSON.stringify(spec));
    const first = server.requests[start].body as { tools: Array<{ function: { name: string } }> };
    assert.deepEqual(
      first.tools.map((tool) => tool.function.name),
      ['query_logs', 'check_allowlist', 'inspect_patterns', 'apply_block'],
    );
    const second = JSON.stringify(server.requests[start + 1].body);
    assert.match(second, /block-scanners/, 'inspect_patterns showed the cluster deny list to the model');
    assert.match(second, /denyip-middleware/);
  } finally {
    await queue.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
