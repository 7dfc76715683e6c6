import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse } from 'yaml';

export interface KubeEndpoint {
  server: string;
  ca: string;
  token: string;
}

export interface KubeResponse {
  status: number;
  body: unknown;
}

/** Reads the current context of a kubeconfig written by the testbed (token + inlined CA). */
export function endpointFromKubeconfig(path: string): KubeEndpoint {
  const config = parse(readFileSync(path, 'utf8'));
  const context = config.contexts.find((c: { name: string }) => c.name === config['current-context']).context;
  const cluster = config.clusters.find((c: { name: string }) => c.name === context.cluster).cluster;
  const user = config.users.find((u: { name: string }) => u.name === context.user).user;
  const ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  return { server: cluster.server, ca, token: user.token };
}

/** One HTTPS call to the API server, verified against the testbed CA; JSON in, JSON (or text) out. */
export function kubeRequest(
  endpoint: KubeEndpoint,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<KubeResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, endpoint.server),
      {
        method,
        ca: endpoint.ca,
        headers: {
          authorization: `Bearer ${endpoint.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': contentType }),
        },
        timeout: 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
