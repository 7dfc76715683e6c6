// Test helper: the real daemon (`devops-agent run`) and CLI commands as child processes, as a user runs them.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

const BIN = new URL('../../../bin/devops-agent.js', import.meta.url).pathname;

export interface RunningAgent {
  config: string;
  output(): string;
  stop(): Promise<void>;
}

/** `<dir>/<name>.yaml`, with the database and audit log `<dir>/<name>.db` and `<name>.audit.jsonl` unless `config` names them. */
export function writeAgentConfig(dir: string, name: string, config: Record<string, unknown>): string {
  const path = join(dir, `${name}.yaml`);
  const files = { database: { path: join(dir, `${name}.db`) }, audit: { path: join(dir, `${name}.audit.jsonl`) } };
  writeFileSync(path, stringify({ ...files, ...config }));
  return path;
}

/** An auto-mode agent tailing Traefik's access log from its end, without the web server; `settings` add or win. */
export function tailingAgentConfig(
  dir: string,
  name: string,
  accessLog: string,
  settings: Record<string, unknown>,
): string {
  return writeAgentConfig(dir, name, {
    mode: 'auto',
    sources: { traefik_file: { path: accessLog, start_at: 'end' } },
    web: { enabled: false },
    ...settings,
  });
}

export function startAgent(config: string): RunningAgent {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'run', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    config,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
