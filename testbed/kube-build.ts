import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { runToCompletion } from './server-process.ts';
import { cacheDir, testbedSourceDir, versions } from './testbed-paths.ts';

export interface KubeBinaries {
  kubeApiserver: string;
  etcd: string;
}

const moduleDir = join(testbedSourceDir, 'kube');

/**
 * Builds kube-apiserver and etcd from the Go module in testbed/kube into the cache, once per go.mod/go.sum content:
 * a warm start finds both binaries and the stamp and builds nothing.
 */
export async function buildKube(logFile: string): Promise<KubeBinaries> {
  const dir = join(cacheDir, `kube-${versions.kubernetes}`);
  const binaries = { kubeApiserver: join(dir, 'kube-apiserver'), etcd: join(dir, 'etcd') };
  const stampFile = join(dir, '.stamp');
  const stamp = moduleStamp();
  const built = existsSync(binaries.kubeApiserver) && existsSync(binaries.etcd);
  if (built && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return binaries;
  mkdirSync(dir, { recursive: true });
  const goEnv = {
    // -mod=mod: go.mod may be completed on the fly; -buildvcs=false: the build needs no git metadata.
    GOFLAGS: '-mod=mod -buildvcs=false',
    // One compile per core: more only swaps memory for nothing on a 2-core machine.
    GOMAXPROCS: String(availableParallelism()),
  };
  const build = (output: string, pkg: string) =>
    runToCompletion({
      command: goCommand(),
      args: ['build', '-p', String(availableParallelism()), '-trimpath', '-ldflags=-s -w', '-o', output, pkg],
      cwd: moduleDir,
      env: goEnv,
      logFile,
    });
  await build(binaries.etcd, 'go.etcd.io/etcd/server/v3');
  await build(binaries.kubeApiserver, 'k8s.io/kubernetes/cmd/kube-apiserver');
  writeFileSync(stampFile, stamp);
  return binaries;
}

function moduleStamp(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(moduleDir, file)));
  return hash.digest('hex');
}

export function goCommand(): string {
  const path = (process.env.PATH ?? '').split(':');
  if (path.some((dir) => dir && existsSync(join(dir, 'go')))) return 'go';
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error(
    'testbed: the Go toolchain is missing (no `go` on PATH nor /usr/local/go/bin/go); kube and Traefik need it',
  );
}
