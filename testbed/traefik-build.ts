import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildGoBinary, hashFiles } from './go-binary.ts';
import { cacheDir, testbedSourceDir, versions } from './testbed-paths.ts';

/** What the testbed offers for Traefik: a binary and the `plugins-local` root our deny-list plugin lives in. */
export interface TraefikInstall {
  version: string;
  bin: string;
  /**
   * A `plugins-local` directory holding `src/<module>/` of our plugin. Traefik reads local plugins from
   * `./plugins-local/` of its working directory, so run it where this directory (or a link to it) is `plugins-local`.
   */
  pluginsDir: string;
}

/** Module path of the deny-list plugin (also its `experimental.localPlugins.<name>.moduleName`). */
export const denylistPluginModule = 'devops-agent/denylist';
export const denylistPluginSource = join(dirname(testbedSourceDir), 'deploy', 'traefik-plugin');

const moduleDir = join(testbedSourceDir, 'traefik');

/**
 * Builds Traefik from the Go module in testbed/traefik into the cache, once per go.mod/go.sum content (like
 * kube-apiserver), and lays out the plugin tree, once per plugin source content.
 */
export async function buildTraefik(logFile: string): Promise<TraefikInstall> {
  const bin = await buildGoBinary({
    name: 'traefik',
    version: versions.traefik,
    moduleDir,
    packagePath: 'github.com/traefik/traefik/v3/cmd/traefik',
    versionFlag: `github.com/traefik/traefik/v3/pkg/version.Version=v${versions.traefik}`,
    logFile,
  });
  return { version: versions.traefik, bin, pluginsDir: layOutPlugin() };
}

/** Files Traefik's Yaegi interpreter needs: the manifest, go.mod and the non-test sources. */
function pluginFiles(): string[] {
  return readdirSync(denylistPluginSource)
    .filter(
      (name) => name === '.traefik.yml' || name === 'go.mod' || (name.endsWith('.go') && !name.endsWith('_test.go')),
    )
    .sort();
}

/** Copies the plugin into a directory named after its content, so worktrees with different sources never clash. */
function layOutPlugin(): string {
  const files = pluginFiles();
  const hash = hashFiles(denylistPluginSource, files).slice(0, 16);
  const pluginsDir = join(cacheDir, `traefik-plugins-${hash}`, 'plugins-local');
  const target = join(pluginsDir, 'src', ...denylistPluginModule.split('/'));
  if (existsSync(join(target, '.traefik.yml'))) return pluginsDir;
  const staging = `${target}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const name of files) copyFileSync(join(denylistPluginSource, name), join(staging, name));
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return pluginsDir;
}
