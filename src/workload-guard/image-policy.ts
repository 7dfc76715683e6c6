import {
  compareVersions,
  parseImageReference,
  parseTagVersion,
  repositoryKey,
  type TagVersion,
} from './image-reference.ts';

export interface ImagePolicy {
  /** Largest version step the agent may propose: `patch` keeps major.minor, `minor` keeps major. */
  allowedBump: 'patch' | 'minor' | 'major';
  /** Registries a new image may come from; empty means only the current image's registry (same repository). */
  allowedRegistries: string[];
  /** Tags known to exist, per repository (`registry/repository` or as written in the pod spec). */
  knownTags: Record<string, string[]>;
  /** Refuse tags that are neither known nor derived from a Trivy fixed version. */
  requireKnownTag: boolean;
  /** Package whose fixed version names the image tag, per repository (default: the repository's last segment). */
  applicationPackages: Record<string, string>;
}

export type PolicyVerdict = { allowed: true } | { allowed: false; reason: string };

export type CandidateSource = 'fixed-version' | 'known-tags' | 'scan-report' | 'registry' | 'llm';

export interface ImageCandidate {
  image: string;
  tag: string;
  source: CandidateSource;
  /** For allowed candidates: the CVEs this tag is known to fix. */
  fixes?: string[];
}

export interface UpgradeChoice {
  current: string;
  target: string;
  source: CandidateSource;
  /** CVEs this image is proven to fix: its application version reaches the fix, or a scan of it shows the fix. */
  fixes: string[];
  /** Fixable CVEs it is not proven to fix (rebuild, or upgrade the named package in the application). */
  unfixed: string[];
  /** The rule's inputs, so a model's pick is checked exactly as the program's candidates were. */
  checkOptions: CheckOptions;
  /** Every candidate the policy allowed, lowest first (what a model may pick from). */
  allowed: ImageCandidate[];
  /** Candidates refused, with the rule that refused them (`needsDigest`: allowed once its digest is known). */
  refused: Array<ImageCandidate & { reason: string; needsDigest?: boolean }>;
}

export interface CheckOptions {
  /** Tags derived from the report's fixed versions or scans (accepted when known tags are required). */
  derivedTags?: readonly string[];
  /** The real version of the scanned image (see scanned-version.ts); without it a moving tag's range counts. */
  scannedVersion?: string;
  /** Digests proven by a scan of the candidate tag: the only digests a plan may pin. */
  knownDigests?: readonly string[];
}

/** The deterministic rule every proposed image passes, whoever proposed it (config, Trivy mapping, or a model). */
export function checkImage(
  current: string,
  candidate: string,
  policy: ImagePolicy,
  options: CheckOptions = {},
): PolicyVerdict {
  const from = parseImageReference(current);
  const to = parseImageReference(candidate);
  if (!from) return { allowed: false, reason: `current image "${current}" is not a valid reference` };
  if (!to) return { allowed: false, reason: `"${candidate.slice(0, 200)}" is not a valid image reference` };
  if (repositoryKey(from) !== repositoryKey(to)) {
    return {
      allowed: false,
      reason: `different repository: ${repositoryKey(to)} (must stay ${repositoryKey(from)})`,
    };
  }
  if (policy.allowedRegistries.length > 0 && !policy.allowedRegistries.includes(to.registry)) {
    return { allowed: false, reason: `registry ${to.registry} is not in workloads.policy.allowed_registries` };
  }
  if (from.digest && !to.digest) {
    return { allowed: false, reason: `${current} is digest-pinned: the new image must be pinned too (tag@digest)` };
  }
  if (to.digest && !(options.knownDigests ?? []).includes(to.digest)) {
    return {
      allowed: false,
      reason: `digest ${to.digest.slice(0, 19)}... is not the digest a scan of that tag reported`,
    };
  }
  if (!from.tag || !to.tag) return { allowed: false, reason: 'both images need a version tag' };
  const fromVersion = parseTagVersion(from.tag);
  const toVersion = parseTagVersion(to.tag);
  if (!fromVersion) return { allowed: false, reason: `current tag "${from.tag}" is not a version` };
  if (!toVersion) return { allowed: false, reason: `tag "${to.tag}" is not a version` };
  const revised = (version: TagVersion) => version.revision !== undefined;
  if (
    fromVersion.variant !== toVersion.variant ||
    revised(fromVersion) !== revised(toVersion) ||
    fromVersion.prefix !== toVersion.prefix
  ) {
    return { allowed: false, reason: `tag "${to.tag}" changes the variant of "${from.tag}"` };
  }
  const scanned = options.scannedVersion ? parseTagVersion(options.scannedVersion) : undefined;
  const baseline = scanned ?? fromVersion;
  // A newer revision of the very version scanned (7.2.4-debian-12-r3 -> -r4) is a rebuild of it: newer too.
  const rebuild =
    scanned !== undefined &&
    fromVersion.precision === 3 &&
    compareNumbers(fromVersion.numbers, scanned.numbers) === 0 &&
    compareNumbers(toVersion.numbers, scanned.numbers) === 0 &&
    compareVersions(toVersion, fromVersion) > 0;
  if (scanned && compareVersions(toVersion, scanned) <= 0 && !rebuild) {
    return { allowed: false, reason: `tag "${to.tag}" is not newer than the scanned ${options.scannedVersion}` };
  }
  if (!scanned && fromVersion.precision < 3) {
    // A moving tag (3.10) may be any 3.10.x: only a version past the whole range is surely newer.
    const written = fromVersion.precision;
    const past = compareNumbers(toVersion.numbers.slice(0, written), fromVersion.numbers.slice(0, written)) > 0;
    if (!past) {
      return {
        allowed: false,
        reason: `tag "${to.tag}" may be the image already scanned: "${from.tag}" is a moving tag and the report does not say which version it was`,
      };
    }
  }
  if (!scanned && fromVersion.precision === 3 && compareVersions(toVersion, fromVersion) <= 0) {
    return { allowed: false, reason: `tag "${to.tag}" is not newer than "${from.tag}"` };
  }
  const [major, minor] = baseline.numbers;
  if (policy.allowedBump !== 'major' && toVersion.numbers[0] !== major) {
    return { allowed: false, reason: `tag "${to.tag}" is a major upgrade (allowed: ${policy.allowedBump})` };
  }
  if (policy.allowedBump === 'patch' && toVersion.numbers[1] !== minor) {
    return { allowed: false, reason: `tag "${to.tag}" is a minor upgrade (allowed: patch)` };
  }
  if (policy.requireKnownTag) {
    const known = knownTagsFor(current, policy);
    if (!known.includes(to.tag) && !(options.derivedTags ?? []).includes(to.tag)) {
      return { allowed: false, reason: `tag "${to.tag}" is not a known tag of ${repositoryKey(from)}` };
    }
  }
  return { allowed: true };
}

function compareNumbers(left: readonly number[], right: readonly number[]): number {
  for (let index = 0; index < left.length; index++) {
    if (left[index] !== right[index]) return Math.sign(left[index] - right[index]);
  }
  return 0;
}

export function knownTagsFor(image: string, policy: ImagePolicy): string[] {
  const reference = parseImageReference(image);
  if (!reference) return [];
  const written = image.split('@')[0].replace(/:[^/:]+$/, '');
  const short = reference.repository.replace(/^library\//, '');
  return [
    ...(policy.knownTags[repositoryKey(reference)] ?? []),
    ...(policy.knownTags[written] ?? []),
    ...(written !== short ? (policy.knownTags[short] ?? []) : []),
  ];
}

export function applicationPackageOf(image: string, policy: ImagePolicy): string | undefined {
  const reference = parseImageReference(image);
  if (!reference) return undefined;
  const written = image.split('@')[0].replace(/:[^/:]+$/, '');
  return (
    policy.applicationPackages[repositoryKey(reference)] ??
    policy.applicationPackages[written] ??
    reference.repository.split('/').pop()
  );
}
