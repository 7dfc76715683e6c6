import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { loadManifests } from '../kubernetes/testing/kube-fixtures.ts';
import { buildImagePatch, containerImage, ImagePatchRefused, PREVIOUS_IMAGES_ANNOTATION } from './image-patch.ts';
import type { PodTemplateWorkload } from './pod-template-workloads.ts';

const descheduler = loadManifests<PodTemplateWorkload>(
  new URL('./__fixtures__/real-manifests/descheduler.yaml', import.meta.url),
).find((workload) => workload.kind === 'CronJob')!;
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

describe("image patches of descheduler's CronJob (its pod template is in the job template)", () => {
  const FROM_IMAGE = 'registry.k8s.io/descheduler/descheduler:v0.36.0';
  const TO_IMAGE = 'registry.k8s.io/descheduler/descheduler:v0.36.1';
  const cronRequest = {
    kind: 'CronJob' as const,
    namespace: 'kube-system',
    deployment: 'descheduler-cronjob',
    container: 'descheduler',
    currentImage: FROM_IMAGE,
    targetImage: TO_IMAGE,
  };

  it('reads, tests and replaces the image at spec.jobTemplate.spec.template', () => {
    assert.equal(containerImage(descheduler, 'descheduler'), FROM_IMAGE);
    const patch = buildImagePatch(descheduler, { ...cronRequest, patchType: 'json' }) as Array<{
      op: string;
      path: string;
    }>;
    assert.deepEqual(
      patch.slice(0, 3).map((op) => `${op.op} ${op.path}`),
      [
        'test /spec/jobTemplate/spec/template/spec/containers/0/name',
        'test /spec/jobTemplate/spec/template/spec/containers/0/image',
        'replace /spec/jobTemplate/spec/template/spec/containers/0/image',
      ],
    );
  });

  it('a strategic-merge patch nests the containers under the job template', () => {
    const patch = buildImagePatch(descheduler, { ...cronRequest, patchType: 'strategic' }) as { spec: unknown };
    assert.deepEqual(patch.spec, {
      jobTemplate: { spec: { template: { spec: { containers: [{ name: 'descheduler', image: TO_IMAGE }] } } } },
    });
  });

  it('refuses a plan for another kind than the object it reads', () => {
    assert.throws(
      () => buildImagePatch(descheduler, { ...cronRequest, kind: 'Deployment', patchType: 'json' }),
      /is a CronJob, not a Deployment/,
    );
  });
});
