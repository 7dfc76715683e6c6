import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestOfImageId, sharesDigest } from './running-images.ts';

// `status.containerStatuses[].imageID` as kubelets report it (values from pod dumps people published).
describe('imageID as the kubelet reports it', () => {
  const nginx = 'sha256:a484819eb60211f5299034ac80f6a681b06f89e65866ce91f356ed7c72af059c';
  const local = 'sha256:2bc57c6bcb194869d18676e003dfed47b87d257fce49667557fb8eb1f324d5d6';
  it('reads the registry digest of Docker (docker-pullable://), containerd and CRI-O, with any registry', () => {
    assert.equal(digestOfImageId(`docker-pullable://nginx@${nginx}`), nginx);
    assert.equal(digestOfImageId(`docker.io/library/nginx@${nginx}`), nginx);
    assert.equal(digestOfImageId(`docker-pullable://10.212.47.157/cnsi-test/nginx-slim@${nginx}`), nginx);
    assert.equal(digestOfImageId(`registry.local:5000/team/app@${nginx}`), nginx);
  });
  it('keeps a locally built image id apart from registry digests (containerd sha256:..., Docker docker://sha256:...)', () => {
    assert.equal(digestOfImageId(local), `id:${local}`);
    assert.equal(digestOfImageId(`docker://${local}`), `id:${local}`);
    assert.equal(sharesDigest([`id:${local}`], [local]), true, 'no digest of the same kind to compare');
    assert.equal(sharesDigest([`id:${local}`], [`id:${nginx}`]), false);
  });
  it('reads nothing from a waiting container or a malformed id', () => {
    for (const id of ['', undefined, 'docker-pullable://nginx@sha256:abc', `nginx:1.25`, `${nginx}x`]) {
      assert.equal(digestOfImageId(id), undefined, String(id));
    }
  });
});
