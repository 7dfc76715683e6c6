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
    /**
     * Extra Host names a loopback listener answers to (a reverse proxy on the same machine that keeps the original
     * Host). Everything else is refused, so a DNS-rebinding page cannot reach the API through the browser.
     */
    allowed_hosts: z.array(z.string().min(1)).default([]),
  })
  .prefault({});
