import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS package loaded the first time it is used, not when the module that needs it is: a one-shot command that
 * never writes YAML, draws a bar or serves /metrics never pays for those packages (about 15 MB of a scan's peak RSS
 * together). `typeof import('pkg')` types it.
 */
export function lazyModule<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(specifier) as T;
    return loaded;
  };
}
