import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  BatchV1Api,
  type ConfigurationOptions,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
  Observable,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import { ConfigError } from '../core/errors.ts';
import { type RetryHooks, withRetry } from '../core/retry.ts';
import { describeKubeFailure, type KubeOperation } from './kubernetes-api-error.ts';

/** What creating clients needs; a subset of the `kubernetes:` config section so other capabilities can reuse it. */
export interface KubeClientSettings {
  context?: string;
  kubeconfig?: string;
  /** Attempts per call when the server is unreachable or answers 5xx/429. */
  request_attempts?: number;
  /** Seconds before one request is abandoned. */
  request_timeout?: number;
}

/** Typed API clients for one cluster, plus `call`, which every request goes through. */
export interface KubeClients {
  kubeConfig: KubeConfig;
  /** Context name, or `in-cluster`. */
  contextName: string;
  server: string;
  user: string;
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  networking: NetworkingV1Api;
  customObjects: CustomObjectsApi;
  apiextensions: ApiextensionsV1Api;
  /**
   * Runs one API request with a timeout, bounded retries with backoff for failures a retry can fix (unreachable,
   * 5xx, 429), and failures turned into KubernetesApiError naming the verb and resource.
   */
  call<T>(operation: KubeOperation, run: (options: ConfigurationOptions) => Promise<T>): Promise<T>;
}

export interface KubeClientOptions {
  env?: NodeJS.ProcessEnv;
  /** Base delay of the retry backoff in ms (tests shorten it). */
  retryDelayMs?: number;
  /** Test hook: record pauses instead of waiting. */
  sleep?: RetryHooks<unknown>['sleep'];
  /** The manifest a 403 message points to (each capability ships its own least-privilege RBAC). */
  rbacManifest?: string;
}

/**
 * Loads credentials the way kubectl does: `kubernetes.kubeconfig` if set, else $KUBECONFIG, else ~/.kube/config,
 * else the pod's service account (in-cluster). `kubernetes.context` picks a context from the kubeconfig.
 */
export function loadKubeConfig(settings: KubeClientSettings, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kubeConfig = new KubeConfig();
  const explicit = settings.kubeconfig?.trim();
  if (explicit) {
    if (!existsSync(explicit)) throw new ConfigError([`kubernetes.kubeconfig: file not found: ${explicit}`]);
    kubeConfig.loadFromFile(explicit);
  } else if (env.KUBECONFIG?.trim()) {
    const first = env.KUBECONFIG.split(':').find(Boolean)!;
    if (!existsSync(first)) throw new ConfigError([`KUBECONFIG names a file that does not exist: ${first}`]);
    kubeConfig.loadFromFile(first);
  } else if (existsSync(join(env.HOME ?? homedir(), '.kube', 'config'))) {
    kubeConfig.loadFromFile(join(env.HOME ?? homedir(), '.kube', 'config'));
  } else if (env.KUBERNETES_SERVICE_HOST) {
    kubeConfig.loadFromCluster();
  } else {
    throw new ConfigError([
      'kubernetes: no credentials: set kubernetes.kubeconfig or $KUBECONFIG, create ~/.kube/config, or run in a pod',
    ]);
  }
  const context = settings.context?.trim();
  if (context) {
    const known = kubeConfig.getContexts().map((entry) => entry.name);
    if (!known.includes(context)) {
      throw new ConfigError([
        `kubernetes.context: "${context}" is not in the kubeconfig; known contexts: ${known.join(', ') || '(none)'}`,
      ]);
    }
    kubeConfig.setCurrentContext(context);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new ConfigError(['kubernetes: the kubeconfig has no current context (set kubernetes.context)']);
  }
  return kubeConfig;
}

/** The reusable client factory: network guard discovery and blocking, and the workload guard, build on it. */
export function createKubeClients(settings: KubeClientSettings, options: KubeClientOptions = {}): KubeClients {
  const kubeConfig = loadKubeConfig(settings, options.env);
  const attempts = Math.max(1, settings.request_attempts ?? 3);
  const timeoutMs = Math.max(1, settings.request_timeout ?? 10) * 1000;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const server = kubeConfig.getCurrentCluster()!.server;
  const user = kubeConfig.getCurrentUser()?.name ?? 'unknown';
  const timeoutMiddleware: ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(AbortSignal.timeout(timeoutMs));
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  const requestOptions: ConfigurationOptions = { middleware: [timeoutMiddleware], middlewareMergeStrategy: 'append' };

  // The one retry layer for Kubernetes requests (src/core/retry.ts): callers above never retry these failures again.
  const policy = { attempts, baseDelayMs: retryDelayMs, maxDelayMs: 5_000, totalTimeMs: attempts * timeoutMs + 10_000 };
  async function call<T>(operation: KubeOperation, run: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    return withRetry(
      async (attempt) => {
        try {
          return await run(requestOptions);
        } catch (error) {
          throw describeKubeFailure(error, operation, {
            server,
            user,
            attempt,
            attempts,
            rbacManifest: options.rbacManifest,
          });
        }
      },
      policy,
      { sleep: options.sleep },
    );
  }

  return {
    kubeConfig,
    contextName: kubeConfig.getCurrentContext() || 'in-cluster',
    server,
    user,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    networking: kubeConfig.makeApiClient(NetworkingV1Api),
    customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
    apiextensions: kubeConfig.makeApiClient(ApiextensionsV1Api),
    call,
  };
}
