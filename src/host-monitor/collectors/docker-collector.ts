import { request } from 'node:http';
import type { ContainerStatus } from '../observations.ts';

export class DockerApiError extends Error {
  readonly isRetryable: boolean;
  /** The HTTP status of the Engine's answer, when there was one. */
  readonly status?: number;
  constructor(message: string, isRetryable: boolean, cause?: unknown, status?: number) {
    super(message, { cause });
    this.name = 'DockerApiError';
    this.isRetryable = isRetryable;
    this.status = status;
  }
}

/** GET over the Engine API's unix socket (HTTP/1.1; the path carries no version, so the daemon's default is used). */
export function dockerGet<T>(socketPath: string, path: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const call = request(
      { socketPath, path, method: 'GET', headers: { host: 'docker' }, timeout: timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((response.statusCode ?? 500) >= 400) {
            let message = text.slice(0, 200);
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? message;
            } catch {
              // Keep the raw text.
            }
            reject(
              new DockerApiError(
                `docker ${path}: HTTP ${response.statusCode} ${message}`,
                (response.statusCode ?? 500) >= 500,
                undefined,
                response.statusCode,
              ),
            );
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch (error) {
            reject(new DockerApiError(`docker ${path}: answer is not JSON`, false, error));
          }
        });
      },
    );
    call.on('timeout', () => call.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    call.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      const retryable = code !== 'ENOENT' && code !== 'EACCES';
      reject(new DockerApiError(`docker socket ${socketPath}: ${error.message}`, retryable, error));
    });
    call.end();
  });
}

interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  Command?: string;
  State?: string;
}

interface ContainerInspect {
  Id: string;
  Name?: string;
  RestartCount?: number;
  Config?: { Image?: string };
  State?: {
    Status?: string;
    Running?: boolean;
    Restarting?: boolean;
    OOMKilled?: boolean;
    ExitCode?: number;
    Health?: { Status?: string; FailingStreak?: number };
  };
}

const cleanName = (name: string | undefined) => (name ?? '').replace(/^\//, '');

/**
 * A Podman pod's infra container holds the pod's namespaces and runs nothing of the user's: its image is Podman's
 * `localhost/podman-pause:<version>` (or a Kubernetes `pause` image), or none with `/catatonit -P` (Podman builds its
 * rootfs). The compat API has no `IsInfra`; the pod's own containers show what matters.
 */
export function isPodInfra(summary: ContainerSummary): boolean {
  const image = summary.Image ?? '';
  if (/(?:^|\/)(?:podman-)?pause:[^/]*$/.test(image)) return true;
  return image === '' && /^\/catatonit -P\b/.test(summary.Command ?? '');
}

/**
 * The Engine's states are lower-case (the list example of its docs, API 1.41-1.47, writes `Exited`). Podman's compat
 * API says `running` while it stops a container (its `stopping`, since 2025) with `Running: false`; Docker never does.
 */
function stateName(status: string | undefined, running: boolean | undefined): string {
  const state = (status || 'unknown').toLowerCase();
  return state === 'running' && running === false ? 'stopping' : state;
}

/**
 * Maps an inspect answer to what the rules need; environment and config values are deliberately not copied. An
 * empty name, image or status in the inspect answer falls back to the list's (Telegraf's captured answers have them
 * empty there), and the health status is compared lower-cased.
 */
export function containerFromInspect(inspect: ContainerInspect, summary?: ContainerSummary): ContainerStatus {
  const state = inspect.State ?? {};
  const health = state.Health?.Status?.toLowerCase() || undefined;
  return {
    id: inspect.Id.slice(0, 12),
    name: cleanName(inspect.Name || summary?.Names?.[0]),
    image: inspect.Config?.Image || summary?.Image || '',
    state: stateName(state.Status || summary?.State, state.Running),
    running: state.Running === true,
    // Docker's State(): restarting only while Running (a stopped container keeps Restarting set, State `exited`).
    restarting: state.Restarting === true && (state.Running === true || state.Status === 'restarting'),
    // The Engine API says `none` when the image has no health check: the same as no Health object.
    health: health === 'none' ? undefined : health,
    failingStreak: state.Health?.FailingStreak,
    restartCount: inspect.RestartCount ?? 0,
    oomKilled: state.OOMKilled === true,
    exitCode: state.ExitCode ?? 0,
    exists: true,
  };
}

/**
 * Lists containers (`GET /containers/json?all=1`) and inspects each watched one (`GET /containers/{id}/json`) for
 * health, restart count and OOMKilled. Named containers Docker does not know come back with `exists: false`; the
 * same code reads Podman's compat socket (`/run/podman/podman.sock`).
 */
export async function collectContainers(
  socketPath: string,
  watched: string[],
  get: typeof dockerGet = dockerGet,
): Promise<ContainerStatus[]> {
  const summaries = await get<ContainerSummary[]>(socketPath, '/containers/json?all=1');
  const wanted = new Set(watched.map(cleanName));
  const selected = summaries.filter((summary) =>
    wanted.size === 0 ? !isPodInfra(summary) : (summary.Names ?? []).some((name) => wanted.has(cleanName(name))),
  );
  const statuses: ContainerStatus[] = [];
  for (const summary of selected) {
    let inspect: ContainerInspect;
    try {
      inspect = await get<ContainerInspect>(socketPath, `/containers/${encodeURIComponent(summary.Id)}/json`);
    } catch (error) {
      // Removed since the list (a `--rm` job ending): gone, not a failed collection. A watched one is missing below.
      if (error instanceof DockerApiError && error.status === 404) continue;
      throw error;
    }
    statuses.push(containerFromInspect(inspect, summary));
  }
  const seen = new Set(statuses.map((status) => status.name));
  for (const name of wanted) {
    if (!seen.has(name)) {
      statuses.push({
        id: '',
        name,
        image: '',
        state: 'missing',
        running: false,
        restarting: false,
        restartCount: 0,
        oomKilled: false,
        exitCode: 0,
        exists: false,
      });
    }
  }
  return statuses;
}
