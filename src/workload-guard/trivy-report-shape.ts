const NOT_AN_IMAGE_REPORT = 'not a trivy image JSON report (ArtifactName, Results)';

/**
 * Why a parsed JSON file is not a Trivy image scan we can read, or undefined when it is one. Each reason says what the
 * file is instead, so the user knows what to run: Trivy writes other JSON documents than `trivy image` does, and a scan
 * of a directory, repository, SBOM or disk names a path, which must never be read as an image reference.
 */
export function trivyImageReportRefusal(document: unknown): string | undefined {
  // Trivy before v0.20 (no SchemaVersion) marshalled its list of Results whole: `null` when it found nothing.
  if (document === null) {
    return 'an empty Trivy report (`null`, as Trivy before v0.20 wrote when it found nothing): it names no image; rescan with a current Trivy';
  }
  if (Array.isArray(document)) {
    return 'a Trivy report before v0.20 (a list of Results): it names no image; rescan with a current Trivy';
  }
  if (typeof document !== 'object') return NOT_AN_IMAGE_REPORT;
  const record = document as Record<string, unknown>;
  if (record.ClusterName !== undefined && record.ArtifactName === undefined) {
    return 'a `trivy k8s` report (ClusterName): scan each image with `trivy image --format json`';
  }
  // A schema we do not know may move or rename what we read; an absent version is read (older and trimmed files).
  if (record.SchemaVersion !== undefined && record.SchemaVersion !== 2) {
    return `SchemaVersion ${JSON.stringify(record.SchemaVersion).slice(0, 20)} is not supported (we read Trivy's schema 2)`;
  }
  if (typeof record.ArtifactName !== 'string') return NOT_AN_IMAGE_REPORT;
  if (record.ArtifactType !== undefined && record.ArtifactType !== 'container_image') {
    return `ArtifactType ${JSON.stringify(String(record.ArtifactType).slice(0, 40))} is not a container image scan (its ArtifactName is a path, not an image): scan the image with \`trivy image --format json\``;
  }
  return undefined;
}
