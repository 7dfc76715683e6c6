// Test helper: a fresh temp directory with a config.yaml whose database and audit log live in it, for the tests that
// run the CLI or the daemon against a real config file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface TempConfig {
  directory: string;
  /** The config.yaml path. */
  config: string;
}

/** `settings` is built from the directory so it can name files in it; its keys win over the database and audit ones. */
export function tempConfig(
  prefix: string,
  settings: (directory: string) => Record<string, unknown> = () => ({}),
): TempConfig {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const config = join(directory, 'config.yaml');
  writeFileSync(
    config,
    stringify({
      database: { path: join(directory, 'agent.db') },
      audit: { path: join(directory, 'audit.jsonl') },
      ...settings(directory),
    }),
  );
  return { directory, config };
}
