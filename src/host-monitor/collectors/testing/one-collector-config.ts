import { join } from 'node:path';
import { defaultConfig } from '../../../config/load-config.ts';
import type { Config } from '../../../config/schema.ts';

/**
 * A monitor config for a collector's integration test: its database and audit in `directory`, the log readers,
 * Docker and temperatures off (they would read this machine's), UTC, and `monitor` (the collector under test) on top.
 */
export function oneCollectorConfig(directory: string, monitor: Record<string, unknown>): Config {
  return defaultConfig({
    'database.path': join(directory, 'agent.db'),
    'audit.path': join(directory, 'audit.jsonl'),
    monitor: { auth_log: '', syslog: '', docker: false, temperatures: false, timezone: 'UTC', ...monitor },
  });
}
