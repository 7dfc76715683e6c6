// workloads.events on the testbed's real kube-apiserver, as the restricted user: without the optional events Role the
// scan goes on and says what to bind; with deploy/kubernetes/workload-guard-events-rbac.yaml bound, Warning Events
// name causes the pod status does not carry (a missing ConfigMap volume, a failing readiness probe).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { defaultConfig } from '../config/load-config.ts';
import { openStore, type Store } from '../store/store.ts';
import { containerStatus, manifests, WorkloadTestCluster } from './testing/workload-test-cluster.ts';
import { runWorkloadChecks } from './workload-checks.ts';

const EVENTS_RBAC = new URL('../../deploy/kubernetes/workload-guard-events-rbac.yaml', import.meta.url);

describe('pod Warning Events, opt-in, read-only', { timeout: 120_000 }, () => {
  let admin: WorkloadTestCluster;
  let namespace: string;
  let directory: string;
  let store: Store;
  let restrictedKubeconfig: string;

  const event = (name: string, pod: string, reason: string, text: string, count: number) =>
    admin.podEvent(namespace, name, pod, reason, text, {
      count,
      firstTimestamp: new Date(Date.now() - 120_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  const scan = () =>
    runWorkloadChecks(
      {
        config: defaultConfig({
          'kubernetes.kubeconfig': restrictedKubeconfig,
          'kubernetes.request_attempts': 1,
          'database.path': join(directory, 'agent.db'),
          'workloads.namespaces': [namespace],
          'workloads.events': true,
          'workloads.vulnerabilities.operator': false,
        }),
        store,
      },
      { record: false },
    );

  before(async () => {
    const env = await ensureTestbed();
    restrictedKubeconfig = env.kubeconfigRestricted;
    admin = new WorkloadTestCluster(env.kubeconfig);
    namespace = await admin.namespace('events');
    directory = mkdtempSync(join(tmpdir(), 'devops-agent-events-'));
    store = openStore(join(directory, 'agent.db'), join(directory, 'audit.jsonl'));
    const web = await admin.deployment(namespace, 'web', 'nginx:1.25.3', { pods: 2 });
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    // A pod stuck creating its container (a minute old: before the pending timeout), and one just started, unready.
    await admin.podStatus(namespace, web.pods[0], {
      phase: 'Pending',
      containerStatuses: [
        containerStatus('app', 'nginx:1.25.3', { state: { waiting: { reason: 'ContainerCreating' } } }),
      ],
    });
    await admin.podStatus(namespace, web.pods[1], {
      phase: 'Running',
      conditions: [{ type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now }],
      containerStatuses: [containerStatus('app', 'nginx:1.25.3', { state: { running: { startedAt: now } } })],
    });
    await event(
      'mount',
      web.pods[0],
      'FailedMount',
      'MountVolume.SetUp failed for volume "config" : configmap "web-config" not found',
      7,
    );
    await event(
      'probe',
      web.pods[1],
      'Unhealthy',
      'Readiness probe failed: HTTP probe failed with statuscode: 503',
      12,
    );
    await admin.grantWorkloadGuard('restricted', namespace);
  });

  after(() => {
    store?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('without the events Role: the scan goes on and names the file to bind', async () => {
    const result = await scan();
    assert.match(
      result.notes.join('\n'),
      /workloads\.events: cannot list events .*forbidden.*workload-guard-events-rbac\.yaml/,
    );
    assert.deepEqual(result.findings, [], 'nothing in the pod statuses alone is reportable yet');
  });

  it('with it bound: the events name the missing ConfigMap and the failing probe', async () => {
    for (const manifest of manifests(EVENTS_RBAC)) {
      const metadata = { ...manifest.metadata, namespace };
      const plural = manifest.kind === 'Role' ? 'roles' : 'rolebindings';
      await admin.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/${plural}`, {
        ...manifest,
        metadata,
        ...(manifest.kind === 'RoleBinding'
          ? { subjects: [{ kind: 'User', name: 'restricted', apiGroup: 'rbac.authorization.k8s.io' }] }
          : {}),
      });
    }
    const result = await scan();
    assert.deepEqual(result.notes, []);
    const detail = (kind: string) => result.findings.find((finding) => finding.kind === kind)?.detail ?? '';
    assert.match(
      detail('pending'),
      /event FailedMount: MountVolume.SetUp failed for volume "config" : configmap "web-config" not found \(x7\)/,
    );
    assert.match(
      detail('not-ready'),
      /event Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503 \(x12\)/,
    );
  });
});
