import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigOverrides } from '../../../config/load-config.ts';
import type { Config } from '../../../config/schema.ts';
import { PROBE_PATHS } from '../../../core/testing/log-events.ts';
import { testConfig } from '../../../llm/testing/llm-test-setup.ts';
import { type AgentRuntime, openRuntime } from '../../agent-runtime.ts';
import { startGuardInvestigations } from '../../guard-investigations.ts';
import { NetworkGuard } from '../../network-guard.ts';
import { tailTraefikFile } from '../../traefik-file-pipeline.ts';
import type { InvestigationQueue } from '../investigation-queue.ts';
import { InvestigationStore } from '../investigation-store.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A Traefik Common Log Format line, as Traefik writes it. */
export function clfLine(ip: string, path: string, status: number, time: number, userAgent = 'curl/8.5.0'): string {
  const date = new Date(time);
  const pad = (value: number) => String(value).padStart(2, '0');
  const stamp = `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
  return `${ip} - - [${stamp}] "GET ${path} HTTP/1.1" ${status} 19 "-" "${userAgent}" 1 "shop@kubernetescrd" "http://10.42.1.17:8080" 2ms`;
}

/** Six sensitive paths answered 404, a second apart: enough for the detector to open an incident. */
export function scannerLines(ip: string, start = Date.now() - 10_000): string[] {
  return PROBE_PATHS.slice(0, 6).map((path, index) => clfLine(ip, path, 404, start + index * 1000));
}

export interface FileTailDaemon {
  config: Config;
  runtime: AgentRuntime;
  guard: NetworkGuard;
  queue: InvestigationQueue | undefined;
  investigations: InvestigationStore;
  denylistPath: string;
  append(lines: readonly string[]): void;
  denylist(): string;
  /** Waits until `check` holds, or fails after `timeoutMs`. */
  until<T>(check: () => T | undefined | false, timeoutMs?: number, what?: string): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The daemon's file path as `run` wires it: a real Traefik log file tailed, the network guard, the traefik-file
 * blocker, and the background investigation queue talking HTTP to the LLM at the configured URL.
 */
export async function startFileTailDaemon(overrides: ConfigOverrides): Promise<FileTailDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'devops-agent-tail-'));
  const logPath = join(dir, 'access.log');
  const denylistPath = join(dir, 'dynamic', 'denylist.yaml');
  writeFileSync(logPath, '');
  const config = testConfig({
    mode: 'auto',
    'database.path': join(dir, 'agent.db'),
    'audit.path': join(dir, 'audit.jsonl'),
    'sources.traefik_file.path': logPath,
    'sources.traefik_file.format': 'clf',
    'sources.traefik_file.poll_interval': '50ms',
    'blocking.blocker': 'traefik-file',
    'blocking.traefik_file.path': denylistPath,
    ...overrides,
  });
  const runtime = await openRuntime(config);
  const guard = new NetworkGuard({ config, store: runtime.store, blocker: runtime.blocker, source: logPath });
  const { queue } = await startGuardInvestigations(runtime, guard);
  const controller = new AbortController();
  const tail = tailTraefikFile(guard, config, runtime.store, controller.signal, () => {});
  return {
    config,
    runtime,
    guard,
    queue,
    investigations: new InvestigationStore(runtime.store),
    denylistPath,
    append: (lines) => appendFileSync(logPath, `${lines.join('\n')}\n`),
    denylist: () => {
      try {
        return readFileSync(denylistPath, 'utf8');
      } catch {
        return '';
      }
    },
    until: async (check, timeoutMs = 10_000, what = 'condition') => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = check();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await sleep(20);
      }
    },
    stop: async () => {
      controller.abort();
      await tail;
      await queue?.stop();
      runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
