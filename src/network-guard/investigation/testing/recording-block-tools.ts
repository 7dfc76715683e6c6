// Test helper: the network guard's agent tools as the investigation tests give them to a model, with the deterministic
// block policy over the store's allowlist and block/recommend actions that only record their targets.
import type { Mode } from '../../../config/schema.ts';
import type { AllowlistStore } from '../../../store/allowlist-store.ts';
import { BlockPolicy, type BlockPolicyOptions } from '../../blocking/block-policy.ts';

export function recordingBlockTools(
  allowlist: AllowlistStore,
  mode: Mode,
  policy: Partial<Omit<BlockPolicyOptions, 'allowlist'>> = {},
) {
  const applied: string[] = [];
  const recommended: string[] = [];
  const tools = {
    mode,
    policy: new BlockPolicy({
      allowlist,
      trustedProxies: policy.trustedProxies ?? [],
      protectedRanges: policy.protectedRanges ?? [],
      protectPrivateRanges: policy.protectPrivateRanges ?? true,
    }),
    allowlist,
    applyBlock: async (target: string) => {
      applied.push(target);
      return { status: 'applied' as const };
    },
    recommendBlock: (target: string) => {
      recommended.push(target);
      return { actionId: 1 };
    },
  };
  return { tools, applied, recommended };
}
