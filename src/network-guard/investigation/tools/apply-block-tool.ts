import { z } from 'zod';
import type { Mode } from '../../../config/schema.ts';
import type { AgentTool } from '../../../llm/tool-registry.ts';
import type { BlockPolicy } from '../../blocking/block-policy.ts';

/** Performs the block the cluster's way (the action layer); its result is shown to the model as data. */
export type ApplyBlock = (target: string, incidentId: number) => Promise<unknown>;
/** Records a block recommendation for a human (review mode). */
export type RecommendBlock = (target: string, incidentId: number, reason: string) => Promise<unknown> | unknown;

export interface ApplyBlockToolOptions {
  mode: Mode;
  policy: BlockPolicy;
  /** The IPs the detector itself saw for this incident: the only targets a model may name. */
  evidenceTargets: ReadonlySet<string>;
  applyBlock: ApplyBlock;
  recommendBlock?: RecommendBlock;
  /** Told about every refused block attempt (the audit), besides the tool-call record the agent loop keeps. */
  onRefused?: (attempt: { target: string; rule: string; reason: string; incidentId?: number }) => void;
}

const argumentsSchema = z.strictObject({
  target: z.string().max(64).describe('the IP address (or narrow CIDR) to block; it must be one seen in the evidence'),
  reason: z.string().max(500).describe('one sentence: why this target should be blocked'),
});

/**
 * The only tool with an effect. Its gate is the deterministic part: the mode (`disabled` never runs, `review` only
 * records a recommendation, `auto` applies) and BlockPolicy (allowlist, protected ranges, trusted proxies, evidence).
 */
export function createApplyBlockTool(options: ApplyBlockToolOptions): AgentTool<z.output<typeof argumentsSchema>> {
  return {
    name: 'apply_block',
    description:
      "Block an attacking IP seen in this incident's evidence. Subject to policy and operating mode; may be refused.",
    argumentsSchema,
    gate: ({ target }, context) => {
      const refuse = (rule: string, reason: string) => {
        options.onRefused?.({ target, rule, reason, incidentId: context.incidentId });
        return { allowed: false as const, reason: `${rule}: ${reason}` };
      };
      if (options.mode === 'disabled') return refuse('mode', 'mode is disabled: the agent is read-only');
      if (context.incidentId === undefined) return refuse('no_incident', 'blocks need an incident');
      const verdict = options.policy.evaluate(target, options.evidenceTargets);
      return verdict.allowed ? { allowed: true } : refuse(verdict.rule, verdict.reason);
    },
    run: async ({ target, reason }, context) => {
      const incidentId = context.incidentId as number;
      // re-evaluated here so `run` is safe even if a caller skipped the gate
      const verdict = options.policy.evaluate(target, options.evidenceTargets);
      if (!verdict.allowed) return { status: 'refused', reason: `${verdict.rule}: ${verdict.reason}` };
      if (options.mode === 'auto') {
        return {
          status: 'ok',
          output: { applied: verdict.target, result: await options.applyBlock(verdict.target, incidentId) },
        };
      }
      if (options.mode !== 'review') return { status: 'refused', reason: `mode ${options.mode} does not allow blocks` };
      const recorded = await options.recommendBlock?.(verdict.target, incidentId, reason);
      return { status: 'recommended', output: { recommended: verdict.target, awaiting: 'human approval', recorded } };
    },
  };
}
