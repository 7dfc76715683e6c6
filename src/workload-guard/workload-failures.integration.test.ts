// Every pod and rollout failure class on the testbed's real kube-apiserver: pods created with the containers of
// __fixtures__/pod-failures.yaml, their statuses written through the status subresource as the kubelet would, the
// controllers' conditions written on Deployments and ReplicaSets; then the workload guard lists and judges them.
// A second part runs the whole scan with real Trivy report shapes: a moving tag matched by the digest the pod
// reports, a plan to a newer base proven by its own scan (server dry run), and a rebuild for a distribution tag.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { defaultConfig } from '../config/load-config.ts';
import { openStore, type Store } from '../store/store.ts';
import { detectHealthProblems } from './pod-health.ts';
import { reportFileChecksConfig, WorkloadTestCluster } from './testing/workload-test-cluster.ts';
import { runWorkloadChecks } from './workload-checks.ts';
import { WorkloadCluster } from './workload-cluster.ts';
import type { WorkloadFinding } from './workload-finding.ts';

interface PodCase {
  name: string;
  bare?: boolean;
  expect: string;
  cause?: string;
  status: Record<string, unknown> & {
    containerStatuses?: Array<{ name: string; image: string }>;
    initContainerStatuses?: Array<{ name: string; image: string }>;
  };
}

const fixtureUrl = (name: string) => new URL(`./__fixtures__/${name}`, import.meta.url);
const FIXTURE_NOW = Date.parse('2026-11-22T01:00:00Z');
const ALPINE_310_DIGEST = 'sha256:451eee8bedcb2f029756dc3e9d73bab0e7943c1ac55cff3a4861c52a0fdd3e98';

/** The fixtures' times are relative to FIXTURE_NOW: move them so that "40 minutes ago" is true today. */
function shiftTimes<T>(value: T, offset: number): T {
  return JSON.parse(JSON.stringify(value), (_key, item) =>
    typeof item === 'string' && /^2026-11-2\dT\d\d:\d\d:\d\dZ$/.test(item)
      ? new Date(Date.parse(item) + offset).toISOString().replace(/\.\d{3}Z$/, 'Z')
      : item,
  ) as T;
}

describe('pod and rollout failures on a real kube-apiserver', { timeout: 120_000 }, () => {
  let admin: WorkloadTestCluster;
  let kubeconfig: string;
  let namespace: string;
  let findings: WorkloadFinding[];
  const cases = parse(readFileSync(fixtureUrl('pod-failures.yaml'), 'utf8')) as PodCase[];

  before(async () => {
    const env = await ensureTestbed();
    kubeconfig = env.kubeconfig;
    admin = new WorkloadTestCluster(kubeconfig);
    namespace = await admin.namespace('failures');
    const offset = Date.now() - FIXTURE_NOW;
    const api = await admin.deployment(namespace, 'api', 'ghcr.io/shop/api:2.4.0', { pods: 0 });
    const replicaSet = await admin.request(
      'GET',
      `/apis/apps/v1/namespaces/${namespace}/replicasets/${api.replicaSet}`,
    );
    for (const entry of cases) {
      const containers = (entry.status.containerStatuses ?? []).map(({ name, image }) => ({ name, image }));
      const initContainers = (entry.status.initContainerStatuses ?? []).map(({ name, image }) => ({ name, image }));
      await admin.request('POST', `/api/v1/namespaces/${namespace}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: entry.name,
          namespace,
          ...(entry.bare
            ? {}
            : {
                ownerReferences: [
                  {
                    apiVersion: 'apps/v1',
                    kind: 'ReplicaSet',
                    name: api.replicaSet,
                    uid: replicaSet.metadata!.uid,
                    controller: true,
                  },
                ],
              }),
        },
        spec: {
          restartPolicy: entry.bare ? 'Never' : 'Always',
          containers: containers.length > 0 ? containers : [{ name: 'app', image: 'ghcr.io/shop/api:2.4.0' }],
          ...(initContainers.length > 0 ? { initContainers } : {}),
        },
      });
      await admin.podStatus(namespace, entry.name, shiftTimes(entry.status, offset));
    }

    const rollouts = shiftTimes(
      parse(readFileSync(fixtureUrl('rollout-failures.yaml'), 'utf8')) as {
        deployments: Array<{ metadata: { name: string }; status: Record<string, unknown> }>;
        replicaSets: Array<{ metadata: { name: string }; status: Record<string, unknown> }>;
      },
      offset,
    );
    for (const deployment of rollouts.deployments) {
      const created = await admin.deployment(namespace, deployment.metadata.name, 'ghcr.io/shop/api:2.5.0', {
        pods: 0,
      });
      await admin.deploymentStatus(namespace, deployment.metadata.name, deployment.status);
      const [quotaReplicaSet] = rollouts.replicaSets;
      if (deployment.metadata.name === 'quota') {
        await admin.request(
          'PATCH',
          `/apis/apps/v1/namespaces/${namespace}/replicasets/${created.replicaSet}/status`,
          { status: quotaReplicaSet.status },
          'application/merge-patch+json',
        );
      }
    }
    const orphan = rollouts.replicaSets[1];
    await admin.request('POST', `/apis/apps/v1/namespaces/${namespace}/replicasets`, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: orphan.metadata.name, namespace },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'orphan' } },
        template: {
          metadata: { labels: { app: 'orphan' } },
          spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] },
        },
      },
    });
    await admin.request(
      'PATCH',
      `/apis/apps/v1/namespaces/${namespace}/replicasets/${orphan.metadata.name}/status`,
      { status: orphan.status },
      'application/merge-patch+json',
    );

    const cluster = WorkloadCluster.fromConfig(defaultConfig({ 'kubernetes.kubeconfig': kubeconfig }));
    const inventory = await cluster.inventory([namespace]);
    findings = detectHealthProblems(inventory, { restartThreshold: 5, pendingTimeout: 600, notReadyTimeout: 300 });
    // Listed a page at a time (500 in the daemon): pages of one object read the same inventory.
    const paged = await cluster.inventory([namespace], 1);
    const names = (objects: Array<{ metadata?: { name?: string } }>) => objects.map((o) => o.metadata?.name).sort();
    for (const kind of ['pods', 'replicaSets', 'deployments'] as const)
      assert.deepEqual(names(paged[kind]), names(inventory[kind]), kind);
    assert.ok(inventory.pods.length > 1, 'more than one page of pods');
  });

  it('reports every failure class with its cause, read back from the API server', () => {
    for (const entry of cases.filter((item) => item.expect !== 'none')) {
      const workload = entry.bare ? entry.name : 'api';
      const mine = findings.filter(
        (finding) => finding.workload.name === workload && finding.pods?.includes(entry.name),
      );
      assert.deepEqual(
        mine.map((finding) => finding.kind).sort(),
        entry.expect.split(',').sort(),
        `${entry.name}: ${mine.map((finding) => finding.detail).join(' | ')}`,
      );
      if (entry.cause) {
        const cause = new RegExp(entry.cause);
        assert.ok(
          mine.some((finding) => cause.test(finding.detail)),
          `${entry.name}: no detail matches ${cause}`,
        );
      }
    }
  });

  it('never flags the healthy, just started and completed pods', () => {
    for (const entry of cases.filter((item) => item.expect === 'none')) {
      assert.deepEqual(
        findings.filter((finding) => finding.pods?.includes(entry.name)).map((finding) => finding.detail),
        [],
        entry.name,
      );
    }
  });

  it('names the stuck rollout and the ReplicaSets that cannot create pods', () => {
    const detail = (name: string, kind: string) =>
      findings.find((finding) => finding.workload.name === name && finding.kind === kind)?.detail ?? '';
    assert.match(
      detail('stuck', 'rollout-stuck'),
      /ProgressDeadlineExceeded: ReplicaSet "stuck-6d4cf56db6" has timed out/,
    );
    assert.match(
      detail('quota', 'replica-failure'),
      /FailedCreate: pods "quota-7b9f8d5c4-x2v9q" is forbidden: exceeded quota/,
    );
    assert.match(detail('orphan-rs', 'replica-failure'), /serviceaccount "worker" not found/);
    assert.deepEqual(
      findings.filter((finding) => finding.workload.name === 'healthy'),
      [],
    );
  });
});

describe('image plans from real Trivy report shapes on a real kube-apiserver', { timeout: 120_000 }, () => {
  let admin: WorkloadTestCluster;
  let namespace: string;
  let directory: string;
  let store: Store;

  before(async () => {
    admin = await WorkloadTestCluster.onTestbed();
    namespace = await admin.namespace('images');
    directory = mkdtempSync(join(tmpdir(), 'devops-agent-images-'));
    store = openStore(join(directory, 'agent.db'), join(directory, 'audit.jsonl'));
    // The spec names a mirror; only the digest the pod reports ties it to the alpine:3.10 scan.
    const base = await admin.deployment(namespace, 'base', `mirror.local/base/alpine:3.10@${ALPINE_310_DIGEST}`, {
      container: 'app',
    });
    await admin.podStatus(namespace, base.pods[0], {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          image: `mirror.local/base/alpine:3.10@${ALPINE_310_DIGEST}`,
          imageID: `docker.io/library/alpine@${ALPINE_310_DIGEST}`,
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: new Date().toISOString() } },
        },
      ],
    });
    await admin.deployment(namespace, 'legacy', 'debian:buster', { container: 'app' });
    await admin.deployment(namespace, 'pinned', `alpine:3.10@${ALPINE_310_DIGEST}`, { container: 'app' });
  });

  after(() => {
    store?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('plans a pinned newer base proven by its scan, and a rebuild where no tag is proven', async () => {
    const env = await ensureTestbed();
    const config = reportFileChecksConfig(env.kubeconfig, directory, namespace, [
      fixtureUrl('trivy-image-alpine-3.10.json').pathname,
      fixtureUrl('trivy-image-alpine-3.11.13.json').pathname,
      fixtureUrl('trivy-image-debian-buster.json').pathname,
    ]);
    const result = await runWorkloadChecks({ config, store }, { record: false });
    const vulnerable = (name: string) =>
      result.findings.find((finding) => finding.kind === 'vulnerabilities' && finding.workload.name === name);

    const mirror = vulnerable('base');
    assert.ok(mirror, 'the mirror image is matched to the alpine:3.10 scan by the digest its pod runs');
    assert.equal(mirror.plan, null, 'a tag of another repository than the spec names is never proposed');

    const pinned = vulnerable('pinned');
    assert.ok(pinned?.plan, pinned?.planError);
    assert.equal(
      pinned.plan.targetImage,
      'alpine:3.11.13@sha256:bcae378eacedab83da66079d9366c8f5df542d7ed9ab23bf487e3e1a8481375d',
    );
    assert.deepEqual(pinned.plan.fixes, ['CVE-2021-3711']);
    assert.deepEqual(pinned.plan.unfixed, ['CVE-2022-37434']);
    assert.match(pinned.plan.diff, /\+.*alpine:3\.11\.13@sha256:bcae378e/);

    const legacy = vulnerable('legacy');
    assert.ok(legacy);
    assert.equal(legacy.plan, null);
    assert.match(legacy.planError ?? '', /no version tag.*rebuild/);
    assert.match(
      legacy.advice?.join('\n') ?? '',
      /libssl1\.1 1\.1\.1n-0\+deb10u3 -> 1\.1\.1n-0\+deb10u4 \(debian 10\.13\).*apt-get/,
    );
  });
});
