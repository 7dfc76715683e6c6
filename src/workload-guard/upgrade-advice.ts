import { z } from 'zod';
import type { LlmClient } from '../llm/llm-client.ts';
import { checkImage, type ImagePolicy, type UpgradeChoice } from './image-policy.ts';
import { withTag } from './image-reference.ts';
import type { Vulnerability } from './workload-finding.ts';

const adviceSchema = z.object({
  tag: z.string().max(128),
  explanation: z.string().max(600),
});

export interface UpgradeAdvice {
  choice: UpgradeChoice;
  explanation?: string;
  /** What happened to the model's suggestion (recorded with the plan). */
  note?: string;
}

const SYSTEM = [
  'You help choose a container image tag that fixes known vulnerabilities with the smallest safe change.',
  'Pick exactly one tag from the allowed list and explain in at most three sentences which CVEs it addresses and',
  'any upgrade risk. Tags outside the allowed list are discarded by the program. Your answer is advice; a human',
  'approves the patch.',
].join(' ');

/**
 * Lets the model pick among the tags the policy already allowed and explain the choice. Its pick passes the same
 * policy again and must be one of the allowed candidates: a model cannot introduce an image. Any failure keeps the
 * deterministic choice.
 */
export async function adviseOnUpgrade(
  llm: LlmClient | undefined,
  choice: UpgradeChoice,
  vulnerabilities: readonly Vulnerability[],
  policy: ImagePolicy,
): Promise<UpgradeAdvice> {
  if (!llm || choice.allowed.length === 0) return { choice };
  const result = await llm.generateJson({
    purpose: 'workload-upgrade',
    system: SYSTEM,
    instruction: `Current image: ${choice.current}. Allowed tags: ${choice.allowed.map((candidate) => candidate.tag).join(', ')}. The program would pick ${choice.target}. Vulnerabilities are in the data.`,
    data: {
      vulnerabilities: vulnerabilities.slice(0, 40).map((entry) => ({
        id: entry.id,
        severity: entry.severity,
        package: entry.package,
        installed: entry.installedVersion,
        fixed: entry.fixedVersion,
      })),
    },
    schema: adviceSchema,
  });
  if (result.status !== 'ok') return { choice, note: `model advice unavailable (${result.status})` };
  const candidate = choice.allowed.find((entry) => entry.tag === result.value.tag.trim());
  const answer = result.value.tag.trim();
  // A full reference ("registry/repo:tag") is checked as written; a bare tag is put on the current repository.
  const suggested = candidate?.image ?? (/[/:@]/.test(answer) ? answer : withTag(choice.current, answer));
  const verdict = checkImage(choice.current, suggested, policy, choice.checkOptions);
  if (!candidate || !verdict.allowed) {
    const reason = verdict.allowed ? 'not one of the allowed candidates' : verdict.reason;
    return { choice, note: `model suggested "${result.value.tag.slice(0, 128)}", refused: ${reason}` };
  }
  const explanation = result.value.explanation.trim();
  if (candidate.image === choice.target) return { choice, explanation };
  return {
    choice: {
      ...choice,
      target: candidate.image,
      source: 'llm',
      fixes: candidate.fixes ?? [],
      unfixed: [...choice.fixes, ...choice.unfixed].filter((id) => !(candidate.fixes ?? []).includes(id)),
    },
    explanation,
    note: `model chose ${candidate.tag} over ${choice.target}`,
  };
}
