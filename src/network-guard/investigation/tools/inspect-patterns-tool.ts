import { z } from 'zod';
import type { AgentTool } from '../../../llm/tool-registry.ts';

/** Returns the IP-blocking patterns the cluster already uses (Traefik middlewares, ConfigMap lists, NetworkPolicies). */
export type InspectPatterns = () => Promise<unknown>;

const argumentsSchema = z.strictObject({});

export function createInspectPatternsTool(inspect: InspectPatterns): AgentTool<z.output<typeof argumentsSchema>> {
  return {
    name: 'inspect_patterns',
    description: 'List how this cluster already blocks IP addresses (read-only), so a block would follow that pattern.',
    argumentsSchema,
    run: async () => ({ status: 'ok', output: await inspect() }),
  };
}
