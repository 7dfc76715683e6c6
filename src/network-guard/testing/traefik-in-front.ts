// Test helper: the set-up every real-Traefik end-to-end test starts from: a loopback backend and the testbed's
// Traefik in front of it, routed by whatever provider the test exercises (file or CRD).
import { join } from 'node:path';
import type { TestbedEnv } from '../../../testbed/testbed-env.ts';
import { startBackend } from './loopback-clients.ts';
import { type RunningTraefik, startTraefik, type TraefikOptions } from './traefik-process.ts';

export interface TraefikInFront {
  traefik: RunningTraefik;
  backendPort: number;
  /** Stops Traefik, then the backend. */
  stop(): Promise<void>;
}

export interface InFrontOptions extends Pick<TraefikOptions, 'accessLog' | 'trustedIps'> {
  /** Writes the routes to the backend's port and returns Traefik's static `providers:` section. */
  routes(backendPort: number): Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** Traefik works in `<dir>/traefik`. */
export async function startTraefikInFront(
  env: TestbedEnv,
  dir: string,
  options: InFrontOptions,
): Promise<TraefikInFront> {
  const backend = await startBackend();
  const closeBackend = () => {
    backend.server.closeAllConnections();
    backend.server.close();
  };
  let traefik: RunningTraefik;
  try {
    traefik = await startTraefik({
      bin: env.traefikBin,
      pluginsDir: env.traefikPluginsDir,
      dir: join(dir, 'traefik'),
      accessLog: options.accessLog,
      providers: await options.routes(backend.port),
      ...(options.trustedIps ? { trustedIps: options.trustedIps } : {}),
    });
  } catch (error) {
    closeBackend();
    throw error;
  }
  return {
    traefik,
    backendPort: backend.port,
    stop: async () => {
      await traefik.stop();
      closeBackend();
    },
  };
}
