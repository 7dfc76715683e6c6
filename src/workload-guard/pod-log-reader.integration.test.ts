// readPodLog against a loopback HTTP server speaking the API server's pods/log wire format (text/plain logs, JSON
// Status errors), with a kubeconfig bearer token (plain HTTP: client-node requires skipTLSVerify for it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesApiError } from '../kubernetes/kubernetes-api-error.ts';
import { type LoopbackServer, startLoopbackServer } from '../notifiers/loopback-http-server.ts';
import { readPodLog } from './pod-log-reader.ts';

let server: LoopbackServer;
let kubeConfig: KubeConfig;

before(async () => {
  server = await startLoopbackServer((request, response) => {
    const pod = request.path.split('/')[6];
    if (pod === 'crashing') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('panic: cannot connect to db\nexit status 2\n');
    } else if (pod === 'secret') {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          kind: 'Status',
          status: 'Failure',
          reason: 'Forbidden',
          message: 'pods "secret" is forbidden',
        }),
      );
    } else {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', message: `pods "${pod}" not found` }),
      );
    }
  });
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'loop', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'agent', token: 'token-for-the-log-test' }],
    contexts: [{ name: 'loop', cluster: 'loop', user: 'agent' }],
    currentContext: 'loop',
  });
});
after(() => server.close());

const options = { container: 'app', previous: true, tailLines: 20, limitBytes: 4096 };

test('reads the previous run with the bearer token and the query the API server expects', async () => {
  const text = await readPodLog(kubeConfig, 'shop', 'crashing', options);
  assert.equal(text, 'panic: cannot connect to db\nexit status 2\n');
  const request = server.requests.at(-1)!;
  assert.equal(request.headers.authorization, 'Bearer token-for-the-log-test');
  const url = new URL(request.path, server.url);
  assert.equal(url.pathname, '/api/v1/namespaces/shop/pods/crashing/log');
  assert.deepEqual(Object.fromEntries(url.searchParams), {
    container: 'app',
    previous: 'true',
    tailLines: '20',
    limitBytes: '4096',
  });
});

test('names refusals and missing pods like every other Kubernetes failure', async () => {
  await assert.rejects(readPodLog(kubeConfig, 'shop', 'secret', options), (error: unknown) => {
    assert.ok(error instanceof KubernetesApiError);
    assert.equal(error.reason, 'forbidden');
    assert.match(error.message, /may not get pods\/secret\/log in namespace shop; grant verb "get" on "pods\/log"/);
    return true;
  });
  await assert.rejects(readPodLog(kubeConfig, 'shop', 'gone', options), /HTTP 404: pods "gone" not found/);
});
