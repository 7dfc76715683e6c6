import { errorMessage } from '../core/errors.ts';
import type { ImagePolicy, UpgradeChoice } from './image-policy.ts';
import { parseImageReference, withTag } from './image-reference.ts';
import type { RegistryClient } from './registry-client.ts';
import { chooseUpgrade, type UpgradeEvidence, type UpgradeRefusal } from './upgrade-choice.ts';
import type { Vulnerability } from './workload-finding.ts';

/** Digest lookups per plan: a pinned image needs only the digest of the tag that would be chosen. */
const MAX_DIGEST_LOOKUPS = 5;

/**
 * chooseUpgrade with the registry asked (workloads.policy.registry_lookup): its tag list says which tags exist, and
 * for a digest-pinned image the manifest digest of the candidates that only lacked one. A registry that cannot be
 * reached costs only this evidence: the choice is made without it, and the reason is noted.
 */
export async function chooseUpgradeWithRegistry(
  image: string,
  vulnerabilities: readonly Vulnerability[],
  policy: ImagePolicy,
  evidence: UpgradeEvidence,
  registry: RegistryClient | undefined,
  notes: string[],
): Promise<UpgradeChoice | UpgradeRefusal> {
  if (!registry) return chooseUpgrade(image, vulnerabilities, policy, evidence);
  let withRegistry = evidence;
  try {
    withRegistry = { ...evidence, registryTags: await registry.tags(image) };
  } catch (error) {
    notes.push(`${image}: registry tag list unavailable (${errorMessage(error).slice(0, 200)})`);
  }
  const first = chooseUpgrade(image, vulnerabilities, policy, withRegistry);
  if (!('refusal' in first) || !parseImageReference(image)?.digest) return first;
  const wanted = first.refused.filter((candidate) => candidate.needsDigest).slice(0, MAX_DIGEST_LOOKUPS);
  if (wanted.length === 0) return first;
  const registryDigests: Record<string, string> = {};
  for (const candidate of wanted) {
    try {
      const digest = await registry.digest(withTag(image, candidate.tag));
      if (digest) registryDigests[candidate.tag] = digest;
    } catch (error) {
      notes.push(`${image}: digest of ${candidate.tag} unavailable (${errorMessage(error).slice(0, 200)})`);
    }
  }
  return chooseUpgrade(image, vulnerabilities, policy, { ...withRegistry, registryDigests });
}
