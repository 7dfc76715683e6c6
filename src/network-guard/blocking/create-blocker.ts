import type { Config } from '../../config/schema.ts';
import { ConfigError } from '../../core/errors.ts';
import type { Store } from '../../store/store.ts';
import type { Blocker } from './blocker.ts';

export type BlockerKind = 'traefik-file' | 'kubernetes' | 'none';
type BlockerFactory = (config: Config, store: Store) => Promise<Blocker>;

/** Records decisions but enforces nothing (`blocking.blocker: none`): every apply reports why. */
class RecordOnlyBlocker implements Blocker {
  readonly kind = 'none';
  async plan() {
    return { blocker: this.kind, object: '(no blocker configured)', diff: '', alreadyBlocked: false };
  }
  async apply() {
    return {
      status: 'failed' as const,
      error: 'blocking.blocker is "none": nothing enforces blocks',
      isRetryable: false,
    };
  }
  async revert() {
    return { status: 'unchanged' as const, detail: 'blocking.blocker is "none"' };
  }
}

// Each blocker's module (the Kubernetes client is the heaviest import of the program) loads only when it is chosen.
export const BLOCKERS = {
  'traefik-file': async (config) => {
    const { TraefikFileBlocker } = await import('./traefik-file/traefik-file-blocker.ts');
    return new TraefikFileBlocker({ ...config.blocking.traefik_file, max_entries: config.blocking.max_entries });
  },
  kubernetes: async (config) => {
    if (!config.kubernetes) throw new ConfigError(['blocking.blocker: "kubernetes" needs a kubernetes: section']);
    const { KubernetesBlocker } = await import('./kubernetes/kubernetes-blocker.ts');
    return new KubernetesBlocker({
      ...config.kubernetes,
      max_entries: config.blocking.max_entries,
      protect_private_ranges: config.blocking.protect_private_ranges,
      protected_ranges: config.blocking.protected_ranges,
    });
  },
  none: async () => new RecordOnlyBlocker(),
} satisfies Record<BlockerKind, BlockerFactory>;

/** `blocking.blocker: auto` picks Kubernetes when `kubernetes:` is configured, the Traefik file otherwise. */
export async function createBlocker(config: Config, store: Store): Promise<Blocker> {
  const requested = config.blocking.blocker;
  const kind = requested === 'auto' ? (config.kubernetes ? 'kubernetes' : 'traefik-file') : requested;
  const factory = (BLOCKERS as Record<string, BlockerFactory>)[kind];
  if (!factory) {
    throw new ConfigError([
      `blocking.blocker: "${kind}" is not available; known blockers: ${Object.keys(BLOCKERS).join(', ')}`,
    ]);
  }
  return factory(config, store);
}
