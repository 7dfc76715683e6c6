import { IpSet, parseCidr } from '../../core/ip-address.ts';
import type { AllowlistStore } from '../../store/allowlist-store.ts';

/** Ranges that are never blocked unless `blocking.protect_private_ranges: false`: our own networks and plumbing. */
export const PRIVATE_RANGES: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::1/128',
  '::/128',
  'fc00::/7',
  'fe80::/10',
];

export type TargetVerdict =
  | { allowed: true; target: string }
  | {
      allowed: false;
      rule: 'invalid' | 'allowlisted' | 'protected' | 'trusted_proxy' | 'no_evidence' | 'too_broad';
      reason: string;
    };

export interface BlockPolicyOptions {
  allowlist: AllowlistStore;
  trustedProxies: readonly string[];
  protectedRanges: readonly string[];
  protectPrivateRanges: boolean;
}

/**
 * The one deterministic gate every block passes, whoever asked for it (detector, reviewer, LLM tool call):
 * the target must be a valid address or narrow network, not allowlisted, not protected, not a trusted proxy, and,
 * when `evidenceTargets` is given, one the agent's own evidence saw.
 */
export class BlockPolicy {
  readonly #allowlist: AllowlistStore;
  readonly #protected: IpSet;
  readonly #trustedProxies: IpSet;

  constructor(options: BlockPolicyOptions) {
    this.#allowlist = options.allowlist;
    this.#protected = new IpSet([...(options.protectPrivateRanges ? PRIVATE_RANGES : []), ...options.protectedRanges]);
    this.#trustedProxies = new IpSet(options.trustedProxies);
  }

  evaluate(target: string, evidenceTargets?: ReadonlySet<string>): TargetVerdict {
    const cidr = typeof target === 'string' ? parseCidr(target) : undefined;
    if (!cidr)
      return { allowed: false, rule: 'invalid', reason: `${JSON.stringify(target)} is not an IP address or CIDR` };
    const minimumPrefix = cidr.family === 'ipv4' ? 24 : 48;
    if (cidr.prefix < minimumPrefix) {
      return { allowed: false, rule: 'too_broad', reason: `${target} is wider than /${minimumPrefix}` };
    }
    const canonical =
      cidr.prefix === (cidr.family === 'ipv4' ? 32 : 128) ? cidr.address : `${cidr.address}/${cidr.prefix}`;
    const allowlisted = this.#allowlist.match(canonical);
    if (allowlisted) {
      return {
        allowed: false,
        rule: 'allowlisted',
        reason: `${canonical} is allowlisted (${allowlisted.ipOrCidr}: ${allowlisted.description || 'no description'})`,
      };
    }
    if (this.#trustedProxies.overlapping(canonical)) {
      return { allowed: false, rule: 'trusted_proxy', reason: `${canonical} is or contains a trusted proxy` };
    }
    if (this.#protected.overlapping(canonical)) {
      return { allowed: false, rule: 'protected', reason: `${canonical} is in a protected range` };
    }
    if (evidenceTargets && !evidenceTargets.has(canonical)) {
      return { allowed: false, rule: 'no_evidence', reason: `${canonical} was not seen by the agent's own detection` };
    }
    return { allowed: true, target: canonical };
  }
}
