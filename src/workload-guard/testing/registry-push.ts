// Pushes content into a real registry through its own HTTP API (OCI distribution spec: a monolithic blob upload,
// then manifests by tag or digest), the way `docker push` and `oras push` talk to it. Tests only.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string };
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * A pusher for one repository. `authorization` is sent on every request: the testbed's `silly` auth lets any
 * request that carries one through, so pushing needs no token service.
 */
export function registryPusher(base: string, repository: string, authorization = 'Bearer pusher') {
  const headers = { authorization };

  /** POST /v2/<name>/blobs/uploads/ (202 + Location), then PUT <location>?digest= with the whole blob (201). */
  async function blob(bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256(bytes);
    const started = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers });
    assert.equal(started.status, 202, `start upload: ${await started.text()}`);
    const location = new URL(started.headers.get('location') ?? '', base);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
    });
    assert.equal(put.status, 201, `upload ${digest}: ${await put.text()}`);
    assert.equal(put.headers.get('docker-content-digest'), digest);
    return { mediaType, digest, size: bytes.length };
  }

  /** PUT /v2/<name>/manifests/<reference>: returns the descriptor, its digest being the registry's answer. */
  async function manifest(reference: string, body: object, mediaType: string): Promise<Descriptor> {
    const bytes = Buffer.from(JSON.stringify(body));
    const response = await fetch(`${base}/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': mediaType },
      body: new Uint8Array(bytes),
    });
    assert.equal(response.status, 201, `manifest ${reference}: ${await response.text()}`);
    const digest = response.headers.get('docker-content-digest') ?? '';
    assert.equal(digest, sha256(bytes), 'the registry names a manifest by the sha256 of the bytes pushed');
    return { mediaType, digest, size: bytes.length };
  }

  /** A one-layer image manifest (OCI or Docker schema 2) for a platform, pushed by tag, or by digest without one. */
  async function image(kind: 'oci' | 'docker', architecture: string, tag?: string): Promise<Descriptor> {
    const oci = kind === 'oci';
    const configBytes = Buffer.from(
      JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    );
    const config = await blob(configBytes, oci ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig);
    const layerBytes = Buffer.from(`layer of ${repository} for ${architecture}`);
    const layer = await blob(layerBytes, oci ? MEDIA_TYPES.ociLayer : MEDIA_TYPES.dockerLayer);
    const mediaType = oci ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest;
    const body = { schemaVersion: 2, mediaType, config, layers: [layer] };
    const pushed = await manifest(tag ?? sha256(Buffer.from(JSON.stringify(body))), body, mediaType);
    return { ...pushed, platform: { architecture, os: 'linux' } };
  }

  /** An OCI index or a Docker manifest list over `manifests`, pushed by tag. */
  function list(tag: string, kind: 'oci' | 'docker', manifests: Descriptor[]): Promise<Descriptor> {
    const mediaType = kind === 'oci' ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerList;
    return manifest(tag, { schemaVersion: 2, mediaType, manifests }, mediaType);
  }

  return { blob, manifest, image, list };
}
