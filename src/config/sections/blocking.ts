import { z } from 'zod';
import { duration } from '../duration.ts';

/** How blocks are enforced, and which addresses may never be blocked. */
export const blockingSection = z
  .strictObject({
    /** traefik-file writes a dynamic-config deny list; kubernetes edits the cluster's own pattern; none only records. */
    blocker: z.enum(['auto', 'traefik-file', 'kubernetes', 'none']).default('auto'),
    duration: duration().default(86400),
    traefik_file: z
      .strictObject({
        path: z.string().default('./data/traefik-dynamic/devops-agent-denylist.yaml'),
        middleware_name: z.string().default('devops-agent-denylist'),
        plugin_name: z.string().default('denyip'),
      })
      .prefault({}),
    /** Private, loopback and link-local ranges cannot be blocked unless this is false. */
    protect_private_ranges: z.boolean().default(true),
    protected_ranges: z.array(z.string()).default([]),
    max_entries: z.number().int().positive().default(10000),
  })
  .prefault({});
