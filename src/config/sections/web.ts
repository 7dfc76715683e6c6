import { z } from 'zod';

/** The review page and REST API (`--serve-spa`). */
export const webSection = z
  .strictObject({
    enabled: z.boolean().default(false),
    listen: z.string().default('127.0.0.1:8080'),
    /** Bearer token for the API and page; required in practice when listening beyond loopback. */
    token: z.string().optional(),
    /** Binding outside loopback must be asked for explicitly. */
    allow_remote: z.boolean().default(false),
  })
  .prefault({});
