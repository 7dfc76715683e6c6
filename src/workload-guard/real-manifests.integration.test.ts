// Real charts' workloads (__fixtures__/real-manifests/: ingress-nginx, Argo CD, MetalLB, descheduler, Longhorn,
// Kubernetes Dashboard) on the testbed's real kube-apiserver, each image paired with a Trivy report and a scan of a
// fixed tag, through the product's path as the restricted user: scan, plan, approve, apply. Per workload: exactly the
// vulnerable containers' images change (initContainers too), nothing else in the object, a digest pin is replaced by
// the fixed tag's digest, and workloads an operator or Argo CD/Flux manages are flagged, not patched.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { openStore, type Store } from '../store/store.ts';
import { buildSlackApprovalMessage } from './approval-messages.ts';
import { PREVIOUS_IMAGES_ANNOTATION } from './image-patch.ts';
import {
  approveRemediation,
  listPendingRemediations,
  listRemediations,
  type WorkloadRuntime,
} from './remediation-approvals.ts';
import { rollbackWorkload } from './rollback.ts';
import { digestOf, repositoryOf, type VulnerableImage, writeImageReports } from './testing/chart-image-reports.ts';
import { eventually, manifests, reportFileChecksConfig, WorkloadTestCluster } from './testing/workload-test-cluster.ts';
import { type CheckedFinding, runWorkloadChecks } from './workload-checks.ts';

type KubeObject = ReturnType<typeof manifests>[number];
interface Container {
  name: string;
  image: string;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
}

const FILES = ['ingress-nginx', 'argo-cd', 'metallb', 'descheduler', 'longhorn', 'kubernetes-dashboard'];
const ARGOCD = 'quay.io/argoproj/argocd:v3.5.1';
const LONGHORN_MANAGER = 'docker.io/longhornio/longhorn-manager:v1.12.1';
const INGRESS =
  'registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1';
const CERTGEN =
  'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.9@sha256:01038e7de14b78d702d2849c3aad72fd25903c4765af63cf16aa3398f5d5f2dd';
/** A mirror with a port, as a chart's `image.registry` value sets it. */
const SCRAPER = 'registry.internal:5000/kubernetesui/metrics-scraper:v1.0.6';

/** Every vulnerable image; longhorn-share-manager (a sidecar of longhorn-manager) is clean and must never change. */
const VULNERABLE: VulnerableImage[] = [
  { image: INGRESS, fixedTag: 'v1.15.2', packages: 'go' },
  { image: CERTGEN, fixedTag: 'v1.6.10', packages: 'go' },
  { image: ARGOCD, fixedTag: 'v3.5.2', packages: 'go' },
  { image: 'ghcr.io/dexidp/dex:v2.45.0', fixedTag: 'v2.45.1', packages: 'go' },
  { image: 'public.ecr.aws/docker/library/redis:8.2.3-alpine', fixedTag: '8.2.4-alpine', packages: 'os' },
  { image: 'quay.io/metallb/controller:v0.16.1', fixedTag: 'v0.16.2', packages: 'go' },
  { image: 'quay.io/metallb/speaker:v0.16.1', fixedTag: 'v0.16.2', packages: 'go' },
  { image: 'registry.k8s.io/descheduler/descheduler:v0.36.0', fixedTag: 'v0.36.1', packages: 'go' },
  // Trivy names Docker Hub images as `trivy image` was given them: here without the docker.io/ the manifest writes.
  { image: 'longhornio/longhorn-manager:v1.12.1', fixedTag: 'v1.12.2', packages: 'go' },
  { image: 'longhornio/longhorn-ui:v1.12.1', fixedTag: 'v1.12.2', packages: 'os' },
  { image: 'docker.io/kubernetesui/dashboard:v2.0.4', fixedTag: 'v2.0.5', packages: 'go' },
  { image: SCRAPER, fixedTag: 'v1.0.7', packages: 'go' },
];

const fixedImage = (image: string, tag: string) => `${repositoryOf(image)}:${tag}`;
const pinnedFix = (image: string, tag: string) => `${fixedImage(image, tag)}@${digestOf(fixedImage(image, tag))}`;

/** What must happen to each workload: its containers' new images, or a flag saying why it is not patched. */
const EXPECTED: Array<{
  kind: string;
  name: string;
  changes?: Record<string, string>;
  /** Not patched, by design: the reason the finding must give. */
  flagged?: RegExp;
}> = [
  { kind: 'Deployment', name: 'ingress-nginx-controller', changes: { controller: pinnedFix(INGRESS, 'v1.15.2') } },
  {
    kind: 'Job',
    name: 'ingress-nginx-admission-create',
    flagged: /a Job: its pod template cannot be changed once created/,
  },
  {
    kind: 'Job',
    name: 'ingress-nginx-admission-patch',
    flagged: /a Job: its pod template cannot be changed once created/,
  },
  {
    kind: 'Deployment',
    name: 'argocd-dex-server',
    changes: { copyutil: fixedImage(ARGOCD, 'v3.5.2'), dex: 'ghcr.io/dexidp/dex:v2.45.1' },
  },
  {
    kind: 'Deployment',
    name: 'argocd-redis',
    changes: { 'secret-init': fixedImage(ARGOCD, 'v3.5.2'), redis: 'public.ecr.aws/docker/library/redis:8.2.4-alpine' },
  },
  {
    kind: 'Deployment',
    name: 'argocd-repo-server',
    changes: { copyutil: fixedImage(ARGOCD, 'v3.5.2'), 'argocd-repo-server': fixedImage(ARGOCD, 'v3.5.2') },
  },
  { kind: 'Deployment', name: 'argocd-server', flagged: /Argo CD/ },
  {
    kind: 'StatefulSet',
    name: 'argocd-application-controller',
    changes: { 'argocd-application-controller': fixedImage(ARGOCD, 'v3.5.2') },
  },
  { kind: 'Deployment', name: 'controller', flagged: /MetalLB/ },
  { kind: 'DaemonSet', name: 'speaker', flagged: /Flux/ },
  {
    kind: 'CronJob',
    name: 'descheduler-cronjob',
    changes: { descheduler: 'registry.k8s.io/descheduler/descheduler:v0.36.1' },
  },
  {
    kind: 'DaemonSet',
    name: 'longhorn-manager',
    changes: { 'longhorn-manager': fixedImage(LONGHORN_MANAGER, 'v1.12.2') },
  },
  {
    kind: 'Deployment',
    name: 'longhorn-driver-deployer',
    changes: {
      'wait-longhorn-manager': fixedImage(LONGHORN_MANAGER, 'v1.12.2'),
      'longhorn-driver-deployer': fixedImage(LONGHORN_MANAGER, 'v1.12.2'),
    },
  },
  { kind: 'Deployment', name: 'longhorn-ui', changes: { 'longhorn-ui': 'docker.io/longhornio/longhorn-ui:v1.12.2' } },
  {
    kind: 'Deployment',
    name: 'kubernetes-dashboard',
    changes: { 'kubernetes-dashboard': 'kubernetesui/dashboard:v2.0.5' },
  },
  {
    kind: 'Deployment',
    name: 'dashboard-metrics-scraper',
    changes: { 'dashboard-metrics-scraper': fixedImage(SCRAPER, 'v1.0.7') },
  },
];

const API: Record<string, string> = {
  Deployment: 'apis/apps/v1/namespaces/NS/deployments',
  StatefulSet: 'apis/apps/v1/namespaces/NS/statefulsets',
  DaemonSet: 'apis/apps/v1/namespaces/NS/daemonsets',
  Job: 'apis/batch/v1/namespaces/NS/jobs',
  CronJob: 'apis/batch/v1/namespaces/NS/cronjobs',
};

/** How the object's manager marks it, as each writes it (see __fixtures__/real-manifests/README.md). */
function managedBy(object: KubeObject): void {
  const metadata = object.metadata as { name: string; labels?: Record<string, string>; [key: string]: unknown };
  if (object.kind === 'Deployment' && metadata.name === 'argocd-server') {
    // Argo CD's default (annotation) resource tracking since v3.0: <app>:<group>/<kind>:<namespace>/<name>.
    metadata.annotations = { 'argocd.argoproj.io/tracking-id': 'argocd:apps/Deployment:argocd/argocd-server' };
  }
  if (object.kind === 'Deployment' && metadata.name === 'controller') {
    // metallb-operator creates the controller Deployment with its MetalLB resource as controller owner.
    metadata.ownerReferences = [
      { apiVersion: 'metallb.io/v1beta1', kind: 'MetalLB', name: 'metallb', uid: randomUUID(), controller: true },
    ];
  }
  if (object.kind === 'DaemonSet' && metadata.name === 'speaker') {
    // Flux's kustomize-controller labels everything it applies with its Kustomization.
    metadata.labels = {
      ...metadata.labels,
      'kustomize.toolkit.fluxcd.io/name': 'metallb',
      'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
    };
  }
  if (object.kind === 'DaemonSet' && metadata.name === 'longhorn-manager') {
    // The testbed's kube-apiserver runs without --allow-privileged: it refuses the privileged manager container and
    // its Bidirectional mount (the only privileged parts of the 16 workloads).
    const manager = podSpecOf(object).containers[0] as Container & {
      securityContext?: { privileged?: boolean };
      volumeMounts?: Array<{ mountPropagation?: string }>;
    };
    delete manager.securityContext?.privileged;
    for (const mount of manager.volumeMounts ?? []) delete mount.mountPropagation;
  }
  if (object.kind === 'Deployment' && metadata.name === 'dashboard-metrics-scraper') {
    podSpecOf(object).containers[0].image = SCRAPER;
  }
}

/** What a user sets: the StatefulSet's pods are replaced only when deleted (a chart value, as SPIRE's updateStrategy). */
function userSettings(object: KubeObject): void {
  if (object.kind === 'StatefulSet' && object.metadata?.name === 'argocd-application-controller') {
    (object.spec as { updateStrategy?: unknown }).updateStrategy = { type: 'OnDelete' };
  }
}

function podSpecOf(object: KubeObject): PodSpec {
  const spec = object.spec as { template?: { spec: PodSpec }; jobTemplate?: { spec: { template: { spec: PodSpec } } } };
  return (object.kind === 'CronJob' ? spec.jobTemplate?.spec.template.spec : spec.template?.spec) as PodSpec;
}

/** The object as compared before and after: without the server's bookkeeping of each write. */
function comparable(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  for (const key of ['resourceVersion', 'generation', 'managedFields']) delete copy.metadata?.[key];
  // The API server's DaemonSet strategy counts template changes in this annotation, as it does in `generation`.
  const annotations = copy.metadata?.annotations as Record<string, string> | undefined;
  delete annotations?.['deprecated.daemonset.template.generation'];
  return copy;
}

describe('real chart workloads: scan, plan, approve, apply on a real kube-apiserver', { timeout: 180_000 }, () => {
  let admin: WorkloadTestCluster;
  let namespace: string;
  let directory: string;
  let store: Store;
  let findings: CheckedFinding[] = [];
  let runtime_: WorkloadRuntime;
  const before_ = new Map<string, KubeObject>();
  const after_ = new Map<string, KubeObject>();
  const path = (kind: string, name?: string) =>
    `/${API[kind].replace('NS', namespace)}${name ? `/${encodeURIComponent(name)}` : ''}`;

  before(async () => {
    const env = await ensureTestbed();
    admin = new WorkloadTestCluster(env.kubeconfig);
    namespace = await admin.namespace('workload-kinds-s20');
    directory = mkdtempSync(join(tmpdir(), 'devops-agent-real-manifests-'));
    for (const file of FILES) {
      for (const object of manifests(new URL(`./__fixtures__/real-manifests/${file}.yaml`, import.meta.url))) {
        object.metadata = { ...object.metadata, namespace };
        managedBy(object);
        userSettings(object);
        await admin.request('POST', path(object.kind!), object);
      }
    }
    for (const { kind, name } of EXPECTED) before_.set(`${kind}/${name}`, await admin.request('GET', path(kind, name)));
    await admin.grantWorkloadGuard('restricted', namespace);

    const reports = VULNERABLE.flatMap((entry, index) => writeImageReports(directory, entry, index));
    const config = reportFileChecksConfig(env.kubeconfigRestricted, directory, namespace, reports, {
      'workloads.llm_advice': false,
      'workloads.vulnerabilities.min_severity': 'LOW',
      'audit.path': join(directory, 'audit.jsonl'),
    });
    store = openStore(config.database.path, config.audit.path);
    const runtime = { config, store };
    runtime_ = runtime;
    findings = (await runWorkloadChecks(runtime)).findings;
    for (const remediation of listPendingRemediations(store)) {
      const decision = await approveRemediation(runtime, remediation.id, 'tester');
      if ('error' in decision) console.log(`remediation #${remediation.id}: ${decision.status}: ${decision.error}`);
    }
    for (const { kind, name } of EXPECTED) after_.set(`${kind}/${name}`, await admin.request('GET', path(kind, name)));
  });

  after(async () => {
    store?.close();
    if (namespace) await admin.request('DELETE', `/api/v1/namespaces/${namespace}`);
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  /** The object after the run is the object before, but for `changes` (and the previous-images note they write). */
  const assertOnly = (key: string, changes: Record<string, string> | undefined) => {
    const live = comparable(after_.get(key)!);
    const wanted = comparable(before_.get(key)!);
    const spec = podSpecOf(wanted);
    for (const [container, image] of Object.entries(changes ?? {})) {
      const entry = [...(spec.initContainers ?? []), ...spec.containers].find((item) => item.name === container);
      assert.ok(entry, `${key} has a container ${container}`);
      entry.image = image;
    }
    const liveAnnotations = (live.metadata?.annotations ?? {}) as Record<string, string>;
    if (changes) {
      const previous = JSON.parse(liveAnnotations[PREVIOUS_IMAGES_ANNOTATION] ?? '{}') as Record<string, string>;
      assert.deepEqual(Object.keys(previous).sort(), Object.keys(changes).sort(), 'previous images noted');
      wanted.metadata!.annotations = {
        ...(wanted.metadata?.annotations ?? {}),
        [PREVIOUS_IMAGES_ANNOTATION]: liveAnnotations[PREVIOUS_IMAGES_ANNOTATION],
      };
    }
    assert.deepEqual(live, wanted);
  };
  const findingsAbout = (kind: string, name: string) => {
    const about = findings.filter(
      (finding) =>
        finding.kind === 'vulnerabilities' && finding.workload.kind === kind && finding.workload.name === name,
    );
    assert.ok(about.length > 0, `a vulnerability finding names ${kind}/${name}`);
    return about;
  };

  for (const expected of EXPECTED) {
    const key = `${expected.kind}/${expected.name}`;
    const flag = expected.flagged;
    it(`${key}: ${flag ? 'flagged with the reason, left alone' : 'exactly the vulnerable containers patched'}`, () => {
      assertOnly(key, flag ? undefined : expected.changes);
      const about = findingsAbout(expected.kind, expected.name);
      if (flag) {
        const reasons = about.map((finding) => finding.planError ?? '(planned)').join('; ');
        assert.ok(
          about.every((finding) => finding.plan === null),
          `no plan for ${key}: ${reasons}`,
        );
        assert.match(reasons, flag);
      }
    });
  }

  it('the approval request names the kind, and says an OnDelete StatefulSet restarts no pod', () => {
    const remediations = listRemediations(store, { namespace });
    const titleOf = (kind: string, name: string) => {
      const remediation = remediations.find((entry) => entry.kind === kind && entry.deployment === name);
      assert.ok(remediation, `a remediation of ${kind}/${name}`);
      return buildSlackApprovalMessage(remediation).text;
    };
    assert.match(titleOf('StatefulSet', 'argocd-application-controller'), /^Patch StatefulSet /);
    assert.match(titleOf('DaemonSet', 'longhorn-manager'), /^Patch DaemonSet /);
    assert.match(titleOf('CronJob', 'descheduler-cronjob'), /^Patch CronJob /);
    assert.match(titleOf('Deployment', 'longhorn-ui'), /^Patch Deployment /);
    const [statefulSet] = findingsAbout('StatefulSet', 'argocd-application-controller');
    assert.match(statefulSet.plan?.rolloutNote ?? '', /OnDelete: no pod is restarted/);
    const [daemonSet] = findingsAbout('DaemonSet', 'longhorn-manager');
    assert.equal(daemonSet.plan?.rolloutNote, undefined, 'a RollingUpdate DaemonSet rolls out as a Deployment does');
    const [cronJob] = findingsAbout('CronJob', 'descheduler-cronjob');
    assert.match(cronJob.plan?.rolloutNote ?? '', /the next Job/);
  });

  it('a rollback of a plan that changed two containers puts both back (argocd-repo-server)', async () => {
    const target = { kind: 'Deployment' as const, namespace, name: 'argocd-repo-server' };
    const result = await rollbackWorkload(runtime_, target, { requestedBy: 'tester' });
    assert.equal(result.status, 'rolled_back', 'error' in result ? result.error : '');
    const spec = podSpecOf(await admin.request('GET', path('Deployment', 'argocd-repo-server')));
    assert.deepEqual(
      [...(spec.initContainers ?? []), ...spec.containers].map((container) => container.image),
      [ARGOCD, ARGOCD],
    );
  });

  it('a rollback of a CronJob puts its job template back', async () => {
    const target = { kind: 'CronJob' as const, namespace, name: 'descheduler-cronjob' };
    const result = await rollbackWorkload(runtime_, target, { requestedBy: 'tester' });
    assert.equal(result.status, 'rolled_back', 'error' in result ? result.error : '');
    const live = await admin.request('GET', path('CronJob', 'descheduler-cronjob'));
    assert.equal(podSpecOf(live).containers[0].image, 'registry.k8s.io/descheduler/descheduler:v0.36.0');
  });
});

/** The kinds the Role lets the guard `get` and `patch` since they are patched (it could only list them before). */
const PATCHED_SINCE = new Set(['statefulsets', 'daemonsets', 'cronjobs']);
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

/** Binds `rules` (edited from the current Role) to the restricted user, creates longhorn-ui and the CronJob, scans. */
async function scanWithRole(
  prefix: string,
  editRules: (rules: Rule[]) => Rule[],
  check: (result: Awaited<ReturnType<typeof runWorkloadChecks>>) => void,
): Promise<void> {
  const env = await ensureTestbed();
  const admin = new WorkloadTestCluster(env.kubeconfig);
  const namespace = await admin.namespace(prefix);
  const directory = mkdtempSync(join(tmpdir(), 'devops-agent-old-role-'));
  try {
    const [role, binding] = manifests(new URL('../../deploy/kubernetes/workload-guard-rbac.yaml', import.meta.url));
    const rules = editRules(role.rules as Rule[]);
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
    await admin.request('POST', `${rbac}/roles`, { ...role, metadata: { ...role.metadata, namespace }, rules });
    await admin.request('POST', `${rbac}/rolebindings`, {
      ...binding,
      metadata: { ...binding.metadata, namespace },
      subjects: [{ kind: 'User', name: 'restricted', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    for (const file of ['longhorn', 'descheduler']) {
      for (const object of manifests(new URL(`./__fixtures__/real-manifests/${file}.yaml`, import.meta.url))) {
        if (object.metadata?.name !== 'longhorn-ui' && object.kind !== 'CronJob') continue;
        object.metadata = { ...object.metadata, namespace };
        await admin.request('POST', `/${API[object.kind!].replace('NS', namespace)}`, object);
      }
    }
    const reports = VULNERABLE.flatMap((entry, index) => writeImageReports(directory, entry, index));
    const config = reportFileChecksConfig(env.kubeconfigRestricted, directory, namespace, reports, {
      'workloads.llm_advice': false,
      'workloads.vulnerabilities.min_severity': 'LOW',
      'audit.path': join(directory, 'audit.jsonl'),
    });
    const store = openStore(config.database.path, config.audit.path);
    try {
      const result = await eventually(() => runWorkloadChecks({ config, store }, { record: false }));
      const ui = result.findings.find((finding) => finding.workload.name === 'longhorn-ui');
      assert.equal(ui?.plan?.targetImage, 'docker.io/longhornio/longhorn-ui:v1.12.2', ui?.planError);
      check(result);
    } finally {
      store.close();
    }
  } finally {
    await admin.request('DELETE', `/api/v1/namespaces/${namespace}`);
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('a Role bound before the guard patched (or read) the other workload kinds', { timeout: 60_000 }, () => {
  it('checks the Deployments and names the kinds it may not list, instead of failing the scan', async () => {
    const newKinds = new Set(['statefulsets', 'daemonsets', 'cronjobs', 'jobs']);
    await scanWithRole(
      'workload-kinds-s20-old-role',
      (rules) => rules.filter((rule) => !rule.resources.some((resource) => newKinds.has(resource))),
      (result) => {
        assert.ok(!result.findings.some((finding) => finding.workload.kind === 'CronJob'));
        assert.match(
          result.notes.join('\n'),
          /not allowed to list statefulsets\.apps in \S+, daemonsets\.apps in \S+, cronjobs\.batch in \S+, jobs\.batch in \S+: their images are not checked/,
        );
      },
    );
  });

  it('with list only on the other kinds (the Role before they were patched): flags the CronJob, naming the RBAC file', async () => {
    await scanWithRole(
      'workload-kinds-s20-list-role',
      (rules) =>
        rules.map((rule) =>
          rule.resources.some((resource) => PATCHED_SINCE.has(resource)) ? { ...rule, verbs: ['list'] } : rule,
        ),
      (result) => {
        const cronJob = result.findings.find((finding) => finding.workload.kind === 'CronJob');
        assert.equal(cronJob?.plan, null);
        assert.match(
          cronJob?.planError ?? '',
          /may not get cronjobs\.batch\/descheduler-cronjob .*workload-guard-rbac\.yaml/,
        );
      },
    );
  });
});
