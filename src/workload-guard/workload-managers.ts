import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * Who else writes this workload's spec, so that an image patch would be reverted: a controller owner (an operator
 * reconciling the object from its custom resource) or GitOps tooling syncing it from Git. Read from the marks each
 * writes on the object itself:
 * - a controller ownerReference (`controller: true`), as operators set on what they create;
 * - Argo CD's `argocd.argoproj.io/tracking-id` annotation (annotation tracking, the default since Argo CD 3.0) or its
 *   `argocd.argoproj.io/instance` label; the legacy `app.kubernetes.io/instance` label is not read: Helm writes the
 *   same label on every chart's objects;
 * - Flux's `kustomize.toolkit.fluxcd.io/name` and `helm.toolkit.fluxcd.io/name` labels (kustomize-controller and
 *   helm-controller label everything they apply).
 * Undefined when none is there: the agent's patch is the only change, and stays.
 */
export function externalManager(metadata: V1ObjectMeta | undefined): string | undefined {
  const owner = metadata?.ownerReferences?.find((reference) => reference.controller);
  if (owner) {
    return `owned by ${owner.kind} ${owner.name} (${owner.apiVersion}), whose controller would revert an image patch: change the image in that ${owner.kind}`;
  }
  const annotations = metadata?.annotations ?? {};
  const labels = metadata?.labels ?? {};
  const argo = annotations['argocd.argoproj.io/tracking-id'] ?? labels['argocd.argoproj.io/instance'];
  if (argo) {
    return `managed by Argo CD (application ${argo.split(':')[0]}), whose sync would revert an image patch: change the image in Git`;
  }
  for (const [tool, label] of [
    ['Kustomization', 'kustomize.toolkit.fluxcd.io'],
    ['HelmRelease', 'helm.toolkit.fluxcd.io'],
  ] as const) {
    const name = labels[`${label}/name`];
    if (name) {
      const namespace = labels[`${label}/namespace`];
      return `managed by Flux (${tool} ${namespace ? `${namespace}/` : ''}${name}), whose reconciliation would revert an image patch: change the image in Git`;
    }
  }
  return undefined;
}
