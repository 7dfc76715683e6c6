import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { detectHealthProblems } from './pod-health.ts';

/**
 * Pods and Deployments captured from real clusters by HolmesGPT's LLM tests (__fixtures__/holmesgpt/README.md), each
 * with what the test says is wrong. The cause the guard names must match what the objects show; a workload the test
 * calls healthy (or whose fault is outside what a status shows) must not be flagged.
 */
interface HolmesCase {
  file: string;
  upstream: string;
  /** Finding kinds, sorted; empty for none. */
  kinds: string[];
  cause?: RegExp;
  now: string;
}

const cases: HolmesCase[] = [
  {
    file: '11_init_containers',
    upstream: 'the command `wge` is not found (a typo for wget)',
    kinds: ['crash-loop'],
    cause:
      /init container downloader: CrashLoopBackOff \(last run exited with code 128 \(StartError\): .*exec: "wge": executable file not found in \$PATH\)/,
    now: '2025-09-26T10:43:00Z',
  },
  {
    file: '158_slack_chat_correct_date',
    upstream: 'a CPU-throttling alert on a stress pod that crash-loops (the test checks the date)',
    kinds: ['crash-loop'],
    cause: /container stress: CrashLoopBackOff \(last run exited with code 255 \(Error\)\).* 7 restarts/,
    now: '2025-08-23T13:02:00Z',
  },
  {
    file: '22_high_latency_dbi_down',
    upstream: 'high latency because the database is stopped (app logs); the pod itself is running and ready',
    kinds: [],
    now: '2025-06-13T07:30:00Z',
  },
  { file: '05_image_version', upstream: 'healthy (image version question)', kinds: [], now: '2024-11-04T10:00:00Z' },
  {
    file: '45_fetch_deployment_logs_simple',
    upstream: 'nginx is running without issues',
    kinds: [],
    now: '2025-07-07T12:00:00Z',
  },
  {
    file: '03_cpu_throttling',
    upstream: '100% CPU throttling (a metric, not a status): the pod runs and is ready',
    kinds: [],
    now: '2025-06-05T12:00:00Z',
  },
  {
    file: '19_detect_missing_app_details',
    upstream: 'db-certs-authenticator crash-loops (its pod was not captured)',
    kinds: ['unavailable-replicas'],
    cause: /1 of 1 replicas unavailable \(0 available\)/,
    now: '2025-09-26T11:10:00Z',
  },
  {
    file: '10_KubeDeploymentReplicasMismatch',
    upstream: 'insufficient GPU resources (the Pending pod was not captured)',
    kinds: ['rollout-stuck', 'unavailable-replicas'],
    cause: /ProgressDeadlineExceeded: ReplicaSet "user-profile-resources-659d4dd659" has timed out progressing/,
    now: '2025-06-03T12:30:00Z',
  },
];

const thresholds = { restartThreshold: 5, pendingTimeout: 600, notReadyTimeout: 300 };
const load = (file: string) =>
  parse(readFileSync(new URL(`./__fixtures__/holmesgpt/${file}.yaml`, import.meta.url), 'utf8')) as V1Pod &
    V1Deployment;

function inventoryOf(object: V1Pod | V1Deployment) {
  return object.kind === 'Pod'
    ? { pods: [object as V1Pod], replicaSets: [], deployments: [] }
    : { pods: [], replicaSets: [], deployments: [object as V1Deployment] };
}

describe('HolmesGPT real-cluster objects: the problem and its cause, and nothing on healthy ones', () => {
  for (const entry of cases) {
    it(`${entry.file}: ${entry.upstream}`, () => {
      const findings = detectHealthProblems(inventoryOf(load(entry.file)), thresholds, new Date(entry.now));
      assert.deepEqual(
        findings.map((finding) => finding.kind).sort(),
        entry.kinds,
        findings.map((finding) => finding.detail).join('\n'),
      );
      if (entry.cause)
        assert.ok(
          findings.some((finding) => entry.cause!.test(finding.detail)),
          findings[0]?.detail,
        );
    });
  }
});

describe('a container the runtime lost (exit 255, Unknown) after a node or containerd restart', () => {
  const now = new Date('2025-06-13T07:30:00Z');
  const lost = load('22_high_latency_dbi_down') as V1Pod;

  it('does not count its restarts as the program failing, whatever the count', () => {
    const pod = structuredClone(lost);
    for (const status of pod.status!.containerStatuses!) status.restartCount = 40;
    assert.deepEqual(detectHealthProblems(inventoryOf(pod), thresholds, now), []);
  });

  it('still reports restarts whose last run the program ended itself, exit 255 included', () => {
    const pod = structuredClone(lost);
    pod.status!.containerStatuses![0]!.lastState!.terminated!.reason = 'Error';
    const findings = detectHealthProblems(inventoryOf(pod), thresholds, now);
    assert.deepEqual(
      findings.map((finding) => `${finding.kind} ${finding.container}`),
      ['restarts curl-sidecar'],
    );
    assert.match(findings[0]!.detail, /9 restarts \(last run exited with code 255 \(Error\)\)/);
  });

  it('names the lost run, not an exit of the program, when the container then crash-loops', () => {
    const pod = structuredClone(lost);
    const status = pod.status!.containerStatuses![1]!;
    status.ready = false;
    status.state = { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' } };
    const [finding] = detectHealthProblems(inventoryOf(pod), thresholds, now);
    assert.equal(finding?.kind, 'crash-loop');
    assert.match(
      finding!.detail,
      /CrashLoopBackOff \(last run lost by the container runtime \(exit code 255, Unknown: its node or containerd restarted\)\)/,
    );
  });
});
