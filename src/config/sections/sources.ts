import { z } from 'zod';
import { duration } from '../duration.ts';

/** Where Traefik access logs come from when Elasticsearch is not configured. */
export const sourcesSection = z
  .strictObject({
    traefik_file: z
      .strictObject({
        path: z.string().default('./data/traefik-access.log'),
        format: z.enum(['auto', 'json', 'clf']).default('auto'),
        /** Where a first start (no saved position) begins: the whole file, or only new lines. */
        start_at: z.enum(['beginning', 'end']).default('beginning'),
        /** Writes a realistic sample log with a few scanners when the file does not exist (the demo default). */
        generate_sample: z.boolean().default(false),
        /** How often the file is checked for new lines (also woken by file-system events). */
        poll_interval: duration().default(1),
        /** Wake on inotify events for the log's directory as well, so new lines are read at once. */
        watch: z.boolean().default(true),
        max_line_bytes: z.number().int().positive().default(16384),
        /**
         * Threads that read a backlog of 64 MiB or more (after downtime, or a flood written faster than one thread
         * reads), as `scan --threads` does; 0: the CPU count, 1: the daemon's thread alone.
         */
        catch_up_threads: z.number().int().min(0).max(64).default(0),
      })
      .prefault({}),
  })
  .prefault({});
