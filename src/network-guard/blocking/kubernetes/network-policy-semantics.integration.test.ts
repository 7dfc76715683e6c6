// What our NetworkPolicy blocks mean under real NetworkPolicy semantics. The testbed's kube-apiserver has no CNI, so
// the objects our blocker writes (read back from the API server, as stored) go with the cluster's own policies to
// testbed/netpol, which decides each traffic case with cyclonus' matcher (SIG Network's NetworkPolicy model).
// The truth table: after a block the blocked address is denied to Traefik, and every other case (other addresses,
// pods, DNS, Traefik's own traffic) is decided as it was before the block; after unblock everything is as before.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { netpolVerdictBin } from '../../../../testbed/testbed-env.ts';
import { judgeTraffic, type TrafficCase, type TrafficVerdict } from '../../testing/netpol-verdict.ts';
import { eventually, type KubeTestCluster, loadManifests } from './kube-test-cluster.ts';
import { FIXTURES, request, setUpFixture, traefikCrdCluster } from './kube-test-settings.ts';
import type { KubernetesBlocker } from './kubernetes-blocker.ts';

let admin: KubeTestCluster;
let restricted: string;
let verdictBin: string;

before(async () => {
  ({ admin, restricted } = await traefikCrdCluster());
  verdictBin = await netpolVerdictBin();
});

const BLOCKED_V4 = '198.51.100.23';
const BLOCKED_V6 = '2001:db8:77::5';

interface Blocked {
  v4: string;
  v6: string;
}

/** Traefik's container ports as the Helm chart names them (named-port rules match the name, not the number). */
const TRAEFIK_PORTS: [number, string?][] = [
  [8000, 'web'],
  [8443, 'websecure'],
  [9000, 'traefik'],
  [9100, 'metrics'],
  [80],
  [443],
  [5000, 'api-port'],
  [6379],
  [10250],
];

/** Traefik (the pod of the fixtures) at 10.42.0.10, its neighbours, and traffic to and from it. */
function trafficCases(namespace: string, blocked: Blocked = { v4: BLOCKED_V4, v6: BLOCKED_V6 }): TrafficCase[] {
  const traefik = {
    ip: '10.42.0.10',
    namespace,
    labels: {
      'app.kubernetes.io/name': 'traefik',
      'app.kubernetes.io/instance': `traefik-${namespace}`,
      'pod-template-hash': '7d9f8',
    },
  };
  const coreDns = { ip: '10.42.0.2', namespace, labels: { 'k8s-app': 'kube-dns' } };
  const metricsServer = { ip: '10.42.0.20', namespace, labels: { 'k8s-app': 'metrics-server' } };
  const prometheus = { ip: '10.42.1.5', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
  const monitoring = { ip: '10.42.0.30', namespace, labels: { role: 'monitoring' } };
  const whoami = { ip: '10.42.2.7', namespace: 'apps', labels: { app: 'whoami' } };
  const toTraefik = (name: string, ip: string, port: number, portName?: string): TrafficCase => ({
    name,
    source: { ip },
    destination: traefik,
    port,
    ...(portName ? { portName } : {}),
  });
  // A blocked address must be denied on every port and protocol a rule may open, not only the one it was seen on.
  const everyPort = (label: string, ip: string): TrafficCase[] => [
    ...TRAEFIK_PORTS.map(([port, portName]) =>
      toTraefik(`${label} ${ip} -> traefik:${port}${portName ? ` (${portName})` : ''}`, ip, port, portName),
    ),
    { ...toTraefik(`${label} ${ip} -> traefik:53/UDP`, ip, 53), protocol: 'UDP' },
  ];
  return [
    ...everyPort('blocked', blocked.v4),
    ...everyPort('blocked', blocked.v6),
    toTraefik('neighbour 198.51.100.24 -> traefik:8443', '198.51.100.24', 8443, 'websecure'),
    ...everyPort('other', '203.0.113.50'),
    toTraefik('other 20.0.0.8 -> traefik:8443', '20.0.0.8', 8443, 'websecure'),
    toTraefik('docker bridge 172.17.0.5 -> traefik:6379', '172.17.0.5', 6379),
    toTraefik('hand-blocked 192.0.2.5 -> traefik:8443', '192.0.2.5', 8443, 'websecure'),
    toTraefik('neighbour 2001:db8:77::6 -> traefik:8443', '2001:db8:77::6', 8443, 'websecure'),
    { ...toTraefik('neighbour 2001:db8:77::6 -> traefik:53/UDP', '2001:db8:77::6', 53), protocol: 'UDP' },
    toTraefik('node 10.0.0.11 (kubelet probe) -> traefik:9000', '10.0.0.11', 9000, 'traefik'),
    { name: 'prometheus (monitoring) -> traefik:9100', source: prometheus, destination: traefik, port: 9100 },
    {
      name: 'role=monitoring pod -> traefik:5000 (api-port)',
      source: monitoring,
      destination: traefik,
      port: 5000,
      portName: 'api-port',
    },
    {
      name: 'metrics-server (same namespace) -> traefik:8443',
      source: metricsServer,
      destination: traefik,
      port: 8443,
      portName: 'websecure',
    },
    { name: 'traefik -> whoami (apps):80', source: traefik, destination: whoami, port: 80 },
    { name: 'traefik -> kube-dns:53/UDP', source: traefik, destination: coreDns, port: 53, protocol: 'UDP' },
    { name: 'traefik -> 10.0.0.5:5978 (outside)', source: traefik, destination: { ip: '10.0.0.5' }, port: 5978 },
    { name: 'traefik -> 203.0.113.9:443 (outside)', source: traefik, destination: { ip: '203.0.113.9' }, port: 443 },
    { name: 'whoami (apps) -> kube-dns:53/UDP', source: whoami, destination: coreDns, port: 53, protocol: 'UDP' },
    { name: 'metrics-server -> kube-dns:53/TCP', source: metricsServer, destination: coreDns, port: 53 },
    { name: `${blocked.v4} -> whoami (apps):80`, source: { ip: blocked.v4 }, destination: whoami, port: 80 },
  ];
}

/** The NetworkPolicies of the namespace as the API server stores them (the cluster's, then ours). */
async function storedPolicies(namespace: string, names: readonly string[]): Promise<unknown[]> {
  const objects = await Promise.all(
    names.map((name) => admin.get('networking.k8s.io/v1', 'NetworkPolicy', namespace, name)),
  );
  return objects.filter((object) => object !== undefined);
}

interface Step {
  action: 'block' | 'unblock';
  target: string;
}

interface Measurement {
  step: string;
  outcome: string;
  /** Cases decided as the truth table demands / all cases. */
  passing: number;
  total: number;
  failures: string[];
}

/**
 * Runs `steps` through the real blocker (as the restricted user) in a fresh namespace holding `fixture` and the
 * cluster policies of `clusterPolicies`, judging every case after each step against the verdicts before any block.
 * An address counts as blocked when the blocker said so (`applied` or `unchanged`): a block it reports must hold.
 */
async function measure(
  fixture: string,
  clusterPolicies: string | undefined,
  steps: readonly Step[],
  blockedAddresses?: Blocked,
) {
  const { namespace, blocker } = await setUpFixture(admin, restricted, fixture);
  const manifests = [
    ...loadManifests(`${FIXTURES}${fixture}`, { NAMESPACE: namespace }),
    ...(clusterPolicies ? loadManifests(`${FIXTURES}${clusterPolicies}`, { NAMESPACE: namespace }) : []),
  ];
  if (clusterPolicies) await admin.apply(manifests.filter((object) => object.kind === 'NetworkPolicy'));
  const names = [
    ...manifests.filter((object) => object.kind === 'NetworkPolicy').map((object) => object.metadata?.name ?? ''),
    'devops-agent-blocklist',
  ];
  await eventually(() => blocker.inspect());
  const cases = trafficCases(namespace, blockedAddresses);
  const judge = async () => judgeTraffic(verdictBin, { policies: await storedPolicies(namespace, names), cases });
  const baseline = await judge();
  const egressBefore = await egressOf(namespace, names);
  const blocked = new Set<string>();
  const measurements: Measurement[] = [];
  for (const step of steps) {
    const outcome = await runStep(blocker, step);
    if (step.action === 'block' && (outcome.status === 'applied' || outcome.status === 'unchanged'))
      blocked.add(step.target);
    if (step.action === 'unblock' && outcome.status === 'applied') blocked.delete(step.target);
    const table = truthTable(cases, baseline, await judge(), blocked);
    const egressNow = await egressOf(namespace, names);
    for (const [name, egress] of egressBefore) {
      if (egressNow.get(name) !== egress) table.failures.push(`egress of ${name} changed: ${egressNow.get(name)}`);
    }
    measurements.push({
      step: `${step.action} ${step.target}`,
      outcome: `${outcome.status}${outcome.text ? `: ${outcome.text}` : ''}`,
      ...table,
    });
  }
  return { namespace, blocker, measurements };
}

/** `policyTypes` and `egress` of the cluster's policies as stored: a block must never touch them. */
async function egressOf(namespace: string, names: readonly string[]): Promise<Map<string, string>> {
  const policies = (await storedPolicies(namespace, names)) as {
    metadata: { name: string };
    spec: { policyTypes?: string[]; egress?: unknown };
  }[];
  return new Map(
    policies
      .filter((policy) => policy.metadata.name !== 'devops-agent-blocklist')
      .map((policy) => [
        policy.metadata.name,
        JSON.stringify({ policyTypes: policy.spec.policyTypes, egress: policy.spec.egress }),
      ]),
  );
}

async function runStep(blocker: KubernetesBlocker, step: Step): Promise<{ status: string; text?: string }> {
  const result =
    step.action === 'block' ? await blocker.apply(request(step.target)) : await blocker.revert(step.target);
  return {
    status: result.status,
    text: 'detail' in result ? result.detail : 'error' in result ? result.error : undefined,
  };
}

function truthTable(
  cases: readonly TrafficCase[],
  baseline: readonly TrafficVerdict[],
  now: readonly TrafficVerdict[],
  blocked: ReadonlySet<string>,
): Omit<Measurement, 'step' | 'outcome'> {
  const failures: string[] = [];
  cases.forEach((trafficCase, index) => {
    const isTraefik = trafficCase.destination.labels?.['app.kubernetes.io/name'] === 'traefik';
    const expected = isTraefik && blocked.has(trafficCase.source.ip) ? false : baseline[index].allowed;
    const verdict = now[index];
    if (verdict.allowed !== expected) {
      const by = verdict.allowed ? `allowed by ${verdict.ingress.allowedBy.join(', ')}` : 'denied';
      failures.push(
        `${trafficCase.name}: ${by}, expected ${expected ? 'allowed' : 'denied'} (before: ${baseline[index].allowed ? 'allowed' : 'denied'})`,
      );
    }
  });
  return { passing: cases.length - failures.length, total: cases.length, failures };
}

function report(measurements: readonly Measurement[]): string {
  return measurements
    .map(
      (m) => `${m.step} -> ${m.outcome}\n  ${m.passing}/${m.total}${m.failures.map((f) => `\n  FAIL ${f}`).join('')}`,
    )
    .join('\n');
}

const everyStep: Step[] = [
  { action: 'block', target: BLOCKED_V4 },
  { action: 'block', target: BLOCKED_V6 },
  { action: 'unblock', target: BLOCKED_V4 },
  { action: 'unblock', target: BLOCKED_V6 },
];

describe('NetworkPolicy blocks under NetworkPolicy semantics (cyclonus matcher)', () => {
  it('no policy in the cluster: the fallback policy denies exactly the blocked addresses, then nothing', async (t) => {
    const { measurements } = await measure('nothing.yaml', undefined, everyStep);
    t.diagnostic(report(measurements));
    assert.deepEqual(
      measurements.map((m) => m.outcome.split(':')[0]),
      ['applied', 'applied', 'applied', 'applied'],
    );
    assert.deepEqual(
      measurements.flatMap((m) => m.failures),
      [],
      report(measurements),
    );
  });

  it('a policy on Traefik with an ipBlock (networkpolicy-only.yaml): the except denies the address, the rest as before', async (t) => {
    const { measurements } = await measure('networkpolicy-only.yaml', undefined, everyStep);
    t.diagnostic(report(measurements));
    // IPv6: traefik-ingress (IPv4 ipBlock only) already denies it on every port, so the block is `unchanged`; a new
    // policy would re-open what traefik-ingress denies (an earlier measurement: 13/17 after that step; then refused).
    assert.deepEqual(
      measurements.map((m) => m.outcome.split(':')[0]),
      ['applied', 'unchanged', 'applied', 'unchanged'],
    );
    assert.match(
      measurements[1].outcome,
      /already denied to the Traefik pods: no rule of NetworkPolicy .*traefik-ingress/,
    );
    assert.deepEqual(
      measurements.flatMap((m) => m.failures),
      [],
      report(measurements),
    );
  });

  it("k3s's CIS hardening policies (allow-all on Traefik, intra-namespace, DNS): no block claimed that does not hold", async (t) => {
    const { measurements, blocker } = await measure(
      'nothing.yaml',
      'k3s-hardening-guide/kube-system-network-policies.yaml',
      everyStep,
    );
    t.diagnostic(report(measurements));
    // allow-all-traefik-v121-ingress (ingress: [{}]) allows every source whatever we add: no NetworkPolicy can block
    // here, so the blocker says so instead of reporting a block that does not hold (first measurement: applied).
    assert.deepEqual(
      measurements.map((m) => m.outcome.split(':')[0]),
      ['failed', 'failed', 'unchanged', 'unchanged'],
    );
    const { choice } = await blocker.inspect(BLOCKED_V4);
    assert.match(
      choice.candidates.find((candidate) => candidate.pattern === 'networkpolicy-fallback')?.reason ?? '',
      /already isolated by .*allow-all-traefik-v121-ingress/,
    );
    assert.deepEqual(
      measurements.flatMap((m) => m.failures),
      [],
      report(measurements),
    );
  });
});

/**
 * Shapes real clusters have (`__fixtures__/<source>/README.md`): several ipBlocks and rules, port-limited rules, named
 * ports, Ingress + Egress policies, Egress-only policies with ingress rules. Each beside the Traefik pod of
 * nothing.yaml; the outcome of every step is the one a correct blocker gives: `applied` where a block holds on every
 * port, `unchanged` where the policies already deny the address to Traefik, `failed` (refused, with the reason) where
 * no NetworkPolicy edit could block it.
 */
describe('NetworkPolicy blocks on real policy shapes (cyclonus matcher)', () => {
  const shapes: {
    name: string;
    policies: string;
    blocked?: Blocked;
    outcomes: string[];
    refusal?: RegExp;
  }[] = [
    {
      name: 'IBM NCA: 0.0.0.0/0 and a redundant 0.0.0.0/2 rule; no IPv6 ipBlock',
      policies: 'ibm-network-config-analyzer/redundant-ipblocks.yaml',
      blocked: { v4: '20.0.0.7', v6: BLOCKED_V6 },
      outcomes: ['applied', 'unchanged', 'applied', 'unchanged'],
    },
    {
      name: 'IBM NCA: two rules on 53/UDP, each every address with other excepts (IPv4 and IPv6 policies)',
      policies: 'ibm-network-config-analyzer/redundant-by-except.yaml',
      outcomes: ['applied', 'applied', 'applied', 'applied'],
    },
    {
      name: 'IBM NCA: every address as two halves, one rule each',
      policies: 'ibm-network-config-analyzer/separated-to-2.yaml',
      outcomes: ['applied', 'applied', 'applied', 'applied'],
    },
    {
      name: 'Gardener from-world: pods, 0.0.0.0/0 and ::/0 in one from, on 10250',
      policies: 'gardener/from-world.yaml',
      outcomes: ['applied', 'applied', 'applied', 'applied'],
    },
    {
      name: 'Kubernetes docs test-network-policy: 172.17.0.0/16 except, selectors, 6379, egress',
      policies: 'kubernetes-website/test-network-policy.yaml',
      outcomes: ['unchanged', 'unchanged', 'unchanged', 'unchanged'],
    },
    {
      name: 'k3s-certs: policyTypes [Egress] with ingress rules that are not in force',
      policies: 'nynra-k3s/k3s-certs-egress-only.yaml',
      outcomes: ['applied', 'applied', 'applied', 'applied'],
    },
    {
      name: 'adguard chart: Ingress + Egress, 0.0.0.0/0 on eight ports, no IPv6 ipBlock',
      policies: 'nynra-k3s/adguard-ingress-egress.yaml',
      outcomes: ['applied', 'unchanged', 'applied', 'unchanged'],
    },
    {
      name: 'recipe 09: only role=monitoring pods on the named port api-port',
      policies: 'ahmetb-network-policy-recipes/port-limited.yaml',
      outcomes: ['unchanged', 'unchanged', 'unchanged', 'unchanged'],
    },
    {
      name: 'recipe 08: every source on port 80 (no from)',
      policies: 'ahmetb-network-policy-recipes/external-port-80.yaml',
      outcomes: ['failed', 'failed', 'unchanged', 'unchanged'],
      refusal: /web-allow-external.* admits every source/,
    },
  ];
  for (const shape of shapes) {
    it(shape.name, async (t) => {
      const v4 = shape.blocked?.v4 ?? BLOCKED_V4;
      const v6 = shape.blocked?.v6 ?? BLOCKED_V6;
      const steps: Step[] = [
        { action: 'block', target: v4 },
        { action: 'block', target: v6 },
        { action: 'unblock', target: v4 },
        { action: 'unblock', target: v6 },
      ];
      const { measurements } = await measure('nothing.yaml', shape.policies, steps, { v4, v6 });
      t.diagnostic(report(measurements));
      assert.deepEqual(
        measurements.map((m) => m.outcome.split(':')[0]),
        shape.outcomes,
        report(measurements),
      );
      if (shape.refusal) assert.match(measurements[0].outcome, shape.refusal);
      assert.deepEqual(
        measurements.flatMap((m) => m.failures),
        [],
        report(measurements),
      );
    });
  }
});
