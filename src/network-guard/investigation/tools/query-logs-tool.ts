import { z } from 'zod';
import type { AgentTool } from '../../../llm/tool-registry.ts';

/** Runs a read-only log query through the executor the log source supplies (it enforces read-only and caps). */
export type QueryLogsExecutor = (query: unknown) => Promise<unknown>;

const argumentsSchema = z.strictObject({
  query: z
    .record(z.string(), z.unknown())
    .describe('Elasticsearch query DSL body (query, aggs, size, sort) over the Traefik access logs of this incident'),
});

export function createQueryLogsTool(execute: QueryLogsExecutor): AgentTool<z.output<typeof argumentsSchema>> {
  return {
    name: 'query_logs',
    description:
      'Search the Traefik access logs (read-only). Use it to count requests per path, status and user agent for an IP.',
    argumentsSchema,
    run: async (args) => ({ status: 'ok', output: await execute(args.query) }),
  };
}
