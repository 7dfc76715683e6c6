import { z } from 'zod';
import { duration } from '../duration.ts';

/** Secrets-scanning thresholds. Every list here extends the built-in one unless `replace_builtin_lists` is set. */
export const detectionSection = z
  .strictObject({
    /** Short window for burst detection (spec: > 50 sensitive requests per minute). */
    window: duration().default(60),
    rate_per_window: z.number().int().positive().default(50),
    /** Long window catches slow scanners that spread probes over an hour. */
    slow_window: duration().default(3600),
    /** Distinct sensitive paths probed within the slow window that mark a scanner, whatever the status. */
    distinct_sensitive_paths: z.number().int().positive().default(5),
    /** Sensitive hits answered 401/403/404 within the slow window. */
    min_sensitive_failures: z.number().int().positive().default(10),
    /** A known scanner user agent needs at least this many requests before an incident opens. */
    scanner_agent_min_requests: z.number().int().positive().default(3),
    sensitive_paths: z.array(z.string()).default([]),
    scanner_user_agents: z.array(z.string()).default([]),
    replace_builtin_lists: z.boolean().default(false),
    /** Memory cap: the least recently seen IPs are forgotten beyond this many. */
    max_tracked_ips: z.number().int().positive().default(100000),
    /** Treat IPv6 addresses of one /64 as one client. */
    group_ipv6_by_64: z.boolean().default(true),
  })
  .prefault({});
