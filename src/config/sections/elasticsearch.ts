import { z } from 'zod';
import { duration } from '../duration.ts';

/** The spec's `elasticsearch:` block. Absent means the Traefik file source is used instead. */
export const elasticsearchSection = z
  .strictObject({
    url: z.string().url(),
    username: z.string().optional(),
    password: z.string().optional(),
    index_pattern: z.string().default('traefik-logs-*'),
    api_key: z.string().optional(),
    bearer_token: z.string().optional(),
    ca_cert: z.string().optional(),
    insecure: z.boolean().default(false),
    kibana_url: z.string().optional(),
    interval: duration().default(60),
  })
  .optional();
