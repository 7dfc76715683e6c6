import { z } from 'zod';
import { parseCidr } from '../../../core/ip-address.ts';
import type { AgentTool } from '../../../llm/tool-registry.ts';
import type { RecentLogEvents } from '../recent-log-events.ts';

const argumentsSchema = z.strictObject({
  client: z
    .string()
    .max(64)
    .refine((value) => parseCidr(value) !== undefined, 'expected an IP address or CIDR')
    .optional()
    .describe('only requests from this client address or network'),
  path_contains: z.string().max(200).optional().describe('only paths containing this text (decoded, lower case)'),
  statuses: z.array(z.number().int().min(100).max(599)).max(20).optional().describe('only these HTTP statuses'),
  since_minutes: z.number().int().min(1).max(1440).optional().describe('only the last N minutes of the log'),
  limit: z.number().int().min(0).max(50).default(10).describe('sample requests to return (at most 50)'),
});

/** query_logs on the file source: a structured filter over the source's recent events (no Elasticsearch needed). */
export function createRecentEventsQueryTool(events: RecentLogEvents): AgentTool<z.output<typeof argumentsSchema>> {
  return {
    name: 'query_logs',
    description:
      'Search the recent Traefik access-log events (read-only) by client, path text, status and time; returns counts per status, path, user agent and minute, plus sample requests.',
    argumentsSchema,
    run: async (args) => ({
      status: 'ok',
      output: events.query({
        client: args.client,
        pathContains: args.path_contains,
        statuses: args.statuses,
        sinceMinutes: args.since_minutes,
        limit: args.limit,
      }),
    }),
  };
}
