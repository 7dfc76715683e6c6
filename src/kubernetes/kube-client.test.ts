import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ConfigError, IntegrationError } from '../core/errors.ts';
import { createKubeClients, loadKubeConfig } from './kube-client.ts';
import { KubernetesApiError } from './kubernetes-api-error.ts';

function kubeconfigFile(server: string, contexts = ['dev', 'prod']): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kubeconfig-')), 'config');
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node accepts plain http only with TLS verification off; this is a loopback test server.
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'agent', user: { token: 'secret-token' } }],
      contexts: contexts.map((name) => ({ name, context: { cluster: 'c', user: 'agent' } })),
      'current-context': contexts[0],
    }),
  );
  return path;
}

/** A loopback HTTP server answering like the API server: Status objects for errors, a list for success. */
let server: Server;
let url: string;
const seen: { method?: string; url?: string; authorization?: string }[] = [];
let failuresBeforeSuccess = 0;

before(async () => {
  server = createServer((request, response) => {
    seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization });
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url?.startsWith('/api/v1/namespaces/edge/configmaps/blocked')) {
      return send(403, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message:
          'configmaps "blocked" is forbidden: User "agent" cannot delete resource "configmaps" in API group "" in the namespace "edge"',
        reason: 'Forbidden',
        code: 403,
      });
    }
    if (request.url?.startsWith('/api/v1/namespaces/flaky/configmaps')) {
      if (failuresBeforeSuccess > 0) {
        failuresBeforeSuccess--;
        return send(503, { kind: 'Status', status: 'Failure', message: 'etcd leader changed', code: 503 });
      }
      return send(200, { kind: 'ConfigMapList', apiVersion: 'v1', metadata: {}, items: [] });
    }
    if (request.url?.startsWith('/api/v1/namespaces/throttled/configmaps')) {
      if (failuresBeforeSuccess > 0) {
        failuresBeforeSuccess--;
        // API priority and fairness answers 429 with Retry-After (seconds).
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
        return response.end(
          JSON.stringify({ kind: 'Status', status: 'Failure', message: 'too many requests', code: 429 }),
        );
      }
      return send(200, { kind: 'ConfigMapList', apiVersion: 'v1', metadata: {}, items: [] });
    }
    if (request.url?.startsWith('/api/v1/namespaces/slow/')) return; // never answers: the timeout must fire
    send(404, {
      kind: 'Status',
      status: 'Failure',
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      code: 404,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

describe('loadKubeConfig', () => {
  it('names the missing file and the unknown context', () => {
    assert.throws(
      () => loadKubeConfig({ kubeconfig: '/nonexistent/kubeconfig' }),
      (error: unknown) => {
        return (
          error instanceof ConfigError &&
          error.problems[0] === 'kubernetes.kubeconfig: file not found: /nonexistent/kubeconfig'
        );
      },
    );
    assert.throws(() => loadKubeConfig({ kubeconfig: kubeconfigFile(url), context: 'staging' }), {
      message: 'kubernetes.context: "staging" is not in the kubeconfig; known contexts: dev, prod',
    });
  });

  it('picks the configured context, else KUBECONFIG, and fails clearly with no credentials at all', () => {
    assert.equal(loadKubeConfig({ kubeconfig: kubeconfigFile(url), context: 'prod' }).getCurrentContext(), 'prod');
    assert.equal(loadKubeConfig({}, { KUBECONFIG: kubeconfigFile(url, ['from-env']) }).getCurrentContext(), 'from-env');
    assert.throws(() => loadKubeConfig({}, { HOME: mkdtempSync(join(tmpdir(), 'home-')) }), /no credentials/);
  });
});

describe('createKubeClients().call', () => {
  it('turns a 403 into an IntegrationError naming the verb, the resource and the namespace, without retrying', async () => {
    const clients = createKubeClients({ kubeconfig: kubeconfigFile(url) }, { retryDelayMs: 1 });
    seen.length = 0;
    await assert.rejects(
      clients.call({ verb: 'delete', resource: 'configmaps', namespace: 'edge', name: 'blocked' }, (options) =>
        clients.core.deleteNamespacedConfigMap({ namespace: 'edge', name: 'blocked' }, options),
      ),
      (error: unknown) => {
        assert.ok(error instanceof IntegrationError && error instanceof KubernetesApiError);
        assert.equal(error.reason, 'forbidden');
        assert.equal(error.isRetryable, false);
        assert.match(
          error.message,
          /^kubernetes: forbidden: user "agent" may not delete configmaps\/blocked in namespace edge; grant verb "delete" on "configmaps".*cannot delete resource "configmaps"/,
        );
        return true;
      },
    );
    assert.equal(seen.length, 1);
    assert.equal(seen[0].authorization, 'Bearer secret-token');
  });

  it('retries 5xx a bounded number of times and succeeds when the server recovers', async () => {
    const clients = createKubeClients({ kubeconfig: kubeconfigFile(url), request_attempts: 3 }, { retryDelayMs: 1 });
    failuresBeforeSuccess = 2;
    seen.length = 0;
    const list = await clients.call({ verb: 'list', resource: 'configmaps', namespace: 'flaky' }, (options) =>
      clients.core.listNamespacedConfigMap({ namespace: 'flaky' }, options),
    );
    assert.deepEqual(list.items, []);
    assert.equal(seen.length, 3);
    failuresBeforeSuccess = 5;
    seen.length = 0;
    await assert.rejects(
      clients.call({ verb: 'list', resource: 'configmaps', namespace: 'flaky' }, (options) =>
        clients.core.listNamespacedConfigMap({ namespace: 'flaky' }, options),
      ),
      /server error 503: list configmaps in namespace flaky: etcd leader changed \(attempt 3\/3\)/,
    );
    assert.equal(seen.length, 3);
  });

  it('waits as long as a 429 Retry-After asks, then succeeds', async () => {
    const pauses: number[] = [];
    const clients = createKubeClients(
      { kubeconfig: kubeconfigFile(url), request_attempts: 3 },
      { retryDelayMs: 1, sleep: async (milliseconds) => void pauses.push(milliseconds) },
    );
    failuresBeforeSuccess = 1;
    seen.length = 0;
    const list = await clients.call({ verb: 'list', resource: 'configmaps', namespace: 'throttled' }, (options) =>
      clients.core.listNamespacedConfigMap({ namespace: 'throttled' }, options),
    );
    assert.deepEqual(list.items, []);
    assert.equal(seen.length, 2);
    assert.deepEqual(pauses, [2000]);
  });

  it('abandons a request that never answers after request_timeout', async () => {
    const clients = createKubeClients(
      { kubeconfig: kubeconfigFile(url), request_attempts: 2, request_timeout: 0.3 },
      { retryDelayMs: 1 },
    );
    const started = Date.now();
    await assert.rejects(
      clients.call({ verb: 'list', resource: 'configmaps', namespace: 'slow' }, (options) =>
        clients.core.listNamespacedConfigMap({ namespace: 'slow' }, options),
      ),
      /timed out: list configmaps in namespace slow at http:\/\/127\.0\.0\.1:\d+ \(attempt 2\/2\)/,
    );
    assert.ok(Date.now() - started < 3000);
  });
});
