import { request as httpRequest, type RequestOptions } from 'node:http';
import { type RequestOptions as HttpsRequestOptions, request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { type KubeOperation, KubernetesApiError } from '../kubernetes/kubernetes-api-error.ts';

export interface PodLogOptions {
  container: string;
  /** The previous (crashed) run of the container. */
  previous: boolean;
  tailLines: number;
  limitBytes: number;
  timeoutMs?: number;
}

/**
 * GET pods/{name}/log. Logs are text/plain, and the generated client cannot parse the API server's error answers for
 * this endpoint ("Cannot parse content"), so this one request is made directly with the kubeconfig's credentials and
 * its failures named like every other Kubernetes failure (forbidden, not found, the server's message).
 */
export async function readPodLog(
  kubeConfig: KubeConfig,
  namespace: string,
  pod: string,
  options: PodLogOptions,
): Promise<string> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('kubernetes: no current cluster');
  const operation: KubeOperation = { verb: 'get', resource: 'pods/log', namespace, name: pod };
  const url = new URL(
    `${cluster.server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
  );
  url.searchParams.set('container', options.container);
  url.searchParams.set('previous', String(options.previous));
  url.searchParams.set('tailLines', String(options.tailLines));
  url.searchParams.set('limitBytes', String(options.limitBytes));
  const requestOptions: HttpsRequestOptions = {
    method: 'GET',
    headers: { accept: 'text/plain, application/json' },
  };
  await kubeConfig.applyToHTTPSOptions(requestOptions);
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const onResponse = (response: import('node:http').IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= options.limitBytes + 65_536) chunks.push(chunk);
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    };
    const settings = { ...requestOptions, timeout: options.timeoutMs ?? 10_000 };
    const outgoing =
      url.protocol === 'https:'
        ? httpsRequest(url, settings, onResponse)
        : httpRequest(url, settings as RequestOptions, onResponse);
    outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')));
    outgoing.on('error', reject);
    outgoing.end();
  }).catch((error: unknown) => {
    throw new KubernetesApiError(
      operation,
      'unreachable',
      `cannot reach ${cluster.server}: get pods/${pod}/log: ${(error as Error).message}`,
      {
        cause: error,
        isRetryable: true,
      },
    );
  });
  // 204: the pod has no node yet (or no log): nothing to show.
  if (status === 200 || status === 204) return body;
  let message = body.slice(0, 300);
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? message;
  } catch {}
  const where = `get pods/${pod}/log in namespace ${namespace}`;
  if (status === 403) {
    throw new KubernetesApiError(
      operation,
      'forbidden',
      `forbidden: may not ${where}; grant verb "get" on "pods/log" (deploy/kubernetes/workload-guard-rbac.yaml)`,
      { isRetryable: false, statusCode: status },
    );
  }
  throw new KubernetesApiError(
    operation,
    status === 404 ? 'not_found' : status >= 500 ? 'server_error' : 'invalid',
    `${where}: HTTP ${status}: ${message}`,
    { isRetryable: status >= 500, statusCode: status },
  );
}
