import { z } from 'zod';
import { parseCidr } from '../../../core/ip-address.ts';
import type { AgentTool } from '../../../llm/tool-registry.ts';
import type { AllowlistStore } from '../../../store/allowlist-store.ts';

const argumentsSchema = z.strictObject({
  ip: z
    .string()
    .max(64)
    .refine((value) => parseCidr(value) !== undefined, 'expected an IP address or CIDR'),
});

export function createCheckAllowlistTool(allowlist: AllowlistStore): AgentTool<z.output<typeof argumentsSchema>> {
  return {
    name: 'check_allowlist',
    description: 'Tell whether an IP address or CIDR is on the allowlist (allowlisted addresses are never blocked).',
    argumentsSchema,
    run: async ({ ip }) => {
      const entry = allowlist.match(ip);
      return {
        status: 'ok',
        output: entry
          ? { ip, allowlisted: true, entry: entry.ipOrCidr, description: entry.description, expiresAt: entry.expiresAt }
          : { ip, allowlisted: false },
      };
    },
  };
}
