// Test helper for *.integration.test.ts: sets fixtures up on the testbed's real kube-apiserver over plain HTTPS
// (wire JSON, admin token), independent of the client code under test.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointFromKubeconfig, type KubeEndpoint, kubeRequest } from '../../../../testbed/kube-request.ts';
import { loadManifests as loadKubeManifests } from '../../../kubernetes/testing/kube-fixtures.ts';
import type { KubeObject } from './block-patch.ts';

export { eventually } from '../../../kubernetes/testing/kube-fixtures.ts';

const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  Node: 'nodes',
  Pod: 'pods',
  Service: 'services',
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  NetworkPolicy: 'networkpolicies',
  Ingress: 'ingresses',
  Middleware: 'middlewares',
  MiddlewareTCP: 'middlewaretcps',
  IngressRoute: 'ingressroutes',
  IngressRouteTCP: 'ingressroutetcps',
  TraefikService: 'traefikservices',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  CustomResourceDefinition: 'customresourcedefinitions',
  ServiceAccount: 'serviceaccounts',
};
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

export function objectPath(apiVersion: string, kind: string, namespace?: string, name?: string): string {
  const plural = PLURALS[kind];
  if (!plural) throw new Error(`kube-test-cluster: unknown kind ${kind}`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const scope = CLUSTER_SCOPED.has(kind) ? '' : `/namespaces/${namespace}`;
  return `${base}${scope}/${plural}${name ? `/${name}` : ''}`;
}

export class KubeTestCluster {
  readonly endpoint: KubeEndpoint;
  constructor(kubeconfig: string) {
    this.endpoint = endpointFromKubeconfig(kubeconfig);
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const path = objectPath(object.apiVersion!, object.kind!, object.metadata?.namespace);
    const response = await kubeRequest(this.endpoint, 'POST', path, object);
    if (response.status >= 300)
      throw new Error(
        `create ${object.kind} ${object.metadata?.name}: HTTP ${response.status} ${JSON.stringify(response.body)}`,
      );
    return response.body as KubeObject;
  }

  /** Creates, or replaces an object that already exists (cluster-scoped fixtures shared by test files). */
  async upsert(object: KubeObject): Promise<void> {
    const path = objectPath(object.apiVersion!, object.kind!, object.metadata?.namespace);
    const created = await kubeRequest(this.endpoint, 'POST', path, object);
    if (created.status < 300) return;
    if (created.status !== 409)
      throw new Error(
        `create ${object.kind} ${object.metadata?.name}: HTTP ${created.status} ${JSON.stringify(created.body)}`,
      );
    const current = await this.get(
      object.apiVersion!,
      object.kind!,
      object.metadata?.namespace,
      object.metadata!.name!,
    );
    const next = { ...object, metadata: { ...object.metadata, resourceVersion: current?.metadata?.resourceVersion } };
    const replaced = await kubeRequest(
      this.endpoint,
      'PUT',
      objectPath(object.apiVersion!, object.kind!, object.metadata?.namespace, object.metadata!.name!),
      next,
    );
    if (replaced.status >= 300)
      throw new Error(
        `replace ${object.kind} ${object.metadata?.name}: HTTP ${replaced.status} ${JSON.stringify(replaced.body)}`,
      );
  }

  async get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined> {
    const response = await kubeRequest(this.endpoint, 'GET', objectPath(apiVersion, kind, namespace, name));
    if (response.status === 404) return undefined;
    if (response.status >= 300) throw new Error(`get ${kind} ${name}: HTTP ${response.status}`);
    return response.body as KubeObject;
  }

  async delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<void> {
    const response = await kubeRequest(this.endpoint, 'DELETE', objectPath(apiVersion, kind, namespace, name));
    if (response.status >= 300 && response.status !== 404)
      throw new Error(`delete ${kind} ${name}: HTTP ${response.status}`);
  }

  async mergePatch(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
    patch: unknown,
  ): Promise<KubeObject> {
    const response = await kubeRequest(
      this.endpoint,
      'PATCH',
      objectPath(apiVersion, kind, namespace, name),
      patch,
      'application/merge-patch+json',
    );
    if (response.status >= 300)
      throw new Error(`patch ${kind} ${name}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as KubeObject;
  }

  /** Installs the Traefik CRDs (both groups) once and waits until the API serves them. */
  async installTraefikCrds(): Promise<void> {
    const crds = loadManifests(new URL('./__fixtures__/traefik-crds.yaml', import.meta.url).pathname, {});
    for (const crd of crds) {
      const response = await kubeRequest(
        this.endpoint,
        'POST',
        objectPath('apiextensions.k8s.io/v1', 'CustomResourceDefinition'),
        crd,
      );
      if (response.status >= 300 && response.status !== 409)
        throw new Error(`CRD ${crd.metadata?.name}: HTTP ${response.status}`);
    }
    for (const crd of crds) {
      for (let attempt = 0; ; attempt++) {
        const current = await this.get(
          'apiextensions.k8s.io/v1',
          'CustomResourceDefinition',
          undefined,
          crd.metadata!.name!,
        );
        const conditions = (current?.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
        if (conditions.some((condition) => condition.type === 'Established' && condition.status === 'True')) break;
        if (attempt > 100) throw new Error(`CRD ${crd.metadata?.name} never became Established`);
        await sleep(100);
      }
    }
    // The discovery document can lag the Established condition by a moment.
    for (let attempt = 0; attempt < 100; attempt++) {
      const response = await kubeRequest(this.endpoint, 'GET', '/apis/traefik.containo.us/v1alpha1');
      if (response.status === 200) return;
      await sleep(100);
    }
  }

  /**
   * A fresh namespace per fixture (the testbed has no namespace controller, so namespaces are never deleted).
   * `KUBE_TEST_NAMESPACE_PREFIX` keeps the namespaces of runs sharing one testbed apart (and easy to clean up).
   */
  async namespace(prefix: string): Promise<string> {
    const name = `${process.env.KUBE_TEST_NAMESPACE_PREFIX ?? ''}${prefix}-${randomBytes(3).toString('hex')}`;
    await this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  }

  async apply(objects: KubeObject[]): Promise<void> {
    for (const object of objects) await this.create(object);
  }

  /**
   * Grants user `user` exactly deploy/kubernetes/network-guard-rbac.yaml: the read ClusterRole cluster-wide, the block
   * Role in `namespace` (with the ConfigMap name the fixture uses). The ServiceAccount subject becomes the user.
   */
  async grantNetworkGuard(user: string, namespace: string, configMapName = 'traefik-blocklist'): Promise<void> {
    const manifests = loadManifests(
      new URL('../../../../deploy/kubernetes/network-guard-rbac.yaml', import.meta.url).pathname,
      {},
    );
    const subjects = [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }];
    for (const manifest of manifests) {
      if (manifest.kind === 'ServiceAccount') continue;
      if (manifest.kind === 'ClusterRole') await this.upsert(manifest);
      else if (manifest.kind === 'ClusterRoleBinding')
        await this.upsert({
          ...manifest,
          metadata: { ...manifest.metadata, name: `${manifest.metadata?.name}-${user}` },
          subjects,
        });
      else if (manifest.kind === 'Role') {
        const rules = (manifest.rules as { resourceNames?: string[] }[]).map((rule) =>
          rule.resourceNames ? { ...rule, resourceNames: [configMapName] } : rule,
        );
        await this.create({ ...manifest, metadata: { ...manifest.metadata, namespace }, rules });
      } else if (manifest.kind === 'RoleBinding')
        await this.create({ ...manifest, metadata: { ...manifest.metadata, namespace }, subjects });
    }
  }
}

/** Multi-document YAML with each `replacements` key replaced by its value; empty documents skipped. */
export function loadManifests(path: string, replacements: Record<string, string>): KubeObject[] {
  return loadKubeManifests<KubeObject>(path, replacements);
}
