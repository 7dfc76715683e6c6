// Test helper: blocker settings and fixtures for the kubernetes integration tests.
import { ensureTestbed } from '../../../../testbed/testbed-env.ts';
import { kubernetesSection } from '../../../config/sections/kubernetes.ts';
import { KubeTestCluster, loadManifests } from './kube-test-cluster.ts';
import { KubernetesBlocker, type KubernetesBlockerSettings } from './kubernetes-blocker.ts';

export const FIXTURES = new URL('./__fixtures__/', import.meta.url).pathname;
export const RESTRICTED_USER = 'restricted';

/** Settings as the config loader would produce them, scoped to one fixture namespace. */
export function blockerSettings(
  kubeconfig: string,
  namespace: string,
  extra: Record<string, unknown> = {},
): KubernetesBlockerSettings {
  const section = kubernetesSection.parse({ kubeconfig, namespaces: [namespace], request_timeout: 5, ...extra })!;
  return { ...section, max_entries: 1000, protect_private_ranges: true, protected_ranges: [] };
}

export interface Fixture {
  namespace: string;
  blocker: KubernetesBlocker;
}

/**
 * A namespace with one pattern fixture, and a blocker that runs as the restricted user holding exactly the rights of
 * deploy/kubernetes/network-guard-rbac.yaml (unless `grant` is false).
 */
export async function setUpFixture(
  admin: KubeTestCluster,
  restrictedKubeconfig: string,
  file: string,
  options: { grant?: boolean; settings?: Record<string, unknown> } = {},
): Promise<Fixture> {
  const namespace = await admin.namespace(file.replace(/\.yaml$/, '').slice(0, 20));
  await admin.apply(loadManifests(`${FIXTURES}${file}`, { NAMESPACE: namespace }));
  if (options.grant !== false) await admin.grantNetworkGuard(RESTRICTED_USER, namespace);
  const blocker = new KubernetesBlocker(blockerSettings(restrictedKubeconfig, namespace, options.settings), {
    now: () => new Date(MARK_TIME),
  });
  return { namespace, blocker };
}

export const MARK_TIME = '2026-11-22T05:00:00.000Z';
export const request = (target: string, incidentId = 7) => ({
  target,
  incidentId,
  reason: 'secrets_scanning (high)',
  expiresAt: '2026-11-23T05:00:00.000Z',
});
export const expectedMark = (incident = 7) => ({
  incident,
  expires: '2026-11-23T05:00:00.000Z',
  addedAt: MARK_TIME,
  by: 'devops-agent',
});

export interface TraefikCrdCluster {
  /** The testbed's kube-apiserver as its admin (fixtures). */
  admin: KubeTestCluster;
  adminKubeconfig: string;
  /** The kubeconfig of the restricted user holding the network guard's RBAC (the code under test). */
  restricted: string;
}

/** The testbed's cluster with Traefik's CRDs installed: what every Kubernetes-blocker test starts from. */
export async function traefikCrdCluster(): Promise<TraefikCrdCluster> {
  const env = await ensureTestbed();
  const admin = new KubeTestCluster(env.kubeconfig);
  await admin.installTraefikCrds();
  return { admin, adminKubeconfig: env.kubeconfig, restricted: env.kubeconfigRestricted };
}
