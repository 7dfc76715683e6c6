import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { goCommand } from './kube-build.ts';
import { runToCompletion } from './server-process.ts';
import { cacheDir } from './testbed-paths.ts';

/** sha256 over names and contents: the build stamp of a Go module (go.mod + go.sum) or a plugin tree. */
export function hashFiles(directory: string, names: readonly string[]): string {
  const hash = createHash('sha256');
  for (const name of names)
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(join(directory, name)));
  return hash.digest('hex');
}

/**
 * Builds one binary of a testbed Go module (`testbed/<module>/`, its go.mod pinning the version) into
 * `<cache>/<name>-<version>/<name>`, once per go.mod/go.sum content: a warm start finds the binary and its stamp.
 * `versionFlag` is the `-X` linker setting that stamps the version into the binary; `stampFiles` (default go.mod and
 * go.sum) are what the stamp hashes, so a module with its own source lists that source too. The binary is written
 * under a temporary name and renamed, so a process that finds it finds it whole.
 */
export async function buildGoBinary(options: {
  name: string;
  version: string;
  moduleDir: string;
  packagePath: string;
  versionFlag?: string;
  stampFiles?: readonly string[];
  logFile: string;
}): Promise<string> {
  const { name, version, moduleDir, packagePath, versionFlag, logFile } = options;
  const dir = join(cacheDir, `${name}-${version}`);
  const bin = join(dir, name);
  const stampFile = join(dir, '.stamp');
  const stamp = hashFiles(moduleDir, options.stampFiles ?? ['go.mod', 'go.sum']);
  const building = `${bin}.${process.pid}.tmp`;
  if (existsSync(bin) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return bin;
  mkdirSync(dir, { recursive: true });
  await runToCompletion({
    command: goCommand(),
    args: [
      'build',
      '-p',
      String(availableParallelism()),
      '-trimpath',
      versionFlag === undefined ? '-ldflags=-s -w' : `-ldflags=-s -w -X ${versionFlag}`,
      '-o',
      building,
      packagePath,
    ],
    cwd: moduleDir,
    env: { GOFLAGS: '-mod=mod -buildvcs=false', GOMAXPROCS: String(availableParallelism()) },
    logFile,
  }).catch((error: unknown) => {
    rmSync(building, { force: true });
    throw error;
  });
  renameSync(building, bin);
  writeFileSync(stampFile, stamp);
  return bin;
}
