// Trivy `image --format json` reports (schema 2, the shape trivy-report-shape.ts reads) for the images of the real
// chart manifests in __fixtures__/real-manifests/: one scan of the image the manifest runs, with a fixable CVE, and
// one scan of a newer tag of the same repository with that package fixed (the evidence a plan needs).
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseImageReference } from '../image-reference.ts';

/** One vulnerable image and the tag of the same repository that fixes it. */
export interface VulnerableImage {
  /** As the manifest writes it (`repo:tag`, `repo:tag@sha256:...`, with or without `docker.io/`). */
  image: string;
  fixedTag: string;
  /** `os` (an Alpine package) or `go` (the Go standard library of a Go binary). */
  packages: 'os' | 'go';
}

/** Go's net/http request smuggling fix (Go 1.23.8 and 1.24.2), as Trivy reports it for a Go binary. */
const GO_ENTRY = {
  VulnerabilityID: 'CVE-2025-22871',
  PkgName: 'stdlib',
  InstalledVersion: 'v1.24.1',
  FixedVersion: '1.23.8, 1.24.2',
  Status: 'fixed',
  Severity: 'CRITICAL',
  Title: 'net/http: Request smuggling due to acceptance of invalid chunked data in net/http',
};
/** OpenSSL's CMS out-of-bounds fix in Alpine 3.22 (libcrypto3 3.5.4-r0). */
const OS_ENTRY = {
  VulnerabilityID: 'CVE-2025-9230',
  PkgName: 'libcrypto3',
  InstalledVersion: '3.5.1-r0',
  FixedVersion: '3.5.4-r0',
  Status: 'fixed',
  Severity: 'HIGH',
  Title: 'openssl: Out-of-bounds read & write in RFC 3211 KEK Unwrap',
};

/** A registry digest derived from the name, so each tag has its own, stable one. */
export function digestOf(name: string): string {
  return `sha256:${createHash('sha256').update(name).digest('hex')}`;
}

/** The repository as written, without tag or digest (`docker.io/longhornio/longhorn-ui`). */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** The scan of `image` (vulnerable) and of its fixed tag, written to `directory`; returns the two paths. */
export function writeImageReports(directory: string, entry: VulnerableImage, index: number): string[] {
  const repository = repositoryOf(entry.image);
  const reference = parseImageReference(entry.image);
  if (!reference?.tag) throw new Error(`${entry.image} has no tag`);
  const currentDigest = reference.digest ?? digestOf(`${repository}:${reference.tag}`);
  const fixed = `${repository}:${entry.fixedTag}`;
  const scans = [
    { name: entry.image, tag: reference.tag, digest: currentDigest, vulnerable: true },
    { name: fixed, tag: entry.fixedTag, digest: digestOf(fixed), vulnerable: false },
  ];
  return scans.map((scan, scanIndex) => {
    const path = join(directory, `image-${index}-${scanIndex}.json`);
    writeFileSync(path, JSON.stringify(report(repository, scan, entry.packages)));
    return path;
  });
}

function report(
  repository: string,
  scan: { name: string; tag: string; digest: string; vulnerable: boolean },
  packages: VulnerableImage['packages'],
) {
  const entry = packages === 'go' ? GO_ENTRY : OS_ENTRY;
  const result =
    packages === 'go'
      ? { Target: 'usr/local/bin/app', Class: 'lang-pkgs', Type: 'gobinary' }
      : { Target: `${scan.name} (alpine 3.22.1)`, Class: 'os-pkgs', Type: 'alpine' };
  return {
    SchemaVersion: 2,
    ArtifactName: scan.name,
    ArtifactType: 'container_image',
    Metadata: {
      ...(packages === 'os' ? { OS: { Family: 'alpine', Name: '3.22.1' } } : {}),
      RepoTags: [`${repository}:${scan.tag}`],
      RepoDigests: [`${repository}@${scan.digest}`],
    },
    Results: [
      // A Result without Vulnerabilities: Trivy scanned that kind of package and found nothing.
      { ...result, ...(scan.vulnerable ? { Vulnerabilities: [entry] } : {}) },
    ],
  };
}
