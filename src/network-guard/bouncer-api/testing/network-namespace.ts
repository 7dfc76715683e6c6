// Test helper: a throw-away network namespace (`ip netns`), so a real firewall (nftables) can be driven without ever
// touching the machine's own rules. Everything started inside sees only the namespace's own loopback.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

export interface NetworkNamespace {
  name: string;
  /** Runs a command inside and waits; throws with its stderr when it fails. */
  run(command: string, args: string[]): string;
  /** Starts a long-running command inside; its output is collected in `output()`. */
  start(command: string, args: string[], env?: NodeJS.ProcessEnv): StartedProcess;
  remove(): void;
}

export interface StartedProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Why namespaced firewall tests cannot run here, or undefined when they can (root, `ip netns`, `nft`). */
export function networkNamespaceUnavailable(requiredCommands: readonly string[]): string | undefined {
  for (const command of ['ip', 'nft', ...requiredCommands]) {
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) return `${command} is not installed`;
  }
  const probe = `devops-agent-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `cannot create a network namespace: ${added.stderr.trim() || 'ip netns add failed'}`;
  try {
    const listed = spawnSync('ip', ['netns', 'exec', probe, 'nft', 'list', 'ruleset'], { encoding: 'utf8' });
    if (listed.status !== 0) return `nft does not work inside a network namespace: ${listed.stderr.trim()}`;
  } finally {
    spawnSync('ip', ['netns', 'del', probe]);
  }
  return undefined;
}

export function createNetworkNamespace(name: string): NetworkNamespace {
  mustRun('ip', ['netns', 'add', name]);
  const started: StartedProcess[] = [];
  const namespace: NetworkNamespace = {
    name,
    run: (command, args) => mustRun('ip', ['netns', 'exec', name, command, ...args]),
    start(command, args, env) {
      const child = spawn('ip', ['netns', 'exec', name, command, ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const handle: StartedProcess = {
        child,
        output: () => output,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const timeout = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timeout);
        },
      };
      started.push(handle);
      return handle;
    },
    remove() {
      for (const handle of started) if (handle.child.exitCode === null) handle.child.kill('SIGKILL');
      spawnSync('ip', ['netns', 'del', name]);
    },
  };
  namespace.run('ip', ['link', 'set', 'lo', 'up']);
  return namespace;
}

function mustRun(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** The elements of an nftables set (addresses, or `addr/prefix` for intervals), read with `nft -j`. */
export function nftSetElements(namespace: NetworkNamespace, family: string, table: string, set: string): string[] {
  const listing = JSON.parse(namespace.run('nft', ['-j', 'list', 'set', family, table, set])) as {
    nftables: Array<{ set?: { elem?: unknown[] } }>;
  };
  const elements = listing.nftables.find((entry) => entry.set)?.set?.elem ?? [];
  return elements.map(elementText);
}

function elementText(element: unknown): string {
  if (typeof element === 'string') return element;
  const record = element as Record<string, unknown>;
  if (record.elem) return elementText((record.elem as Record<string, unknown>).val);
  if (record.prefix) {
    const prefix = record.prefix as { addr: string; len: number };
    return `${prefix.addr}/${prefix.len}`;
  }
  return JSON.stringify(element);
}
