// Validates deploy/kubernetes (the agent, its config, the workload guard RBAC) against the testbed's real
// kube-apiserver with a server-side dry run (`dryRun=All`): schema, defaulting and admission run, nothing is stored.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { kubeRequest } from '../../testbed/kube-request.ts';
import { manifests, WorkloadTestCluster } from './testing/workload-test-cluster.ts';

const FILES = [
  'agent.yaml',
  'workload-guard-rbac.yaml',
  'workload-guard-events-rbac.yaml',
  'workload-guard-clusterrole.yaml',
  'secret.example.yaml',
];
const PATHS: Record<string, { base: string; plural: string; namespaced: boolean }> = {
  Namespace: { base: '/api/v1', plural: 'namespaces', namespaced: false },
  ServiceAccount: { base: '/api/v1', plural: 'serviceaccounts', namespaced: true },
  ConfigMap: { base: '/api/v1', plural: 'configmaps', namespaced: true },
  Secret: { base: '/api/v1', plural: 'secrets', namespaced: true },
  Service: { base: '/api/v1', plural: 'services', namespaced: true },
  PersistentVolumeClaim: { base: '/api/v1', plural: 'persistentvolumeclaims', namespaced: true },
  Deployment: { base: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  Role: { base: '/apis/rbac.authorization.k8s.io/v1', plural: 'roles', namespaced: true },
  RoleBinding: { base: '/apis/rbac.authorization.k8s.io/v1', plural: 'rolebindings', namespaced: true },
  ClusterRole: { base: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { base: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterrolebindings', namespaced: false },
};

describe('deploy/kubernetes manifests on a real API server (server-side dry run)', { timeout: 60_000 }, () => {
  let admin: WorkloadTestCluster;
  let namespace: string;
  let watched: string;

  before(async () => {
    admin = await WorkloadTestCluster.onTestbed();
    namespace = await admin.namespace('deploy-agent');
    watched = await admin.namespace('deploy-watched');
  });

  for (const file of FILES) {
    it(`${file}: every object is accepted`, async () => {
      const objects = manifests(new URL(`../../deploy/kubernetes/${file}`, import.meta.url), {
        'namespace: devops-agent': `namespace: ${namespace}`,
        'namespace: default': `namespace: ${watched}`,
      });
      assert.ok(objects.length > 0);
      for (const object of objects) {
        const kind = object.kind!;
        const where = PATHS[kind];
        assert.ok(where, `no API path known for ${kind}`);
        // The namespace object and cluster-scoped names get a unique suffix so repeated runs never collide.
        const name = where.namespaced
          ? object.metadata!.name!
          : `${kind === 'Namespace' ? namespace : object.metadata!.name}-dry`;
        const path = `${where.base}${where.namespaced ? `/namespaces/${object.metadata!.namespace}` : ''}/${where.plural}`;
        const response = await kubeRequest(admin.endpoint, 'POST', `${path}?dryRun=All&fieldValidation=Strict`, {
          ...object,
          metadata: { ...object.metadata, name },
        });
        assert.equal(
          response.status,
          201,
          `${kind} ${name}: HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 400)}`,
        );
        if (kind === 'Deployment') {
          const stored = response.body as {
            spec: { template: { spec: { containers: Array<{ securityContext: unknown }> } } };
          };
          assert.deepEqual(stored.spec.template.spec.containers[0].securityContext, {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
        }
        // Nothing was stored.
        const read = await kubeRequest(admin.endpoint, 'GET', `${path}/${name}`);
        assert.equal(read.status, 404, `${kind} ${name} must not exist after a dry run`);
      }
    });
  }
});
