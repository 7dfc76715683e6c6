import type { Config } from '../config/schema.ts';
import { openConfiguredStore, type Store } from '../store/store.ts';
import type { BlockContext } from './blocking/block-executor.ts';
import { BlockPolicy } from './blocking/block-policy.ts';
import type { Blocker } from './blocking/blocker.ts';
import { createBlocker } from './blocking/create-blocker.ts';

/** What every command needs: the config, the store, the configured blocker and the policy around it. */
export interface AgentRuntime {
  config: Config;
  store: Store;
  blocker: Blocker;
  blockContext: BlockContext;
  close(): void;
}

export async function openRuntime(config: Config): Promise<AgentRuntime> {
  const store = openConfiguredStore(config);
  try {
    const blocker = await createBlocker(config, store);
    const policy = new BlockPolicy({
      allowlist: store.allowlist,
      trustedProxies: config.trusted_proxies,
      protectedRanges: config.blocking.protected_ranges,
      protectPrivateRanges: config.blocking.protect_private_ranges,
    });
    const blockContext: BlockContext = {
      store,
      blocker,
      policy,
      mode: config.mode,
      blockSeconds: config.blocking.duration,
    };
    return { config, store, blocker, blockContext, close: () => store.close() };
  } catch (error) {
    store.close();
    throw error;
  }
}
