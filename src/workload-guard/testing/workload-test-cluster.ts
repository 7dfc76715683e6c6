// Test helper for the workload guard's *.integration.test.ts: builds fixtures on the testbed's real kube-apiserver over
// plain HTTPS with the admin token (independent of the client code under test). The testbed has no controllers:
// Deployment -> ReplicaSet -> Pod chains are created by hand with ownerReferences, statuses set via /status.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointFromKubeconfig, type KubeEndpoint, kubeRequest } from '../../../testbed/kube-request.ts';
import { ensureTestbed } from '../../../testbed/testbed-env.ts';
import { defaultConfig } from '../../config/load-config.ts';
import { loadManifests } from '../../kubernetes/testing/kube-fixtures.ts';

export { eventually } from '../../kubernetes/testing/kube-fixtures.ts';

type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; [key: string]: unknown };
};

const FIXTURES = new URL('../__fixtures__/', import.meta.url);
const RBAC_FILE = new URL('../../../deploy/kubernetes/workload-guard-rbac.yaml', import.meta.url);

export class WorkloadTestCluster {
  readonly endpoint: KubeEndpoint;
  constructor(kubeconfig: string) {
    this.endpoint = endpointFromKubeconfig(kubeconfig);
  }

  /** The running testbed's kube-apiserver, as its admin. */
  static async onTestbed(): Promise<WorkloadTestCluster> {
    return new WorkloadTestCluster((await ensureTestbed()).kubeconfig);
  }

  async request(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeObject> {
    const response = await kubeRequest(this.endpoint, method, path, body, contentType);
    if (response.status >= 300) {
      throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 500)}`);
    }
    return response.body as KubeObject;
  }

  /** A kubelet's Warning Event about a pod (`extra` adds or overrides fields: count, timestamps, type). */
  async podEvent(
    namespace: string,
    name: string,
    pod: string,
    reason: string,
    message: string,
    extra: Record<string, unknown> = {},
  ): Promise<KubeObject> {
    return this.request('POST', `/api/v1/namespaces/${namespace}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod, namespace },
      reason,
      message,
      type: 'Warning',
      source: { component: 'kubelet', host: 'node-1' },
      lastTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...extra,
    });
  }

  async namespace(prefix: string): Promise<string> {
    const name = `${prefix}-${randomBytes(3).toString('hex')}`;
    await this.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  }

  /** Installs the VulnerabilityReport CRD (shared by test files; 409 means it is there) and waits until served. */
  async installTrivyCrd(): Promise<void> {
    const [crd] = manifests(new URL('vulnerabilityreports-crd.yaml', FIXTURES));
    const created = await kubeRequest(
      this.endpoint,
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      crd,
    );
    if (created.status >= 300 && created.status !== 409) throw new Error(`CRD: HTTP ${created.status}`);
    for (let attempt = 0; attempt < 150; attempt++) {
      const served = await kubeRequest(this.endpoint, 'GET', '/apis/aquasecurity.github.io/v1alpha1');
      if (served.status === 200) return;
      await sleep(100);
    }
    throw new Error('the VulnerabilityReport CRD was never served');
  }

  /**
   * A Deployment with one container, its current ReplicaSet and `pods` Pods, chained by controller ownerReferences.
   * Returns the ReplicaSet name (what the Trivy Operator labels its report with).
   */
  async deployment(
    namespace: string,
    name: string,
    image: string,
    options: { container?: string; pods?: number; annotations?: Record<string, string> } = {},
  ): Promise<{ replicaSet: string; pods: string[] }> {
    const container = options.container ?? 'app';
    const labels = { app: name };
    const template = { metadata: { labels }, spec: { containers: [{ name: container, image }] } };
    const deployment = await this.request('POST', `/apis/apps/v1/namespaces/${namespace}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels, ...(options.annotations ? { annotations: options.annotations } : {}) },
      spec: { replicas: options.pods ?? 1, selector: { matchLabels: labels }, template },
    });
    const replicaSetName = `${name}-${randomBytes(5).toString('hex').slice(0, 9)}`;
    const replicaSet = await this.request('POST', `/apis/apps/v1/namespaces/${namespace}/replicasets`, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: replicaSetName,
        namespace,
        labels,
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name, uid: deployment.metadata!.uid, controller: true },
        ],
      },
      spec: { replicas: options.pods ?? 1, selector: { matchLabels: labels }, template },
    });
    const pods: string[] = [];
    for (let index = 0; index < (options.pods ?? 1); index++) {
      const podName = `${replicaSetName}-${randomBytes(3).toString('hex').slice(0, 5)}`;
      await this.request('POST', `/api/v1/namespaces/${namespace}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName,
          namespace,
          labels,
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: replicaSetName,
              uid: replicaSet.metadata!.uid,
              controller: true,
            },
          ],
        },
        spec: template.spec,
      });
      pods.push(podName);
    }
    return { replicaSet: replicaSetName, pods };
  }

  /** Sets a pod's status through the status subresource (what the kubelet would report). */
  async podStatus(namespace: string, pod: string, status: Record<string, unknown>): Promise<void> {
    await this.request(
      'PATCH',
      `/api/v1/namespaces/${namespace}/pods/${pod}/status`,
      { status },
      'application/merge-patch+json',
    );
  }

  async deploymentStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
    await this.request(
      'PATCH',
      `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/status`,
      { status },
      'application/merge-patch+json',
    );
  }

  async getDeployment(namespace: string, name: string): Promise<KubeObject> {
    return this.request('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
  }

  async vulnerabilityReport(namespace: string, replicaSet: string): Promise<void> {
    const [report] = manifests(new URL('vulnerability-report.yaml', FIXTURES), {
      RS_NAME: replicaSet,
      NAMESPACE: namespace,
    });
    await this.request(
      'POST',
      `/apis/aquasecurity.github.io/v1alpha1/namespaces/${namespace}/vulnerabilityreports`,
      report,
    );
  }

  /** Binds deploy/kubernetes/workload-guard-rbac.yaml (Role + RoleBinding) in `namespace` to user `user`. */
  async grantWorkloadGuard(user: string, namespace: string): Promise<void> {
    for (const manifest of manifests(RBAC_FILE)) {
      const metadata = { ...manifest.metadata, namespace };
      if (manifest.kind === 'Role') {
        await this.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
          ...manifest,
          metadata,
        });
      } else if (manifest.kind === 'RoleBinding') {
        await this.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
          ...manifest,
          metadata,
          subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
        });
      } else throw new Error(`unexpected ${manifest.kind} in the workload guard RBAC file`);
    }
  }
}

export function manifests(url: URL | string, replacements: Record<string, string> = {}): KubeObject[] {
  return loadManifests<KubeObject>(url, replacements);
}

/** A container status as the kubelet reports it before the container is ready (no image ID, no restarts yet). */
export function containerStatus(name: string, image: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { name, image, imageID: '', ready: false, restartCount: 0, ...fields };
}

/** A config for `runWorkloadChecks` on one namespace, its database in `directory`, Trivy reports from files only. */
export function reportFileChecksConfig(
  kubeconfig: string,
  directory: string,
  namespace: string,
  reportFiles: string[],
  extra: Record<string, unknown> = {},
) {
  return defaultConfig({
    'kubernetes.kubeconfig': kubeconfig,
    'database.path': join(directory, 'agent.db'),
    'workloads.namespaces': [namespace],
    'workloads.vulnerabilities.operator': false,
    'workloads.vulnerabilities.report_files': reportFiles,
    ...extra,
  });
}

/** Trivy's entry for nginx 1.25.3's HTTP/3 QUIC bug, fixed in 1.25.4: the CVE most workload tests plan a fix for. */
export const NGINX_QUIC_VULNERABILITY = {
  VulnerabilityID: 'CVE-2024-24989',
  PkgName: 'nginx',
  InstalledVersion: '1.25.3',
  FixedVersion: '1.25.4',
  Severity: 'HIGH',
};
