// The review API's workload routes mounted on the real web server by the route registry (kubernetes: is configured;
// token and CSRF checks apply),
// approving a remediation that the restricted user then applies on the testbed's kube-apiserver.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { defaultConfig } from '../config/load-config.ts';
import { type AgentRuntime, openRuntime } from '../network-guard/agent-runtime.ts';
import { NGINX_QUIC_VULNERABILITY, WorkloadTestCluster } from '../workload-guard/testing/workload-test-cluster.ts';
import { runWorkloadChecks } from '../workload-guard/workload-checks.ts';
import { startWebServer, type WebServer } from './web-server.ts';

const TOKEN = 'review-api-token-for-the-workloads-test';
let directory: string;
let runtime: AgentRuntime;
let server: WebServer;
let admin: WorkloadTestCluster;
let namespace: string;

before(async () => {
  const env = await ensureTestbed();
  admin = new WorkloadTestCluster(env.kubeconfig);
  namespace = await admin.namespace('workloads-api');
  await admin.deployment(namespace, 'web', 'nginx:1.25.3', { container: 'web' });
  await admin.grantWorkloadGuard('restricted', namespace);
  directory = mkdtempSync(join(tmpdir(), 'workloads-api-'));
  const report = {
    ArtifactName: 'nginx:1.25.3',
    Results: [
      {
        Target: 'nginx',
        Vulnerabilities: [NGINX_QUIC_VULNERABILITY],
      },
    ],
  };
  writeFileSync(join(directory, 'nginx.json'), JSON.stringify(report));
  runtime = await openRuntime(
    defaultConfig({
      'database.path': join(directory, 'agent.db'),
      'audit.path': join(directory, 'audit.jsonl'),
      'blocking.blocker': 'traefik-file',
      'blocking.traefik_file.path': join(directory, 'denylist.yaml'),
      'web.listen': '127.0.0.1:0',
      'kubernetes.kubeconfig': env.kubeconfigRestricted,
      'workloads.namespaces': [namespace],
      'workloads.vulnerabilities.operator': false,
      'workloads.vulnerabilities.report_files': [join(directory, 'nginx.json')],
    }),
  );
  server = await startWebServer({
    runtime,
    listen: runtime.config.web.listen,
    token: TOKEN,
  });
});

after(async () => {
  await server?.close();
  runtime?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(new URL(path, server.url), {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json', 'x-requested-with': 'devops-agent' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

test('list, refuse a stale plan hash, approve and apply through the review API', { timeout: 60_000 }, async () => {
  const checks = await runWorkloadChecks({ config: runtime.config, store: runtime.store });
  const plan = checks.findings.find((finding) => finding.plan)?.plan;
  assert.ok(plan, JSON.stringify(checks.findings));
  const id = plan.remediationId!;

  const unauthenticated = await fetch(new URL('/api/workloads/remediations', server.url));
  assert.equal(unauthenticated.status, 401);
  const list = await call('GET', '/api/workloads/remediations?status=pending');
  assert.equal(list.status, 200);
  const { remediations } = (await list.json()) as { remediations: Array<{ id: number; targetImage: string }> };
  assert.deepEqual(
    remediations.map((entry) => [entry.id, entry.targetImage]),
    [[id, 'nginx:1.25.4']],
  );
  assert.equal((await call('GET', '/api/workloads/remediations?status=bogus')).status, 400);

  const wrongHash = await call('POST', `/api/workloads/remediations/${id}/approve`, { planHash: '0'.repeat(16) });
  assert.equal(wrongHash.status, 409);
  assert.equal(((await wrongHash.json()) as { status: string }).status, 'hash_mismatch');
  const approved = await call('POST', `/api/workloads/remediations/${id}/approve`, {
    planHash: plan.planHash,
    by: 'carol',
  });
  assert.equal(approved.status, 200, await approved.clone().text());
  const decision = (await approved.json()) as { status: string; remediation: { decidedBy: string } };
  assert.equal(decision.status, 'applied');
  assert.equal(decision.remediation.decidedBy, 'web (carol)');
  const live = await admin.getDeployment(namespace, 'web');
  const spec = live.spec as { template: { spec: { containers: Array<{ image: string }> } } };
  assert.equal(spec.template.spec.containers[0].image, 'nginx:1.25.4');

  const again = await call('POST', `/api/workloads/remediations/${id}/reject`, {
    planHash: plan.planHash,
    reason: 'late',
  });
  assert.equal(again.status, 409);
  const one = await call('GET', `/api/workloads/remediations/${id}`);
  assert.equal(((await one.json()) as { remediation: { status: string } }).remediation.status, 'applied');
  assert.equal((await call('GET', '/api/workloads/remediations/987654')).status, 404);
});
