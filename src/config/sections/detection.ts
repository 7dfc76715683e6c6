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
    /**
     * A returning scanner: refused (401/403/404) on sensitive paths in this many separate visits (runs of clock hours
     * with a quiet hour between them) within `revisit_window` (0 turns the rule off).
     */
    revisits: z.number().int().nonnegative().default(3),
    revisit_window: duration().default(259200),
    /** A known scanner user agent needs at least this many requests before an incident opens. */
    scanner_agent_min_requests: z.number().int().positive().default(3),
    sensitive_paths: z.array(z.string()).default([]),
    scanner_user_agents: z.array(z.string()).default([]),
    replace_builtin_lists: z.boolean().default(false),
    /** Memory cap: the least recently seen IPs are forgotten beyond this many. */
    max_tracked_ips: z.number().int().positive().default(100000),
    /** Treat IPv6 addresses of one /64 as one client. */
    group_ipv6_by_64: z.boolean().default(true),
    /** Paths that are public content on every host (`/config.js`) or one (`shop.example.com/env.js`); `*` = prefix. */
    public_paths: z.array(z.string()).default([]),
    /** Paths that stay sensitive even when the site serves them to many clients. */
    always_sensitive: z.array(z.string()).default([]),
    /** What the agent learns of each site (RequestHost): public paths, the SPA fallback size. */
    site_profile: z
      .strictObject({
        public_min_clients: z.number().int().positive().default(10),
        fallback_min_paths: z.number().int().min(2).default(3),
        leak_min_bytes: z.number().int().nonnegative().default(32),
        warmup: duration().default(600),
        max_hosts: z.number().int().positive().default(200),
        max_paths_per_host: z.number().int().positive().default(2000),
      })
      .prefault({}),
    /** Distributed scans: members of one /24 (IPv4) or /48 (IPv6), or sharing one probe fingerprint. */
    campaigns: z
      .strictObject({
        enabled: z.boolean().default(true),
        min_members: z.number().int().min(2).default(5),
        max_tracked: z.number().int().positive().default(10000),
      })
      .prefault({}),
    /** Forward-confirmed reverse DNS for clients claiming to be a search engine crawler. */
    crawlers: z
      .strictObject({
        verify: z.boolean().default(true),
        /** `host` or `host:port` of the DNS server; empty = the system's resolvers. */
        dns_server: z.string().default(''),
        timeout: duration().default(2),
        cache_ttl: duration().default(86400),
      })
      .prefault({}),
  })
  .prefault({});
