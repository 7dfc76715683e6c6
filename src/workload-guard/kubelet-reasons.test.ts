// The reasons real kubelets and controllers write in pod and container statuses, and the event reasons the workload
// guard reads, one pod per reason (fixtures and upstream files in __fixtures__/kubelet-reasons/README.md): for each,
// what a site reliability engineer expects us to report, and the cases we still read differently, with why.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { CoreV1Event, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { applyPodEvents } from './pod-events.ts';
import { detectHealthProblems, OwnerResolver } from './pod-health.ts';
import type { WorkloadFinding } from './workload-finding.ts';

interface ReasonCase {
  reason: string;
  upstream: string;
  /** `kind/SEVERITY` of every finding expected; empty for a healthy pod. */
  expect: string[];
  cause?: string;
  notCause?: string;
  /** Why we read this reason differently today. */
  known?: string;
  pod: V1Pod;
  events?: CoreV1Event[];
}

const fixture = (name: string) =>
  parse(readFileSync(new URL(`./__fixtures__/kubelet-reasons/${name}`, import.meta.url), 'utf8')) as ReasonCase[];
const podCases = fixture('pods.yaml');
const eventCases = fixture('events.yaml');

const now = new Date('2026-11-22T01:00:00Z');
const thresholds = { restartThreshold: 5, pendingTimeout: 600, notReadyTimeout: 300 };
const deployment: V1Deployment = { metadata: { name: 'api', namespace: 'shop', uid: 'api-uid' } };
const replicaSet: V1ReplicaSet = {
  metadata: {
    name: 'api-5d8c9f6b4',
    namespace: 'shop',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: 'api-uid', controller: true }],
  },
};

/** A pod of the fixture, owned by the api Deployment's ReplicaSet unless it names its own owner. */
function owned(pod: V1Pod): V1Pod {
  if (pod.metadata?.ownerReferences || !pod.metadata?.name?.startsWith('api-5d8c9f6b4-')) return pod;
  const ownerReferences = [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-5d8c9f6b4', uid: 'rs-uid', controller: true },
  ];
  return { ...pod, metadata: { ...pod.metadata, ownerReferences } };
}

function findingsOf(entry: ReasonCase): WorkloadFinding[] {
  const pod = owned(entry.pod);
  const inventory = { pods: [pod], replicaSets: [replicaSet], deployments: [deployment] };
  const findings = detectHealthProblems(inventory, thresholds, now);
  if (!entry.events) return findings;
  return applyPodEvents(findings, [pod], entry.events, new OwnerResolver(inventory));
}

/** Why a case's findings differ from what is expected; empty when they agree. */
function disagreement(entry: ReasonCase, findings: WorkloadFinding[]): string[] {
  const problems: string[] = [];
  const got = findings.map((finding) => `${finding.kind}/${finding.severity}`).sort();
  const want = [...entry.expect].sort();
  if (got.join(',') !== want.join(',')) problems.push(`found [${got.join(', ')}], expected [${want.join(', ')}]`);
  const details = findings.map((finding) => finding.detail);
  if (entry.cause && !details.some((detail) => new RegExp(entry.cause!).test(detail))) {
    problems.push(`no detail matches /${entry.cause}/`);
  }
  if (entry.notCause && details.some((detail) => new RegExp(entry.notCause!).test(detail))) {
    problems.push(`a detail matches /${entry.notCause}/`);
  }
  return problems;
}

function measure(name: string, cases: ReasonCase[]) {
  describe(name, () => {
    for (const entry of cases) {
      it(`${entry.reason} (${entry.upstream}): ${entry.expect.join(', ') || 'healthy'}`, () => {
        const findings = findingsOf(entry);
        const problems = disagreement(entry, findings);
        const shown = findings.map((finding) => `${finding.kind}/${finding.severity}: ${finding.detail}`).join('\n');
        if (entry.known) {
          assert.notDeepEqual(problems, [], `now read as expected: remove its known mark (${entry.known})\n${shown}`);
        } else {
          assert.deepEqual(problems, [], shown);
        }
      });
    }
    it('agreement', (context) => {
      const agreed = cases.filter((entry) => disagreement(entry, findingsOf(entry)).length === 0).length;
      const known = cases.filter((entry) => entry.known);
      context.diagnostic(`${agreed} of ${cases.length} read as expected`);
      for (const entry of known) context.diagnostic(`known difference: ${entry.reason}: ${entry.known}`);
      assert.equal(agreed, cases.length - known.length);
    });
  });
}

measure('container and pod status reasons the kubelet and controllers write', podCases);
measure('event reasons the workload guard reads', eventCases);

it('the fixture has one case per reason', () => {
  const reasons = [...podCases, ...eventCases].map((entry) => entry.reason);
  assert.deepEqual(reasons, [...new Set(reasons)]);
});
