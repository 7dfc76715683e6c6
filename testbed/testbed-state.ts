import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningKube } from './kube-cluster.ts';
import type { NetpolVerdictInstall } from './netpol-verdict-build.ts';
import type { RunningRegistry } from './registry-server.ts';
import type { RunningSearchEngine } from './search-engine.ts';
import { runDir, stateFile } from './testbed-paths.ts';
import type { TraefikInstall } from './traefik-build.ts';

/** What `testbed:up` started, so that `status`, `down` and other processes can find it. */
export interface TestbedState {
  elasticsearch?: RunningSearchEngine;
  opensearch?: RunningSearchEngine;
  kube?: RunningKube;
  /** Built, not running: each test starts its own Traefik on loopback with its own configuration. */
  traefik?: TraefikInstall;
  /** The CNCF distribution registry (in-memory, silly auth), shared by the tests: use unique repository names. */
  registry?: RunningRegistry;
  /** Built, not running: the NetworkPolicy verdict tool a test feeds policies and traffic cases. */
  netpolVerdict?: NetpolVerdictInstall;
  /** Why something the testbed can run is not running (e.g. no Java 21+ for OpenSearch 3). */
  notes: string[];
}

export function readState(): TestbedState {
  if (!existsSync(stateFile)) return { notes: [] };
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as TestbedState;
  } catch {
    return { notes: [] };
  }
}

export function writeState(state: TestbedState): void {
  mkdirSync(runDir, { recursive: true });
  const temporary = `${stateFile}.${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, stateFile);
}

export function removeState(): void {
  rmSync(stateFile, { force: true });
}

const lockFile = join(runDir, 'lock');

/**
 * Serialises up/down across processes: `node --test` runs test files in parallel processes, and each may call
 * ensureTestbed() at once. A lock left by a dead process is taken over.
 */
export async function withLock<T>(action: () => Promise<T>, timeoutMs = 60 * 60_000): Promise<T> {
  mkdirSync(runDir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const content = readIfExists(lockFile);
      if (content === undefined) continue;
      const holder = Number.parseInt(content, 10);
      // An empty file is a lock being written right now, not a stale one.
      if (content !== '' && (!Number.isFinite(holder) || !isProcessAlive(holder))) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`testbed: ${lockFile} held by pid ${holder} for too long`);
      await sleep(500);
    }
  }
  try {
    return await action();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
