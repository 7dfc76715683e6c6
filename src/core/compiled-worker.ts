import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running a TypeScript module with Node's compile cache on, as the main thread has it
 * (bin/devops-agent.js). A worker started on a .ts file strips its types with the TypeScript parser before any of its
 * code runs, so it cannot turn the cache on itself: it pays that parser's WebAssembly (about 20 MB of RSS and its
 * start-up) in every worker, for every scan. This tiny CommonJS bootstrap enables the cache and then imports the
 * module, whose stripped code then comes from the cache like the main thread's.
 */
export function startCompiledWorker(module: URL, options: WorkerOptions): Worker {
  const bootstrap = `require('node:module').enableCompileCache(); import(${JSON.stringify(module.href)});`;
  return new Worker(bootstrap, { ...options, eval: true });
}
