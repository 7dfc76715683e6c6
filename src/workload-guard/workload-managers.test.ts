import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { loadManifests } from '../kubernetes/testing/kube-fixtures.ts';
import { externalManager } from './workload-managers.ts';

const workloads = loadManifests<V1Deployment>(new URL('./__fixtures__/real-manifests/longhorn.yaml', import.meta.url));
const ui = workloads.find((workload) => workload.metadata?.name === 'longhorn-ui')!;

describe('who else manages a workload', () => {
  it('a chart-installed workload is ours to patch, though Helm wrote app.kubernetes.io/instance on it', () => {
    assert.equal(ui.metadata?.labels?.['app.kubernetes.io/instance'], 'longhorn');
    assert.equal(externalManager(ui.metadata), undefined);
  });

  it('names the controller owner, Argo CD application and Flux object whose sync would revert the patch', () => {
    const owned = {
      ...ui.metadata,
      ownerReferences: [
        { apiVersion: 'metallb.io/v1beta1', kind: 'MetalLB', name: 'metallb', uid: 'u', controller: true },
      ],
    };
    assert.match(
      externalManager(owned) ?? '',
      /^owned by MetalLB metallb \(metallb\.io\/v1beta1\).*change the image in that MetalLB/,
    );
    const collected = {
      ...ui.metadata,
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'keep', uid: 'u' }],
    };
    assert.equal(externalManager(collected), undefined, 'an owner that is not the controller only garbage-collects');
    const argo = {
      annotations: { 'argocd.argoproj.io/tracking-id': 'longhorn:apps/Deployment:longhorn-system/longhorn-ui' },
    };
    assert.match(externalManager(argo) ?? '', /Argo CD \(application longhorn\).*Git/);
    const flux = {
      labels: { 'helm.toolkit.fluxcd.io/name': 'longhorn', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' },
    };
    assert.match(externalManager(flux) ?? '', /Flux \(HelmRelease flux-system\/longhorn\)/);
  });
});
