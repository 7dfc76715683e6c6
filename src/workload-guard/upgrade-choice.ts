import { isFixedBy, parseFixedVersions } from './fixed-versions.ts';
import {
  applicationPackageOf,
  type CheckOptions,
  checkImage,
  type ImageCandidate,
  type ImagePolicy,
  knownTagsFor,
  type UpgradeChoice,
} from './image-policy.ts';
import { compareVersions, parseImageReference, parseTagVersion, repositoryKey, withTag } from './image-reference.ts';
import { numericVersion, scannedVersion } from './scanned-version.ts';
import type { ImageScan } from './trivy-reports.ts';
import type { ScannedImage, Vulnerability } from './workload-finding.ts';

export interface UpgradeEvidence {
  /** What the report says the running image is (OS, digests, tags). */
  scanned?: ScannedImage;
  /** Every scan read this pass: a scan of a candidate tag proves which CVEs it fixes and gives its digest. */
  scans?: readonly ImageScan[];
  /** The registry's tag list (`workloads.policy.registry_lookup`): only listed tags exist, and they are candidates. */
  registryTags?: readonly string[];
  /** Manifest digests the registry gave, per tag, to keep a digest pin. */
  registryDigests?: Readonly<Record<string, string>>;
}

export interface UpgradeRefusal {
  current: string;
  refusal: string;
  refused: UpgradeChoice['refused'];
  /** No image tag is proven to fix anything: the fix is a rebuild (or an application dependency upgrade). */
  rebuild?: boolean;
}

/**
 * Chooses the new image for a vulnerable one, from what fixes its CVEs. Candidates are tags named by the
 * application package's fixed versions, tags of other scans of the same repository, and known tags; the policy
 * filters them (really newer than the scanned image, pinned when the current one is pinned). A candidate fixes a CVE
 * when its application version reaches the fixed version on that release line, or when a scan of it shows the
 * package fixed. The plan is the smallest allowed tag fixing the most; no plan when none is proven to fix anything.
 */
export function chooseUpgrade(
  current: string,
  vulnerabilities: readonly Vulnerability[],
  policy: ImagePolicy,
  evidence: UpgradeEvidence = {},
): UpgradeChoice | UpgradeRefusal {
  const reference = parseImageReference(current);
  const version = reference?.tag ? parseTagVersion(reference.tag) : undefined;
  if (!reference || !version) {
    return {
      current,
      refusal: `image "${current}" has no version tag to upgrade from: rebuild it to pick up the fixes`,
      refused: [],
      rebuild: true,
    };
  }
  const applicationPackage = applicationPackageOf(current, policy);
  const scanned = scannedVersion(current, vulnerabilities, evidence.scanned, applicationPackage);
  const fixable = vulnerabilities.filter((vulnerability) => vulnerability.fixedVersion);
  const derived = new Set<string>();
  for (const vulnerability of fixable) {
    if (vulnerability.package !== applicationPackage) continue;
    for (const entry of parseFixedVersions(upstreamVersions(vulnerability.fixedVersion))) {
      const tag = `${version.prefix}${entry.version.replace(/^v/, '')}${version.suffix}`;
      if (parseTagVersion(tag)) derived.add(tag);
    }
  }
  const scansOfRepository = (evidence.scans ?? []).filter((scan) => sameRepository(scan.image, current));
  const scanTags = new Set<string>();
  for (const scan of scansOfRepository) {
    for (const name of [scan.image, ...scan.scanned.tags]) {
      const tag = parseImageReference(name)?.tag;
      if (tag && sameRepository(name, current)) scanTags.add(tag);
    }
  }
  const seen = new Set<string>();
  const candidates: ImageCandidate[] = [];
  const push = (tag: string, source: ImageCandidate['source']) => {
    if (seen.has(tag)) return;
    seen.add(tag);
    const digest = reference.digest
      ? (pinnableDigests(scanOf(scansOfRepository, current, tag), current)[0] ?? evidence.registryDigests?.[tag])
      : '';
    const image = `${withTag(current, tag)}${digest ? `@${digest}` : ''}`;
    candidates.push({ image, tag, source });
  };
  for (const tag of derived) push(tag, 'fixed-version');
  for (const tag of scanTags) push(tag, 'scan-report');
  for (const tag of knownTagsFor(current, policy)) push(tag, 'known-tags');
  for (const tag of evidence.registryTags ?? []) if (parseTagVersion(tag)) push(tag, 'registry');
  const listed = evidence.registryTags ? new Set(evidence.registryTags) : undefined;

  const checkOptions: CheckOptions = {
    derivedTags: [...derived, ...scanTags, ...(evidence.registryTags ?? [])],
    ...(scanned ? { scannedVersion: scanned.version } : {}),
    knownDigests: [
      ...scansOfRepository.flatMap((scan) => pinnableDigests(scan, current)),
      ...Object.values(evidence.registryDigests ?? {}),
    ],
  };
  const allowed: ImageCandidate[] = [];
  const refused: UpgradeChoice['refused'] = [];
  for (const candidate of candidates) {
    if (listed && !listed.has(candidate.tag)) {
      refused.push({ ...candidate, reason: `tag "${candidate.tag}" is not in the registry's tag list` });
      continue;
    }
    const verdict = checkImage(current, candidate.image, policy, checkOptions);
    if (!verdict.allowed) {
      // Would the same tag pass with a digest? Then say which digest is missing, else the rule the tag itself fails.
      const unpinned =
        reference.digest && !candidate.image.includes('@')
          ? checkImage(current.split('@')[0], candidate.image, policy, checkOptions)
          : undefined;
      const needsDigest = unpinned?.allowed === true;
      refused.push({
        ...candidate,
        ...(needsDigest ? { needsDigest } : {}),
        reason: needsDigest
          ? `${current} is digest-pinned and no scan of ${candidate.tag} gives its digest: scan ${withTag(current, candidate.tag)} (its report's RepoDigests) or enable workloads.policy.registry_lookup to pin it`
          : unpinned && !unpinned.allowed
            ? unpinned.reason
            : verdict.reason,
      });
      continue;
    }
    candidate.fixes = fixesOf(
      candidate.tag,
      fixable,
      applicationPackage,
      scanOf(scansOfRepository, current, candidate.tag),
    );
    allowed.push(candidate);
  }
  const fixing = allowed
    .filter((candidate) => candidate.fixes!.length > 0)
    .sort((left, right) => compareVersions(parseTagVersion(left.tag)!, parseTagVersion(right.tag)!));
  const needed = [...new Set(fixable.map((vulnerability) => vulnerability.id))];
  if (fixing.length === 0) {
    const scannedText = scanned && !scanned.evidence.startsWith('tag ') ? ` (scanned: ${scanned.evidence})` : '';
    const refusal =
      candidates.length === 0
        ? `no tag of ${current}${scannedText} is known to carry the fixes (none is named by a fixed version, scanned, or in workloads.policy.known_tags): rebuild the image to pick up the fixed packages`
        : allowed.length === 0
          ? `every candidate tag for ${current}${scannedText} is refused by the policy: rebuild the image to pick up the fixed packages`
          : `no allowed tag of ${current}${scannedText} is proven to fix any of its CVEs (${allowed.map((candidate) => candidate.tag).join(', ')} may not carry the fixed packages): rebuild the image instead, or scan ${newest(allowed).image} to prove it does`;
    return { current, refusal, refused, rebuild: true };
  }
  const most = Math.max(...fixing.map((candidate) => candidate.fixes!.length));
  const chosen = fixing.find((candidate) => candidate.fixes!.length === most)!;
  return {
    current,
    target: chosen.image,
    source: chosen.source,
    fixes: chosen.fixes!,
    unfixed: needed.filter((id) => !chosen.fixes!.includes(id)),
    checkOptions,
    allowed: fixing,
    refused,
  };
}

/** CVEs a candidate is proven to fix: its own application version reaches the fix, or its scan shows it fixed. */
function fixesOf(
  tag: string,
  fixable: readonly Vulnerability[],
  applicationPackage: string | undefined,
  scan: ImageScan | undefined,
): string[] {
  const version = parseTagVersion(tag)!;
  const tagVersion = version.numbers.join('.');
  const fixed = new Set<string>();
  const unproven = new Set<string>();
  for (const vulnerability of fixable) {
    // The tag's version proves a fix of the application only when it is another release than the one installed: a
    // rebuild of the same release (`3.10.9-r1` of an installed `3.10.9-r0`) says nothing by its number.
    const sameRelease = numericVersion(vulnerability.installedVersion) === tagVersion;
    if (vulnerability.package === applicationPackage && version.precision === 3 && !sameRelease) {
      if (isFixedBy(tagVersion, upstreamVersions(vulnerability.fixedVersion))) fixed.add(vulnerability.id);
      continue;
    }
    if (!scan) continue;
    // A scan that did not look at this kind of package (`trivy --pkg-types os`) cannot show it fixed.
    const kind = vulnerability.packageClass;
    if (scan.packageClasses && kind && !scan.packageClasses.includes(kind)) {
      unproven.add(vulnerability.id);
      continue;
    }
    const same = scan.vulnerabilities.find(
      (entry) => entry.id === vulnerability.id && entry.package === vulnerability.package,
    );
    if (!same) fixed.add(vulnerability.id);
  }
  // A CVE present in several packages is fixed only when every one of them is.
  for (const vulnerability of fixable) {
    if (!fixed.has(vulnerability.id)) continue;
    const stillThere =
      scan?.vulnerabilities.some((entry) => entry.id === vulnerability.id && entry.package !== applicationPackage) ??
      false;
    const otherUnproven =
      !scan && fixable.some((entry) => entry.id === vulnerability.id && entry.package !== applicationPackage);
    if (stillThere || otherUnproven || unproven.has(vulnerability.id)) fixed.delete(vulnerability.id);
  }
  return [...fixed];
}

/**
 * The application's own versions in a fixed-version list: a distribution package revision (`1.25.5-1~bookworm`,
 * `7.2.6-r0`, `1.2.3+deb12u1`) names the upstream release the image tag carries (`1.25.5`).
 */
export function upstreamVersions(fixedVersion: string): string {
  return fixedVersion
    .split(',')
    .map((entry) => entry.trim().replace(/^(\D*\d+\.\d+\.\d+)(?:-\d[^\s]*|-r\d+|\+[^\s]+)$/, '$1'))
    .join(', ');
}

function newest(candidates: readonly ImageCandidate[]): ImageCandidate {
  return candidates.reduce((left, right) =>
    compareVersions(parseTagVersion(left.tag)!, parseTagVersion(right.tag)!) >= 0 ? left : right,
  );
}

/** The scan of `tag` in the current image's repository (a RepoTags name of another repository says nothing of it). */
function scanOf(scans: readonly ImageScan[], current: string, tag: string): ImageScan | undefined {
  return scans.find((scan) =>
    [scan.image, ...scan.scanned.tags].some(
      (name) => parseImageReference(name)?.tag === tag && sameRepository(name, current),
    ),
  );
}

function sameRepository(left: string, right: string): boolean {
  const a = parseImageReference(left);
  const b = parseImageReference(right);
  return Boolean(a && b && repositoryKey(a) === repositoryKey(b));
}

/**
 * The registry digests of a scan that `current`'s repository has: its RepoDigests entries of that repository (an image
 * pushed to another registry has another digest there), or, without RepoDigests (an Operator report, which is of one
 * repository), every registry digest.
 */
function pinnableDigests(scan: ImageScan | undefined, current: string): string[] {
  if (!scan) return [];
  if (!scan.scanned.repoDigests) return scan.scanned.digests.filter((digest) => digest.startsWith('sha256:'));
  return scan.scanned.repoDigests.flatMap((entry) => {
    const reference = parseImageReference(entry);
    return reference?.digest && sameRepository(entry, current) ? [reference.digest] : [];
  });
}
