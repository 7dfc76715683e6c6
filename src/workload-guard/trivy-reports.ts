import { readFileSync, statSync } from 'node:fs';
import { containerImage } from './image-patch.ts';
import { parseImageReference } from './image-reference.ts';
import type { OwnerResolver } from './pod-health.ts';
import { kindOf, type PodTemplateWorkload, podSpecOf } from './pod-template-workloads.ts';
import { operatorImage, sameImage } from './report-images.ts';
import { type RunningDigests, sharesDigest } from './running-images.ts';
import { trivyImageReportRefusal } from './trivy-report-shape.ts';
import {
  dedupeVulnerabilities,
  type EntryKeys,
  OPERATOR_KEYS,
  REPORT_LIMITS,
  type ReportLimits,
  TRIVY_JSON_KEYS,
  toVulnerability,
} from './vulnerability-entries.ts';
import type { ScannedImage, Vulnerability, WorkloadReference } from './workload-finding.ts';

/** The Trivy Operator's VulnerabilityReport (aquasecurity.github.io/v1alpha1), the fields we read. */
export interface VulnerabilityReportObject {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  report?: {
    artifact?: { repository?: string; tag?: string; digest?: string };
    registry?: { server?: string };
    os?: { family?: string; name?: string };
    /** null when the scan found nothing (Go's nil slice). */
    vulnerabilities?: Array<Record<string, unknown>> | null;
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
  /** What the report says the scanned image is (OS, digests, tags). */
  scanned: ScannedImage;
  /** `vulnerabilityreport ns/name` or `trivy file path`. */
  source: string;
}

/** A scan of one image, whether or not a deployment runs it: evidence of what an upgrade candidate fixes. */
export interface ImageScan {
  /** The image as the report names it (ArtifactName, or registry/repository:tag). */
  image: string;
  scanned: ScannedImage;
  vulnerabilities: Vulnerability[];
  /**
   * The kinds of packages a Trivy file's Results show were scanned (Trivy writes a Result for every OS and every
   * application it found, with or without vulnerabilities). Absent for an Operator report (it scans both by default).
   * A scan that did not look at a kind proves nothing about its CVEs.
   */
  packageClasses?: Array<'os' | 'language'>;
}

export interface ReportReadResult {
  containers: VulnerableContainer[];
  scans: ImageScan[];
  /** Reports that could not be used, with the reason (counted and skipped, never fatal). */
  skipped: Array<{ source: string; reason: string }>;
}

/** Maps Operator reports to the Deployments (through their ReplicaSet) and containers they describe. */
export function readVulnerabilityReports(
  reports: readonly VulnerabilityReportObject[],
  owners: OwnerResolver,
  running: RunningDigests = () => [],
  limits: ReportLimits = REPORT_LIMITS,
): ReportReadResult {
  const result: ReportReadResult = { containers: [], scans: [], skipped: [] };
  for (const report of reports) {
    if (!report || typeof report !== 'object') {
      result.skipped.push({ source: 'vulnerabilityreport ?', reason: 'not an object' });
      continue;
    }
    const labels = report.metadata?.labels ?? {};
    const source = `vulnerabilityreport ${report.metadata?.namespace}/${report.metadata?.name}`;
    const kind = labels['trivy-operator.resource.kind'];
    const name = resourceName(report);
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
    const named = operatorImage({ ...artifact, repository: artifact.repository }, report.report?.registry?.server);
    if ('refusal' in named) {
      result.skipped.push({ source, reason: named.refusal });
      continue;
    }
    const reportImage = named.name;
    const workload = owners.workloadOf(namespace, kind, name);
    const os = report.report?.os;
    const scanned: ScannedImage = {
      ...(os?.family && os.name ? { os: { family: os.family, name: String(os.name) } } : {}),
      digests: artifact.digest ? [artifact.digest] : [],
      tags: named.tag ? [reportImage] : [],
    };
    const entries = report.report?.vulnerabilities ?? [];
    const refusal = entriesRefusal(entries, limits);
    if (refusal) {
      result.skipped.push({ source, reason: `report.vulnerabilities ${refusal}` });
      continue;
    }
    const vulnerabilities = readEntries(entries as unknown[], OPERATOR_KEYS);
    result.scans.push({ image: reportImage, scanned, vulnerabilities });
    const specImage =
      workload.kind === 'Deployment'
        ? containerImage(owners.deployment(namespace, workload.name), container)
        : undefined;
    const runningDigests = withSpecDigest(running(workload, container), specImage);
    if (!sharesDigest(runningDigests, scanned.digests)) {
      result.skipped.push({
        source,
        reason: `stale: scanned ${scanned.digests.join(', ')}, the pods run ${runningDigests.join(', ')}`,
      });
      continue;
    }
    let image = reportImage;
    if (workload.kind === 'Deployment') {
      const current = containerImage(owners.deployment(namespace, workload.name), container);
      if (!current) {
        result.skipped.push({ source, reason: `deployment ${workload.name} has no container ${container}` });
        continue;
      }
      if (!sameImage(current, named.image)) {
        result.skipped.push({ source, reason: `stale: scanned ${named.image}, the deployment now runs ${current}` });
        continue;
      }
      image = current;
    }
    result.containers.push({ workload, container, image, vulnerabilities, scanned, source });
  }
  return result;
}

/**
 * Reads `trivy image --format json` output files and attaches them to every container and initContainer of the
 * workloads (Deployments, StatefulSets, DaemonSets, CronJobs, Jobs) running that image:
 * the same repository and tag as ArtifactName or one of RepoTags, or a digest the pods report (RepoDigests, ImageID).
 * A report whose digests differ from what the pods run is stale. Unreadable files are skipped with their reason.
 */
export function readTrivyImageReports(
  paths: readonly string[],
  workloads: readonly PodTemplateWorkload[],
  running: RunningDigests = () => [],
  limits: ReportLimits = REPORT_LIMITS,
): ReportReadResult {
  const result: ReportReadResult = { containers: [], scans: [], skipped: [] };
  for (const path of paths) {
    const source = `trivy file ${path}`;
    let document: TrivyImageReport;
    try {
      const { size } = statSync(path);
      if (size > limits.bytes) {
        result.skipped.push({
          source,
          reason: `too large: ${size} bytes, over the ${limits.bytes}-byte limit (scan one image per file)`,
        });
        continue;
      }
      document = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      result.skipped.push({ source, reason: `cannot read: ${(error as Error).message}` });
      continue;
    }
    const shapeRefusal = trivyImageReportRefusal(document);
    if (shapeRefusal) {
      result.skipped.push({ source, reason: shapeRefusal });
      continue;
    }
    // Trivy leaves Results out when it found nothing to scan (no OS, no packages): that proves nothing about a tag.
    const results = Array.isArray(document.Results)
      ? document.Results.filter((entry) => entry && typeof entry === 'object')
      : [];
    // Trivy before v0.20 (schema 1, 2021) wrote no Class: such a result of vulnerabilities is a package scan of a
    // kind it does not say.
    const classless = results.some((entry) => entry.Class === undefined && Array.isArray(entry.Vulnerabilities));
    const scansOs = classless || results.some((entry) => entry.Class === 'os-pkgs');
    const scansLanguages = classless || results.some((entry) => entry.Class === 'lang-pkgs');
    if (!scansOs && !scansLanguages) {
      result.skipped.push({ source, reason: 'no OS or language package results: Trivy scanned no packages' });
      continue;
    }
    const refusal = entriesRefusal(
      results.flatMap((entry) => (Array.isArray(entry.Vulnerabilities) ? entry.Vulnerabilities : [])),
      limits,
    );
    if (refusal) {
      result.skipped.push({ source, reason: `Results[].Vulnerabilities ${refusal}` });
      continue;
    }
    const artifact = document.ArtifactName as string;
    const scanned = scannedImageOf(document);
    // Each entry carries its Result's class, type and target, as the Operator's additional fields do.
    const entries = results.flatMap((entry) =>
      (Array.isArray(entry.Vulnerabilities) ? entry.Vulnerabilities : []).map((item) =>
        item && typeof item === 'object'
          ? { ...item, class: entry.Class, packageType: entry.Type, target: entry.Target }
          : item,
      ),
    );
    const vulnerabilities = readEntries(entries, TRIVY_JSON_KEYS);
    const packageClasses = [...(scansOs ? (['os'] as const) : []), ...(scansLanguages ? (['language'] as const) : [])];
    result.scans.push({ image: artifact, scanned, vulnerabilities, packageClasses });
    // A blanked name (ArtifactName, RepoTags "") names nothing: such a report matches by digest only.
    const names = [artifact, ...scanned.tags].filter((name) => name !== '');
    let matched = 0;
    for (const object of workloads) {
      const podSpec = podSpecOf(object);
      for (const container of [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]) {
        if (!container.image) continue;
        const workload = {
          namespace: object.metadata?.namespace ?? 'default',
          kind: kindOf(object),
          name: object.metadata?.name ?? '?',
        };
        const runningDigests = withSpecDigest(running(workload, container.name), container.image);
        const byDigest = runningDigests.some((digest) => scanned.digests.includes(digest));
        const byName = names.some((name) => sameImage(container.image!, name));
        if (!byDigest && !byName) continue;
        if (!byDigest && !sharesDigest(runningDigests, scanned.digests)) {
          result.skipped.push({
            source,
            reason: `stale for ${workload.namespace}/${workload.name}: scanned ${scanned.digests.join(', ')}, the pods run ${runningDigests.join(', ')}`,
          });
          continue;
        }
        matched++;
        result.containers.push({
          workload,
          container: container.name,
          image: container.image,
          vulnerabilities,
          scanned,
          source,
        });
      }
    }
    if (matched === 0) {
      result.skipped.push({
        source,
        reason:
          names.length === 0
            ? 'the report names no image (ArtifactName ""): it matches a container only by Metadata.ImageID or RepoDigests, and no pod runs them'
            : `no workload runs ${artifact} (kept as evidence for upgrades)`,
      });
    }
  }
  return result;
}

interface TrivyImageReport {
  ArtifactName?: unknown;
  Metadata?: {
    OS?: { Family?: string; Name?: string };
    ImageID?: string;
    RepoTags?: unknown;
    RepoDigests?: unknown;
  };
  Results?: Array<{
    Target?: string;
    Class?: string;
    Type?: string;
    Vulnerabilities?: Array<Record<string, unknown>>;
  }> | null;
}

/** OS, digests (RepoDigests' and the image ID, which containerd reports as imageID) and tags from Metadata. */
function scannedImageOf(document: TrivyImageReport): ScannedImage {
  const metadata = document.Metadata ?? {};
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  const repoDigests = strings(metadata.RepoDigests).filter((entry) => /@sha256:[a-f0-9]{64}$/.test(entry));
  const digests = repoDigests.map((entry) => entry.slice(entry.indexOf('@') + 1));
  if (typeof metadata.ImageID === 'string' && /^sha256:[a-f0-9]{64}$/.test(metadata.ImageID)) {
    digests.push(`id:${metadata.ImageID}`);
  }
  const os = metadata.OS;
  return {
    ...(os?.Family && os.Name ? { os: { family: os.Family, name: String(os.Name) } } : {}),
    digests,
    ...(repoDigests.length > 0 ? { repoDigests } : {}),
    tags: strings(metadata.RepoTags),
  };
}

/** What the pods report wins; without it, a digest pinned in the spec is what runs. */
function withSpecDigest(running: string[], specImage: string | undefined): string[] {
  if (running.length > 0 || !specImage) return running;
  const digest = parseImageReference(specImage)?.digest;
  return digest ? [digest] : [];
}

/**
 * The workload's name: the `trivy-operator.resource.name` label, or for a name too long for a label value (over 63
 * characters) the annotation of that name, which the Operator writes beside a `trivy-operator.resource.name-hash`
 * label. Either way it only names an object to look up among the ReplicaSets and Deployments the cluster lists.
 */
function resourceName(report: VulnerabilityReportObject): string | undefined {
  const labels = report.metadata?.labels ?? {};
  if (labels['trivy-operator.resource.name']) return labels['trivy-operator.resource.name'];
  if (!labels['trivy-operator.resource.name-hash']) return undefined;
  return report.metadata?.annotations?.['trivy-operator.resource.name'] || undefined;
}

/** Why a report's entries are refused: not a list, or more entries than REPORT_LIMITS allows. */
function entriesRefusal(entries: unknown, limits: ReportLimits): string | undefined {
  if (!Array.isArray(entries)) return 'is not a list';
  if (entries.length > limits.entries) {
    return `has ${entries.length} entries, over the ${limits.entries}-entry limit`;
  }
  return undefined;
}

function readEntries(entries: readonly unknown[], keys: EntryKeys): Vulnerability[] {
  return dedupeVulnerabilities(
    entries.flatMap((entry) => {
      const vulnerability = toVulnerability(entry, keys);
      return vulnerability ? [vulnerability] : [];
    }),
  );
}
