// Test helper: a real Traefik (the testbed's build) on loopback, with our deny-list plugin and its own config.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePort, startDetached, stopGroup, tail } from '../../../testbed/server-process.ts';
import { denylistPluginModule } from '../../../testbed/traefik-build.ts';

export interface TraefikOptions {
  bin: string;
  pluginsDir: string;
  /** Working directory: config, logs and the `plugins-local` link go here. */
  dir: string;
  accessLog: { format: 'json' | 'common'; keepHeaders?: string[] };
  /** Static `providers:` section (file, kubernetesCRD...). */
  providers: Record<string, unknown>;
  /** Peers whose X-Forwarded-For the entry point keeps (a trusted hop). */
  trustedIps?: string[];
}

export interface RunningTraefik {
  /** http://127.0.0.1:<port> of the `web` entry point. */
  url: string;
  accessLog: string;
  log: string;
  stop(): Promise<void>;
}

/** The plugin's alias in static config: the blockers write `plugin.denyip.ipDenyList`, like the denyip plugin. */
export const PLUGIN_ALIAS = 'denyip';

export async function startTraefik(options: TraefikOptions): Promise<RunningTraefik> {
  mkdirSync(options.dir, { recursive: true });
  // Traefik reads local plugins from ./plugins-local of its working directory.
  symlinkSync(options.pluginsDir, join(options.dir, 'plugins-local'));
  const [webPort, pingPort] = [await freePort(), await freePort()];
  const accessLog = join(options.dir, 'access.log');
  const log = join(options.dir, 'traefik.log');
  const headers = options.accessLog.keepHeaders ?? [];
  const staticConfig = {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    entryPoints: {
      web: {
        address: `127.0.0.1:${webPort}`,
        ...(options.trustedIps ? { forwardedHeaders: { trustedIPs: options.trustedIps } } : {}),
      },
      ping: { address: `127.0.0.1:${pingPort}` },
    },
    ping: { entryPoint: 'ping' },
    log: { level: 'INFO', filePath: log },
    accessLog: {
      filePath: accessLog,
      format: options.accessLog.format,
      bufferingSize: 0,
      ...(headers.length > 0
        ? { fields: { headers: { defaultMode: 'drop', names: Object.fromEntries(headers.map((h) => [h, 'keep'])) } } }
        : {}),
    },
    providers: options.providers,
    experimental: { localPlugins: { [PLUGIN_ALIAS]: { moduleName: denylistPluginModule } } },
  };
  const configFile = join(options.dir, 'traefik.yml');
  writeFileSync(configFile, stringify(staticConfig));
  const pid = startDetached({
    command: options.bin,
    args: [`--configFile=${configFile}`],
    cwd: options.dir,
    logFile: join(options.dir, 'stdout.log'),
  });
  // A test process that dies (a timeout, Ctrl-C) must not leave its Traefik behind.
  const killOnExit = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopGroup(pid, 5000);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${pingPort}/ping`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Traefik did not answer /ping within 60s:\n${tail(log)}\n${tail(join(options.dir, 'stdout.log'))}`,
      );
    }
    await sleep(100);
  }
  return { url: `http://127.0.0.1:${webPort}`, accessLog, log, stop };
}

/** File-provider routes: every path to the backend through the agent's `devops-agent-denylist@file` middleware. */
export function writeFileRoutes(directory: string, backendPort: number): void {
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    join(directory, 'routes.yaml'),
    stringify({
      http: {
        routers: {
          app: {
            rule: 'PathPrefix(`/`)',
            entryPoints: ['web'],
            service: 'backend',
            middlewares: ['devops-agent-denylist@file'],
          },
        },
        services: { backend: { loadBalancer: { servers: [{ url: `http://127.0.0.1:${backendPort}` }] } } },
      },
    }),
  );
}
