import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ContainerStatus, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { detectHealthProblems } from './pod-health.ts';

const namespace = 'shop';
const deployment: V1Deployment = {
  metadata: { name: 'web', namespace, uid: 'deploy-uid' },
  spec: { replicas: 3, selector: {}, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.25.3' }] } } },
  status: { replicas: 3, availableReplicas: 1, unavailableReplicas: 2 },
};
const replicaSet: V1ReplicaSet = {
  metadata: {
    name: 'web-5d8c9f6b4',
    namespace,
    uid: 'rs-uid',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'deploy-uid', controller: true }],
  },
  spec: { selector: {} },
};

function pod(name: string, statuses: V1ContainerStatus[], extra: Partial<V1Pod['status']> = {}, created?: Date): V1Pod {
  return {
    metadata: {
      name,
      namespace,
      creationTimestamp: created ?? new Date('2026-11-22T00:00:00Z'),
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8c9f6b4', uid: 'rs-uid', controller: true },
      ],
    },
    status: { phase: 'Running', containerStatuses: statuses, ...extra },
  };
}

const status = (state: Partial<V1ContainerStatus>): V1ContainerStatus => ({
  name: 'web',
  image: 'nginx:1.25.3',
  imageID: '',
  ready: false,
  restartCount: 0,
  ...state,
});

describe('detectHealthProblems', () => {
  const now = new Date('2026-11-22T01:00:00Z');
  const findings = detectHealthProblems(
    {
      deployments: [deployment],
      replicaSets: [replicaSet],
      pods: [
        pod('web-a', [
          status({ restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } } }),
        ]),
        pod('web-b', [status({ restartCount: 9, state: { waiting: { reason: 'CrashLoopBackOff' } } })]),
        pod('web-c', [status({ state: { waiting: { reason: 'ImagePullBackOff', message: 'not found' } } })]),
        pod('web-d', [status({ restartCount: 1, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } })]),
        pod('web-e', [status({ restartCount: 6, ready: true, state: { running: {} } })]),
        pod('web-f', [], {
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes available' },
          ],
        }),
        pod('web-g', [], { phase: 'Pending' }, new Date('2026-11-22T00:59:00Z')),
        pod('web-h', [status({ restartCount: 0, ready: true, state: { running: {} } })]),
      ],
    },
    { restartThreshold: 5, pendingTimeout: 600 },
    now,
  );
  const byKind = new Map(findings.map((finding) => [finding.kind, finding]));

  it('reports each failure state once, resolved to the owning Deployment', () => {
    assert.deepEqual([...byKind.keys()].sort(), [
      'crash-loop',
      'image-pull',
      'oom-killed',
      'pending',
      'restarts',
      'unavailable-replicas',
    ]);
    for (const finding of findings) assert.deepEqual(finding.workload, { namespace, kind: 'Deployment', name: 'web' });
  });
  it('groups pods and keeps the useful detail', () => {
    assert.deepEqual(byKind.get('crash-loop')?.pods, ['web-a', 'web-b']);
    assert.match(byKind.get('crash-loop')!.detail, /CrashLoopBackOff: back-off 5m0s.*in 2 pods; 9 restarts/);
    assert.match(byKind.get('image-pull')!.detail, /ImagePullBackOff: not found/);
    assert.equal(byKind.get('restarts')?.pods?.join(), 'web-e');
    assert.match(byKind.get('pending')!.detail, /Pending for 60m \(Unschedulable: 0\/3 nodes available\)/);
    assert.equal(byKind.get('pending')?.pods?.join(), 'web-f', 'a pod pending for one minute is not reported');
    assert.equal(byKind.get('unavailable-replicas')?.detail, '2 of 3 replicas unavailable (1 available)');
  });
  it("an init container's restarts count while it has not completed, not once it has", () => {
    const init = (restartCount: number, state: V1ContainerStatus['state']) =>
      pod(
        `web-init-${restartCount}-${Object.keys(state ?? {})[0]}`,
        [status({ ready: true, state: { running: {} } })],
        {
          initContainerStatuses: [{ ...status({ restartCount, state }), name: 'wait-for-db' }],
        },
      );
    const found = detectHealthProblems(
      {
        deployments: [],
        replicaSets: [replicaSet],
        pods: [
          // completed after 6 runs (a database that came up late, a node restart): the pod runs
          init(6, { terminated: { exitCode: 0, reason: 'Completed' } }),
          // running its 7th attempt: still failing to get there
          init(7, { running: {} }),
        ],
      },
      { restartThreshold: 5, pendingTimeout: 600 },
      now,
    );
    assert.deepEqual(
      found.map((finding) => [finding.kind, finding.pods]),
      [['restarts', ['web-init-7-running']]],
    );
  });
  it('leaves a pod whose ReplicaSet is unknown attached to the ReplicaSet', () => {
    const [finding] = detectHealthProblems(
      {
        deployments: [],
        replicaSets: [],
        pods: [pod('x', [status({ state: { waiting: { reason: 'ErrImagePull' } } })])],
      },
      { restartThreshold: 5, pendingTimeout: 600 },
      now,
    );
    assert.deepEqual(finding.workload, { namespace, kind: 'ReplicaSet', name: 'web-5d8c9f6b4' });
  });
});
