import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port the kernel just handed out on 127.0.0.1; free unless someone grabs it in the next few milliseconds. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  command: string;
  args: string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a server in its own session and process group (pgid = pid), output appended to logFile, detached from us
 * so that `testbed:up` can exit and leave it running. Stopping kills the whole group: launchers and JVMs alike.
 */
export function startDetached(options: StartOptions): number {
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${options.command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM to the group, then SIGKILL after graceMs; resolves once no process of the group is left. */
export async function stopGroup(pgid: number, graceMs = 20_000): Promise<void> {
  if (!isGroupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isGroupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (!isGroupAlive(pgid)) return;
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 100 && isGroupAlive(pgid); i++) await sleep(50);
  if (isGroupAlive(pgid)) throw new Error(`process group ${pgid} survived SIGKILL`);
}

const ourExecutables = new Set(['java', 'etcd', 'kube-apiserver', 'registry', 'unshare']);

/**
 * Stops every process group with a server of ours whose command line mentions `dir`: the safety net for servers
 * that never made it into state.json (an interrupted `up`, a crashed test process).
 */
export async function stopGroupsMentioning(dir: string): Promise<number> {
  const groups = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const executable = args[0]?.split('/').at(-1) ?? '';
      if (!ourExecutables.has(executable) || !args.some((arg) => arg.includes(`${dir}/`))) continue;
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgid > 1 && pgid !== ownProcessGroup()) groups.add(pgid);
    } catch {
      // The process ended while we looked.
    }
  }
  await Promise.all([...groups].map((pgid) => stopGroup(pgid)));
  return groups.size;
}

function ownProcessGroup(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export interface WaitOptions {
  name: string;
  pgid: number;
  logFile: string;
  timeoutMs: number;
}

/** Polls `ready` until it returns true; fails at once, with the log's tail, if the server's processes are gone. */
export async function waitUntilReady(ready: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    if (!isGroupAlive(options.pgid)) {
      throw new Error(
        `${options.name} exited while starting; last lines of ${options.logFile}:\n${tail(options.logFile)}`,
      );
    }
    await sleep(500);
  }
  throw new Error(
    `${options.name} not ready after ${options.timeoutMs / 1000}s; last lines of ${options.logFile}:\n${tail(options.logFile)}`,
  );
}

/** Runs a provisioning command (mvn, unzip, go build) to completion, its output in logFile; throws with the tail. */
export function runToCompletion(options: StartOptions): Promise<void> {
  const fd = openSync(options.logFile, 'a');
  return new Promise<void>((resolve, reject) => {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', fd, fd],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        const shown = [options.command, ...options.args].join(' ');
        reject(new Error(`${shown} failed (${how}); last lines of ${options.logFile}:\n${tail(options.logFile)}`));
      }
    });
  }).finally(() => closeSync(fd));
}
