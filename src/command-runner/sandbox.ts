import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DEFAULT_SYSTEM_PATHS, isSystemPath } from './path-rules.ts';

export type SandboxProbe = { available: true; path: string } | { available: false; reason: string };

export interface SandboxOptions {
  bwrapPath: string;
  workingDirectory: string;
  network: boolean;
  writablePaths: readonly string[];
}

function findOnPath(program: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const directory of (env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(directory, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * The mount and namespace flags: read-only root, a private /tmp and /dev, the working directory writable,
 * no network unless asked, and a PID namespace so that killing bwrap kills every descendant
 * (host processes stay visible through the read-only /proc for `ps`).
 */
export function sandboxArguments(options: Omit<SandboxOptions, 'bwrapPath'>): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--tmpfs', '/tmp', '--unshare-pid', '--die-with-parent'];
  if (!options.network) args.push('--unshare-net');
  // Never make / or a system tree writable, even if the working directory is one: the read-only root is the point.
  for (const path of [options.workingDirectory, ...options.writablePaths])
    if (!isSystemPath(path, { workingDirectory: '/', systemPaths: DEFAULT_SYSTEM_PATHS }))
      args.push('--bind', path, path);
  args.push('--chdir', options.workingDirectory, '--');
  return args;
}

const cache = new Map<string, SandboxProbe>();

/**
 * Whether bubblewrap is installed and can create namespaces here (containers often forbid it). Runs a real
 * sandboxed `true` once per process; the reason says exactly what failed.
 */
export function probeBubblewrap(env: NodeJS.ProcessEnv = process.env): SandboxProbe {
  const path = findOnPath('bwrap', env);
  if (!path) return { available: false, reason: 'bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)' };
  const cached = cache.get(path);
  if (cached) return cached;
  const result = spawnSync(
    path,
    [...sandboxArguments({ workingDirectory: '/', network: false, writablePaths: [] }).slice(0, -3), '--', 'true'],
    { timeout: 5000, encoding: 'utf8' },
  );
  const probe: SandboxProbe =
    result.status === 0
      ? { available: true, path }
      : {
          available: false,
          reason: `bwrap cannot create its namespaces here (${(result.stderr || result.error?.message || `exit ${result.status}`).trim()})`,
        };
  cache.set(path, probe);
  return probe;
}
