import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type SandboxOptions, sandboxArguments } from './sandbox.ts';

export interface RunRequest {
  /** The exact command text that was parsed and classified; run by bash unless `argv` is given. */
  command: string;
  /** For a single simple command with static words: run it directly, no shell at all. */
  argv?: string[];
  workingDirectory: string;
  timeoutMs: number;
  maxOutputBytes: number;
  env: NodeJS.ProcessEnv;
  sandbox?: SandboxOptions;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Bytes the command produced (kept bytes are capped at maxOutputBytes per stream). */
  stdoutBytes: number;
  stderrBytes: number;
  truncated: boolean;
  /** sha256 over everything written to stdout, then stderr (uncapped). */
  outputDigest: string;
  durationMs: number;
  /** The process could not start (missing program, EAGAIN...). */
  spawnError?: { code: string; message: string };
}

/** Variables that make a shell or the loader run extra code; always dropped. */
const ALWAYS_DROPPED =
  /^(BASH_ENV|ENV|LD_PRELOAD|LD_AUDIT|LD_LIBRARY_PATH|PROMPT_COMMAND|BASH_FUNC_.*|SHELLOPTS|BASHOPTS|PS4|CDPATH|GLOBIGNORE)$/;

/** A copy of the environment without secrets: names matching `denyPattern` (case-insensitive) are dropped. */
export function scrubEnvironment(
  env: NodeJS.ProcessEnv,
  denyPattern: string,
): { env: NodeJS.ProcessEnv; dropped: string[] } {
  const deny = new RegExp(denyPattern, 'i');
  const kept: NodeJS.ProcessEnv = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (deny.test(name) || ALWAYS_DROPPED.test(name)) dropped.push(name);
    else kept[name] = value;
  }
  return { env: kept, dropped };
}

/** Keeps the first `limit` bytes of a stream and hashes all of it. */
class CappedBuffer {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  total = 0;
  constructor(limit: number) {
    this.#limit = limit;
  }
  push(chunk: Buffer, hash: ReturnType<typeof createHash>): void {
    hash.update(chunk);
    this.total += chunk.length;
    if (this.#kept >= this.#limit) return;
    const slice = chunk.subarray(0, this.#limit - this.#kept);
    this.#chunks.push(slice);
    this.#kept += slice.length;
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Process groups still running; if this process exits first (error, Ctrl+C handled by exit), they are killed. */
const runningGroups = new Set<number>();
let exitHookInstalled = false;

function trackGroup(pid: number | undefined): void {
  if (!pid) return;
  runningGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of runningGroups) killGroup(group, 'SIGKILL');
  });
}

/**
 * Runs one command in its own process group with a hard time limit. On timeout the whole group gets SIGTERM, then
 * SIGKILL after a second; when the main process exits, anything it left behind in the group is killed too.
 */
export function runCommand(request: RunRequest): Promise<RunResult> {
  const started = performance.now();
  const [program, ...args] = request.argv ?? ['bash', '--noprofile', '--norc', '-c', request.command];
  const [file, fileArgs] = request.sandbox
    ? [request.sandbox.bwrapPath, [...sandboxArguments(request.sandbox), program, ...args]]
    : [program, args];
  const stdoutHash = createHash('sha256');
  const stderrHash = createHash('sha256');
  const stdout = new CappedBuffer(request.maxOutputBytes);
  const stderr = new CappedBuffer(request.maxOutputBytes);
  return new Promise((resolve) => {
    let timedOut = false;
    let finished = false;
    const child = spawn(file, fileArgs, {
      cwd: request.workingDirectory,
      env: request.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackGroup(child.pid);
    const finish = (result: Partial<RunResult>) => {
      if (finished) return;
      finished = true;
      if (child.pid) runningGroups.delete(child.pid);
      clearTimeout(timer);
      clearTimeout(killTimer);
      const digest = createHash('sha256')
        .update(stdoutHash.digest('hex'))
        .update(stderrHash.digest('hex'))
        .digest('hex');
      resolve({
        exitCode: null,
        signal: null,
        timedOut,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutBytes: stdout.total,
        stderrBytes: stderr.total,
        truncated: stdout.total > request.maxOutputBytes || stderr.total > request.maxOutputBytes,
        outputDigest: digest,
        durationMs: Math.round(performance.now() - started),
        ...result,
      });
    };
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 1000);
    }, request.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk, stdoutHash));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk, stderrHash));
    child.on('error', (error: NodeJS.ErrnoException) =>
      finish({ spawnError: { code: error.code ?? 'UNKNOWN', message: error.message }, exitCode: null }),
    );
    child.on('exit', (code, signal) => {
      // Background jobs the command started must not outlive it (nor keep its pipes open).
      killGroup(child.pid, 'SIGKILL');
      const done = () => finish({ exitCode: code, signal });
      if (child.stdout.readableEnded && child.stderr.readableEnded) done();
      else {
        let open = 2;
        const closed = () => {
          open -= 1;
          if (open === 0) done();
        };
        for (const stream of [child.stdout, child.stderr]) {
          if (stream.readableEnded) closed();
          else stream.once('close', closed);
        }
        // A descendant that escaped the group (setsid) may hold the pipes: do not wait on it past the deadline.
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          done();
        }, 2000).unref();
      }
    });
  });
}
