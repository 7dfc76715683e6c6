// Test and bench helper: a config with its database, audit log and Traefik deny file in one directory, the store, and
// the file blocker, as NetworkGuard is built from them where no daemon runs.
import { join } from 'node:path';
import { defaultConfig } from '../../config/load-config.ts';
import { openStore } from '../../store/store.ts';
import { TraefikFileBlocker } from '../blocking/traefik-file/traefik-file-blocker.ts';

/** Files are `<label>.db`, `<label>.audit.jsonl` and `denylist.yaml` in `dir`; `settings` win over them. */
export function fileBlockerGuardParts(
  dir: string,
  settings: Record<string, unknown>,
  options: { label?: string; maxEntries: number },
) {
  const label = options.label ?? 'agent';
  const config = defaultConfig({
    'database.path': join(dir, `${label}.db`),
    'audit.path': join(dir, `${label}.audit.jsonl`),
    'blocking.traefik_file.path': join(dir, 'denylist.yaml'),
    ...settings,
  });
  const store = openStore(config.database.path, config.audit.path);
  const blocker = new TraefikFileBlocker({ ...config.blocking.traefik_file, max_entries: options.maxEntries });
  return { config, store, blocker };
}
