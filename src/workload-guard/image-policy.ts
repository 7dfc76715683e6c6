import {
  comparePackageVersions,
  compareVersions,
  parseImageReference,
  parseTagVersion,
  repositoryKey,
  withTag,
} from './image-reference.ts';
import type { Vulnerability } from './workload-finding.ts';

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

export type CandidateSource = 'fixed-version' | 'known-tags' | 'llm';

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
  /** CVEs whose fixed version this tag is known to reach (application package); others may or may not be fixed. */
  fixes: string[];
  /** Every candidate the policy allowed, lowest first (what a model may pick from). */
  allowed: ImageCandidate[];
  /** Candidates refused, with the rule that refused them. */
  refused: Array<ImageCandidate & { reason: string }>;
}

/** The deterministic rule every proposed image passes, whoever proposed it (config, Trivy mapping, or a model). */
export function checkImage(
  current: string,
  candidate: string,
  policy: ImagePolicy,
  derivedTags: readonly string[] = [],
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
  if (to.digest) return { allowed: false, reason: 'a digest-pinned image cannot be checked against tag rules' };
  if (!from.tag || !to.tag) return { allowed: false, reason: 'both images need a version tag' };
  const fromVersion = parseTagVersion(from.tag);
  const toVersion = parseTagVersion(to.tag);
  if (!fromVersion) return { allowed: false, reason: `current tag "${from.tag}" is not a version` };
  if (!toVersion) return { allowed: false, reason: `tag "${to.tag}" is not a version` };
  if (fromVersion.suffix !== toVersion.suffix || fromVersion.prefix !== toVersion.prefix) {
    return { allowed: false, reason: `tag "${to.tag}" changes the variant of "${from.tag}"` };
  }
  if (compareVersions(toVersion, fromVersion) <= 0) {
    return { allowed: false, reason: `tag "${to.tag}" is not newer than "${from.tag}"` };
  }
  const [major, minor] = fromVersion.numbers;
  if (policy.allowedBump !== 'major' && toVersion.numbers[0] !== major) {
    return { allowed: false, reason: `tag "${to.tag}" is a major upgrade (allowed: ${policy.allowedBump})` };
  }
  if (policy.allowedBump === 'patch' && toVersion.numbers[1] !== minor) {
    return { allowed: false, reason: `tag "${to.tag}" is a minor upgrade (allowed: patch)` };
  }
  if (policy.requireKnownTag) {
    const known = knownTagsFor(current, policy);
    if (!known.includes(to.tag) && !derivedTags.includes(to.tag)) {
      return { allowed: false, reason: `tag "${to.tag}" is not a known tag of ${repositoryKey(from)}` };
    }
  }
  return { allowed: true };
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

/**
 * Chooses the new image for a vulnerable one. Candidates are the fixed versions of the image's own application
 * package (mapped to tags with the current prefix and variant) and the known tags; the policy filters them. With a
 * mapped fixed version the lowest allowed tag reaching it wins (smallest change that fixes); otherwise the newest
 * allowed known tag (the latest patch level in policy carries the most OS-package fixes).
 */
export function chooseUpgrade(
  current: string,
  vulnerabilities: readonly Vulnerability[],
  policy: ImagePolicy,
): UpgradeChoice | { current: string; refusal: string; refused: UpgradeChoice['refused'] } {
  const reference = parseImageReference(current);
  const version = reference?.tag ? parseTagVersion(reference.tag) : undefined;
  if (!reference || !version) {
    return { current, refusal: `image "${current}" has no version tag to upgrade from`, refused: [] };
  }
  const applicationPackage = applicationPackageOf(current, policy);
  const fixedVersions: Array<{ cve: string; version: string }> = [];
  for (const vulnerability of vulnerabilities) {
    if (vulnerability.package !== applicationPackage || !vulnerability.fixedVersion) continue;
    for (const fixed of vulnerability.fixedVersion.split(/[,\s]+/).filter(Boolean)) {
      fixedVersions.push({ cve: vulnerability.id, version: fixed.replace(/^v/, '') });
    }
  }
  const derived = [
    ...new Set(fixedVersions.map((entry) => `${version.prefix}${entry.version}${version.suffix}`)),
  ].filter((tag) => parseTagVersion(tag));
  const candidates: ImageCandidate[] = [
    ...derived.map((tag) => ({ image: withTag(current, tag), tag, source: 'fixed-version' as const })),
    ...knownTagsFor(current, policy)
      .filter((tag) => !derived.includes(tag))
      .map((tag) => ({ image: withTag(current, tag), tag, source: 'known-tags' as const })),
  ];
  const allowed: ImageCandidate[] = [];
  const refused: UpgradeChoice['refused'] = [];
  for (const candidate of candidates) {
    const verdict = checkImage(current, candidate.image, policy, derived);
    if (verdict.allowed) allowed.push(candidate);
    else refused.push({ ...candidate, reason: verdict.reason });
  }
  allowed.sort((left, right) => compareVersions(parseTagVersion(left.tag)!, parseTagVersion(right.tag)!));
  if (allowed.length === 0) {
    const refusal =
      candidates.length === 0
        ? `no candidate tag for ${current}: add tags to workloads.policy.known_tags, or no fixed version maps to a tag`
        : `every candidate tag for ${current} is refused by the policy`;
    return { current, refusal, refused };
  }
  const fixesOf = (tag: string) => {
    const tagVersion = tag.replace(/^v/, '').replace(version.suffix, '');
    return [
      ...new Set(
        fixedVersions
          .filter((entry) => comparePackageVersions(tagVersion, entry.version) >= 0)
          .map((entry) => entry.cve),
      ),
    ];
  };
  for (const candidate of allowed) candidate.fixes = fixesOf(candidate.tag);
  const neededCves = new Set(fixedVersions.map((entry) => entry.cve));
  const fixing = allowed.find((candidate) => neededCves.size > 0 && candidate.fixes!.length === neededCves.size);
  const chosen = fixing ?? allowed[allowed.length - 1];
  return {
    current,
    target: chosen.image,
    source: chosen.source,
    fixes: chosen.fixes!,
    allowed,
    refused,
  };
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
