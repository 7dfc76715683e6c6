/** What the workload guard reports. Health kinds come from pod/deployment state; `vulnerabilities` from Trivy. */
export const WORKLOAD_FINDING_KINDS = [
  'crash-loop',
  'image-pull',
  'config-error',
  'create-error',
  'run-error',
  'hook-error',
  'container-error',
  'exited',
  'oom-killed',
  'restarts',
  'not-ready',
  'evicted',
  'pod-failed',
  'pending',
  'rollout-stuck',
  'replica-failure',
  'unavailable-replicas',
  'vulnerabilities',
] as const;
export type WorkloadFindingKind = (typeof WORKLOAD_FINDING_KINDS)[number];

export const SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: string): number {
  const index = SEVERITIES.indexOf(severity.toUpperCase() as Severity);
  return Math.max(index, 0);
}

export function normalizeSeverity(value: unknown): Severity {
  const text = typeof value === 'string' ? value.toUpperCase() : '';
  return (SEVERITIES as readonly string[]).includes(text) ? (text as Severity) : 'UNKNOWN';
}

/** One CVE in one package of one image. */
export interface Vulnerability {
  id: string;
  severity: Severity;
  package: string;
  installedVersion: string;
  /** Empty when no fix exists yet, or when the report's Status says it is not fixed (will_not_fix, affected...). */
  fixedVersion: string;
  /** Trivy's Status (`fixed`, `affected`, `will_not_fix`, `fix_deferred`, `end_of_life`...), when the report has it. */
  status?: string;
  title?: string;
  /** `os` for distribution packages (apk, deb, rpm), `language` for application dependencies (npm, pip, go, jar). */
  packageClass?: 'os' | 'language';
  /** Trivy's package type (alpine, debian, redhat, npm, python-pkg, gobinary, jar...), else the PURL's (golang, maven). */
  packageType?: string;
  /** Where the package was found (a lock file, a binary, a jar), for language packages. */
  target?: string;
  /** CVSS score from the report. */
  score?: number;
  /** Advisory links from the report (primary first). */
  links?: string[];
}

/** What the report says about the image it scanned: OS, digests and tags, which name its real version. */
export interface ScannedImage {
  os?: { family: string; name: string };
  /** `sha256:...` digests of the scanned image (RepoDigests, the Operator's artifact.digest). */
  digests: string[];
  /** RepoDigests as Trivy wrote them (`repository@sha256:...`): each repository has its own digest to pin. */
  repoDigests?: string[];
  /** Tags the scanned image carried (RepoTags, the Operator's artifact tag). */
  tags: string[];
}

/** The workload a finding is about: a Deployment when the owner chain resolves to one, else the bare object. */
export interface WorkloadReference {
  namespace: string;
  kind: 'Deployment' | 'ReplicaSet' | 'Pod' | 'StatefulSet' | 'DaemonSet' | string;
  name: string;
}

export interface WorkloadFinding {
  kind: WorkloadFindingKind;
  workload: WorkloadReference;
  severity: Severity;
  /** One line for people; may contain cluster-provided text (messages, reasons): printed through safeCell. */
  detail: string;
  container?: string;
  /** The container is an init container (it must exit 0 before the others start). */
  initContainer?: boolean;
  image?: string;
  /** The pods behind a health finding. */
  pods?: string[];
  vulnerabilities?: Vulnerability[];
}

export function workloadLabel(workload: WorkloadReference): string {
  return `${workload.namespace}/${workload.name}`;
}
