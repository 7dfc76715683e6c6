import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { loadManifests } from '../kubernetes/testing/kube-fixtures.ts';
import { buildImagePatch, containerImage, ImagePatchRefused, PREVIOUS_IMAGES_ANNOTATION } from './image-patch.ts';

const argo = loadManifests<V1Deployment>(new URL('./__fixtures__/real-manifests/argo-cd.yaml', import.meta.url));
const repoServer = argo.find((workload) => workload.metadata?.name === 'argocd-repo-server')!;
const FROM = 'quay.io/argoproj/argocd:v3.5.1';
const TO = 'quay.io/argoproj/argocd:v3.5.2';
const request = {
  namespace: 'argocd',
  deployment: 'argocd-repo-server',
  container: 'copyutil',
  currentImage: FROM,
  targetImage: TO,
  changes: [
    { container: 'copyutil', currentImage: FROM, targetImage: TO },
    { container: 'argocd-repo-server', currentImage: FROM, targetImage: TO },
  ],
};

describe('image patches of Argo CD repo-server (one image in its initContainer and its container)', () => {
  it('reads the image of an initContainer', () => {
    assert.equal(containerImage(repoServer, 'copyutil'), FROM);
  });

  it('a JSON patch tests and replaces both, and notes both previous images', () => {
    const patch = buildImagePatch(repoServer, { ...request, patchType: 'json' }) as Array<{
      op: string;
      path: string;
      value: unknown;
    }>;
    const replaced = patch.filter((op) => op.op === 'replace').map((op) => [op.path, op.value]);
    assert.deepEqual(replaced, [
      ['/spec/template/spec/initContainers/0/image', TO],
      ['/spec/template/spec/containers/0/image', TO],
    ]);
    assert.equal(patch.filter((op) => op.op === 'test').length, 4);
    const annotation = patch.at(-1)!;
    assert.deepEqual(annotation, {
      op: 'add',
      path: '/metadata/annotations',
      value: { [PREVIOUS_IMAGES_ANNOTATION]: JSON.stringify({ 'argocd-repo-server': FROM, copyutil: FROM }) },
    });
  });

  it('a strategic-merge patch names each list by its merge key', () => {
    const patch = buildImagePatch(repoServer, { ...request, patchType: 'strategic' }) as { spec: unknown };
    assert.deepEqual(patch.spec, {
      template: {
        spec: {
          initContainers: [{ name: 'copyutil', image: TO }],
          containers: [{ name: 'argocd-repo-server', image: TO }],
        },
      },
    });
  });

  it('refuses a stale change of any container', () => {
    const stale = {
      ...request,
      changes: [request.changes[0], { ...request.changes[1], currentImage: 'quay.io/argoproj/argocd:v3.4.0' }],
    };
    assert.throws(() => buildImagePatch(repoServer, { ...stale, patchType: 'json' }), ImagePatchRefused);
  });
});
