import { readFileSync } from 'node:fs';
import type { V1Deployment } from '@kubernetes/client-node';
import { parseImageReference, repositoryKey } from './image-reference.ts';
import type { OwnerResolver } from './pod-health.ts';
import { normalizeSeverity, type Vulnerability, type WorkloadReference } from './workload-finding.ts';

/** The Trivy Operator's VulnerabilityReport (aquasecurity.github.io/v1alpha1), the fields we read. */
export interface VulnerabilityReportObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  report?: {
    artifact?: { repository?: string; tag?: string; digest?: string };
    registry?: { server?: string };
    vulnerabilities?: Array<Record<string, unknown>>;
  };
}

export const VULNERABILITY_REPORT_RESOURCE = {
  group: 'aquasecurity.github.io',
  version: 'v1alpha1',
  plural: 'vulnerabilityreports',
} as const;

/** Vulnerabilities of one container of one workload. */
export interface VulnerableContainer {
  workload: WorkloadReference;
  container: string;
  /** The image the workload runs now (from its spec), which the findings are about. */
  image: string;
  vulnerabilities: Vulnerability[];
  /** `vulnerabilityreport ns/name` or `trivy file path`. */
  source: string;
}

export interface ReportReadResult {
  containers: VulnerableContainer[];
  /** Reports that could not be used, with the reason (counted and skipped, never fatal). */
  skipped: Array<{ source: string; reason: string }>;
}

/** Maps Operator reports to the Deployments (through their ReplicaSet) and containers they describe. */
export function readVulnerabilityReports(
  reports: readonly VulnerabilityReportObject[],
  owners: OwnerResolver,
): ReportReadResult {
  const result: ReportReadResult = { containers: [], skipped: [] };
  for (const report of reports) {
    const labels = report.metadata?.labels ?? {};
    const source = `vulnerabilityreport ${report.metadata?.namespace}/${report.metadata?.name}`;
    const kind = labels['trivy-operator.resource.kind'];
    const name = labels['trivy-operator.resource.name'];
    const namespace = labels['trivy-operator.resource.namespace'] ?? report.metadata?.namespace;
    const container = labels['trivy-operator.container.name'];
    if (!kind || !name || !namespace || !container) {
      result.skipped.push({ source, reason: 'missing trivy-operator.resource/container labels' });
      continue;
    }
    const artifact = report.report?.artifact;
    if (!artifact?.repository) {
      result.skipped.push({ source, reason: 'report.artifact.repository is missing' });
      continue;
    }
    const server = report.report?.registry?.server;
    const reportImage = `${server ? `${server}/` : ''}${artifact.repository}${artifact.tag ? `:${artifact.tag}` : ''}`;
    const workload = owners.workloadOf(namespace, kind, name);
    let image = reportImage;
    if (workload.kind === 'Deployment') {
      const current = containerImage(owners.deployment(namespace, workload.name), container);
      if (!current) {
        result.skipped.push({ source, reason: `deployment ${workload.name} has no container ${container}` });
        continue;
      }
      if (!sameImage(current, reportImage)) {
        result.skipped.push({ source, reason: `stale: scanned ${reportImage}, the deployment now runs ${current}` });
        continue;
      }
      image = current;
    }
    result.containers.push({
      workload,
      container,
      image,
      vulnerabilities: (report.report?.vulnerabilities ?? []).flatMap((entry) =>
        toVulnerability(entry, 'vulnerabilityID', 'resource'),
      ),
      source,
    });
  }
  return result;
}

/**
 * Reads `trivy image --format json` output files and attaches them to every Deployment container running that image
 * (same repository and tag). A file that cannot be read or parsed is skipped with its reason.
 */
export function readTrivyImageReports(
  paths: readonly string[],
  deployments: readonly V1Deployment[],
): ReportReadResult {
  const result: ReportReadResult = { containers: [], skipped: [] };
  for (const path of paths) {
    const source = `trivy file ${path}`;
    let document: { ArtifactName?: unknown; Results?: unknown };
    try {
      document = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      result.skipped.push({ source, reason: `cannot read: ${(error as Error).message}` });
      continue;
    }
    if (typeof document?.ArtifactName !== 'string' || !Array.isArray(document.Results)) {
      result.skipped.push({ source, reason: 'not a trivy image JSON report (ArtifactName, Results)' });
      continue;
    }
    const artifact = document.ArtifactName;
    const vulnerabilities = (document.Results as Array<{ Vulnerabilities?: unknown }>).flatMap((entry) =>
      Array.isArray(entry?.Vulnerabilities)
        ? (entry.Vulnerabilities as Array<Record<string, unknown>>).flatMap((item) =>
            toVulnerability(item, 'VulnerabilityID', 'PkgName'),
          )
        : [],
    );
    let matched = 0;
    for (const deployment of deployments) {
      for (const container of deployment.spec?.template?.spec?.containers ?? []) {
        if (!container.image || !sameImage(container.image, artifact)) continue;
        matched++;
        result.containers.push({
          workload: {
            namespace: deployment.metadata?.namespace ?? 'default',
            kind: 'Deployment',
            name: deployment.metadata?.name ?? '?',
          },
          container: container.name,
          image: container.image,
          vulnerabilities,
          source,
        });
      }
    }
    if (matched === 0) result.skipped.push({ source, reason: `no deployment runs ${artifact}` });
  }
  return result;
}

function toVulnerability(entry: Record<string, unknown>, idKey: string, packageKey: string): Vulnerability[] {
  const text = (key: string) => (typeof entry[key] === 'string' ? (entry[key] as string) : '');
  const id = text(idKey);
  if (!id) return [];
  const title = text('title') || text('Title');
  return [
    {
      id: id.slice(0, 100),
      severity: normalizeSeverity(entry.severity ?? entry.Severity),
      package: text(packageKey).slice(0, 200),
      installedVersion: (text('installedVersion') || text('InstalledVersion')).slice(0, 100),
      fixedVersion: (text('fixedVersion') || text('FixedVersion')).slice(0, 200),
      ...(title ? { title: title.slice(0, 300) } : {}),
    },
  ];
}

function containerImage(deployment: V1Deployment | undefined, container: string): string | undefined {
  return deployment?.spec?.template?.spec?.containers?.find((entry) => entry.name === container)?.image;
}

/** Same repository (registry aliases folded) and same tag; a digest, when both have one, must match too. */
export function sameImage(left: string, right: string): boolean {
  const a = parseImageReference(left);
  const b = parseImageReference(right);
  if (!a || !b) return left === right;
  if (repositoryKey(a) !== repositoryKey(b)) return false;
  if ((a.tag ?? 'latest') !== (b.tag ?? 'latest')) return false;
  return !(a.digest && b.digest && a.digest !== b.digest);
}
