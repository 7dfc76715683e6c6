import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { V1Deployment, V1Pod, V1PodStatus, V1ReplicaSet } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { detectHealthProblems } from './pod-health.ts';

interface PodCase {
  name: string;
  bare?: boolean;
  noCreationTimestamp?: boolean;
  expect: string;
  cause?: string;
  status: V1PodStatus;
}

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const cases = parse(fixture('pod-failures.yaml')) as PodCase[];
const rollouts = parse(fixture('rollout-failures.yaml')) as {
  deployments: V1Deployment[];
  replicaSets: V1ReplicaSet[];
};
const now = new Date('2026-11-22T01:00:00Z');
const thresholds = { restartThreshold: 5, pendingTimeout: 600, notReadyTimeout: 300 };
const replicaSet: V1ReplicaSet = {
  metadata: {
    name: 'api-5d8c9f6b4',
    namespace: 'shop',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: 'api-uid', controller: true }],
  },
};
const deployment: V1Deployment = { metadata: { name: 'api', namespace: 'shop', uid: 'api-uid' } };

function pod(entry: PodCase): V1Pod {
  return {
    metadata: {
      name: entry.name,
      namespace: 'shop',
      // Created recently: a Pending pod is reported for its cause, not for having waited long.
      ...(entry.noCreationTimestamp ? {} : { creationTimestamp: new Date('2026-11-22T00:58:00Z') }),
      ...(entry.bare
        ? {}
        : {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-5d8c9f6b4', uid: 'rs', controller: true },
            ],
          }),
    },
    status: entry.status,
  };
}

describe('every pod failure class from real status shapes is named with its cause', () => {
  for (const entry of cases) {
    it(`${entry.name}: ${entry.expect}`, () => {
      const findings = detectHealthProblems(
        { pods: [pod(entry)], replicaSets: [replicaSet], deployments: [deployment] },
        thresholds,
        now,
      );
      const expected = entry.expect === 'none' ? [] : entry.expect.split(',').sort();
      assert.deepEqual(
        findings.map((finding) => finding.kind).sort(),
        expected,
        findings.map((finding) => finding.detail).join('\n'),
      );
      if (entry.cause) {
        const cause = new RegExp(entry.cause);
        assert.ok(
          findings.some((finding) => cause.test(finding.detail)),
          `no detail matches ${cause}: ${findings.map((finding) => finding.detail).join(' | ')}`,
        );
      }
      const workload = entry.bare ? { kind: 'Pod', name: entry.name } : { kind: 'Deployment', name: 'api' };
      for (const finding of findings) assert.deepEqual(finding.workload, { namespace: 'shop', ...workload });
    });
  }

  it('a pod with every container healthy across all fixtures is never flagged, even long after the timeouts', () => {
    const healthy = cases.filter((entry) => entry.expect === 'none' && entry.name !== 'just-started').map(pod);
    const later = new Date('2026-11-23T00:00:00Z');
    assert.deepEqual(
      detectHealthProblems({ pods: healthy, replicaSets: [replicaSet], deployments: [deployment] }, thresholds, later),
      [],
    );
  });
});

describe('rollout failures from Deployment and ReplicaSet conditions', () => {
  const findings = detectHealthProblems({ pods: [], ...rollouts }, thresholds, now);
  const of = (name: string) => findings.filter((finding) => finding.workload.name === name);

  it('names a rollout past its progress deadline', () => {
    const stuck = of('stuck').find((finding) => finding.kind === 'rollout-stuck');
    assert.match(
      stuck?.detail ?? '',
      /ProgressDeadlineExceeded: ReplicaSet "stuck-6d4cf56db6" has timed out progressing/,
    );
  });
  it('names a ReplicaSet that cannot create pods once, on its Deployment, and an ownerless one on itself', () => {
    const quota = of('quota').filter((finding) => finding.kind === 'replica-failure');
    assert.equal(quota.length, 1);
    assert.equal(quota[0].workload.kind, 'Deployment');
    assert.match(quota[0].detail, /FailedCreate: pods "quota-7b9f8d5c4-x2v9q" is forbidden: exceeded quota/);
    const orphan = of('orphan-rs');
    assert.equal(orphan[0]?.kind, 'replica-failure');
    assert.match(orphan[0].detail, /serviceaccount "worker" not found/);
  });
  it('leaves the healthy Deployment alone', () => {
    assert.deepEqual(of('healthy'), []);
  });
  it('says what a ReplicaFailure stops: creating pods, deleting them, or a reason named as it stands (k8sgpt states)', () => {
    const replicaSets = parse(fixture('k8sgpt/replicasets.yaml')) as V1ReplicaSet[];
    const details = detectHealthProblems({ pods: [], replicaSets, deployments: [] }, thresholds, now).map(
      (finding) => `${finding.kind} ${finding.workload.name}: ${finding.detail}`,
    );
    assert.deepEqual(details, [
      'replica-failure ReplicaSet1: cannot create pods: FailedCreate: failed to create test replica set 1',
      'replica-failure ReplicaSet3: replica failure: RandomError',
      'replica-failure scale-down-blocked: cannot delete pods: FailedDelete: admission webhook "pods.guard.example" denied the request: pod deletion is frozen',
    ]);
  });
});
