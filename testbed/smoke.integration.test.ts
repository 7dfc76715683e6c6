// Proves the testbed's servers do what the integration tests need: search aggregations, CRDs, RBAC, pod status.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointFromKubeconfig, type KubeEndpoint, type KubeResponse, kubeRequest } from './kube-request.ts';
import { ensureTestbed, type TestbedEnv } from './testbed-env.ts';

const suffix = randomBytes(4).toString('hex');
let env: TestbedEnv;

before(async () => {
  env = await ensureTestbed();
});

/** Traefik JSON access-log lines: one scanner probing secrets, one ordinary client. */
const accessLogs = [
  { ip: '203.0.113.7', path: '/.env', status: 404, at: '2026-11-20T10:00:05Z', agent: 'Go-http-client/1.1' },
  { ip: '203.0.113.7', path: '/.git/config', status: 404, at: '2026-11-20T10:00:35Z', agent: 'Go-http-client/1.1' },
  { ip: '203.0.113.7', path: '/wp-config.php.bak', status: 403, at: '2026-11-20T10:01:10Z', agent: 'zgrab/0.x' },
  { ip: '198.51.100.20', path: '/', status: 200, at: '2026-11-20T10:00:50Z', agent: 'Mozilla/5.0' },
  { ip: '198.51.100.20', path: '/api/items', status: 200, at: '2026-11-20T10:01:20Z', agent: 'Mozilla/5.0' },
].map((line) => ({
  ClientAddr: `${line.ip}:51234`,
  ClientHost: line.ip,
  DownstreamStatus: line.status,
  RequestHost: 'app.example.test',
  RequestMethod: 'GET',
  RequestPath: line.path,
  RequestProtocol: 'HTTP/1.1',
  RouterName: 'app@kubernetescrd',
  StartUTC: line.at,
  'request_User-Agent': line.agent,
  entryPointName: 'websecure',
  level: 'info',
  msg: '',
}));

async function searchEngineRoundTrip(baseUrl: string): Promise<void> {
  const index = `smoke-traefik-${suffix}`;
  const call = async (method: string, path: string, body?: string, contentType = 'application/json') => {
    const response = await fetch(`${baseUrl}${path}`, { method, body, headers: { 'content-type': contentType } });
    const json = (await response.json()) as Record<string, unknown>;
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const properties = {
    ClientHost: { type: 'ip' },
    DownstreamStatus: { type: 'integer' },
    RequestPath: { type: 'keyword' },
    StartUTC: { type: 'date' },
    'request_User-Agent': { type: 'keyword' },
  };
  await call('PUT', `/${index}`, JSON.stringify({ mappings: { properties } }));
  try {
    const ndjson = accessLogs.map((doc) => `{"index":{}}\n${JSON.stringify(doc)}\n`).join('');
    const bulk = await call('POST', `/${index}/_bulk?refresh=true`, ndjson, 'application/x-ndjson');
    assert.equal(bulk.errors, false, JSON.stringify(bulk));
    const query = {
      size: 0,
      query: { range: { DownstreamStatus: { gte: 400 } } },
      aggs: {
        by_client: { terms: { field: 'ClientHost', size: 10 } },
        per_minute: { date_histogram: { field: 'StartUTC', fixed_interval: '1m' } },
      },
    };
    const result = (await call('POST', `/${index}/_search`, JSON.stringify(query))) as {
      hits: { total: { value: number } };
      aggregations: {
        by_client: { buckets: { key: string; doc_count: number }[] };
        per_minute: { buckets: { key_as_string: string; doc_count: number }[] };
      };
    };
    assert.equal(result.hits.total.value, 3);
    assert.deepEqual(result.aggregations.by_client.buckets, [{ key: '203.0.113.7', doc_count: 3 }]);
    assert.deepEqual(
      result.aggregations.per_minute.buckets.map((b) => [b.key_as_string, b.doc_count]),
      [
        ['2026-11-20T10:00:00.000Z', 2],
        ['2026-11-20T10:01:00.000Z', 1],
      ],
    );
  } finally {
    await call('DELETE', `/${index}`);
  }
}

describe('search engines', () => {
  test('Elasticsearch: bulk-index Traefik access logs, terms + date_histogram', async () => {
    await searchEngineRoundTrip(env.esUrl);
  });

  test('OpenSearch: the same round trip', async (t) => {
    if (!env.openSearchUrl) return t.skip('no OpenSearch in this testbed (see testbed/README.md)');
    await searchEngineRoundTrip(env.openSearchUrl);
  });
});

const middlewareCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'middlewares.traefik.io' },
  spec: {
    group: 'traefik.io',
    scope: 'Namespaced',
    names: { kind: 'Middleware', listKind: 'MiddlewareList', plural: 'middlewares', singular: 'middleware' },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        },
      },
    ],
  },
};

/** Retries while `retry(response)` holds, for things that settle within seconds (CRD discovery, RBAC caches). */
async function until(call: () => Promise<KubeResponse>, retry: (r: KubeResponse) => boolean): Promise<KubeResponse> {
  let response = await call();
  for (let i = 0; i < 60 && retry(response); i++) {
    await sleep(250);
    response = await call();
  }
  return response;
}

describe('kube-apiserver', () => {
  let admin: KubeEndpoint;
  let restricted: KubeEndpoint;
  const namespace = `smoke-${suffix}`;
  const middlewares = `/apis/traefik.io/v1alpha1/namespaces/${namespace}/middlewares`;
  const patch = (sourceRange: string[]) => ({ spec: { ipAllowList: { sourceRange } } });
  const mergePatch = 'application/merge-patch+json';

  before(async () => {
    admin = endpointFromKubeconfig(env.kubeconfig);
    restricted = endpointFromKubeconfig(env.kubeconfigRestricted);
    const crd = await kubeRequest(
      admin,
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      middlewareCrd,
    );
    assert.ok([201, 409].includes(crd.status), `create CRD: ${crd.status} ${JSON.stringify(crd.body)}`);
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
    assert.equal((await kubeRequest(admin, 'POST', '/api/v1/namespaces', ns)).status, 201);
  });

  test('admin creates a Middleware; restricted is refused, then allowed by a Role', async () => {
    const middleware = {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'Middleware',
      metadata: { name: 'block-list' },
      spec: { ipAllowList: { sourceRange: ['10.0.0.0/8'] } },
    };
    const created = await until(
      () => kubeRequest(admin, 'POST', middlewares, middleware),
      (r) => r.status === 404, // the new CRD is not served yet
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const other = { ...middleware, metadata: { name: 'other' } };
    assert.equal((await kubeRequest(restricted, 'POST', middlewares, other)).status, 403);
    const denied = await kubeRequest(
      restricted,
      'PATCH',
      `${middlewares}/block-list`,
      patch(['10.1.0.0/16']),
      mergePatch,
    );
    assert.equal(denied.status, 403);

    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
    const role = {
      metadata: { name: 'middleware-patcher' },
      rules: [{ apiGroups: ['traefik.io'], resources: ['middlewares'], verbs: ['get', 'patch'] }],
    };
    assert.equal((await kubeRequest(admin, 'POST', `${rbac}/roles`, role)).status, 201);
    const binding = {
      metadata: { name: 'restricted-middleware-patcher' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'middleware-patcher' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'restricted' }],
    };
    assert.equal((await kubeRequest(admin, 'POST', `${rbac}/rolebindings`, binding)).status, 201);

    const allowed = await until(
      () => kubeRequest(restricted, 'PATCH', `${middlewares}/block-list`, patch(['10.1.0.0/16']), mergePatch),
      (r) => r.status === 403, // the authorizer's cache has not seen the binding yet
    );
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    assert.deepEqual((allowed.body as { spec: unknown }).spec, patch(['10.1.0.0/16']).spec);
    assert.equal((await kubeRequest(restricted, 'POST', middlewares, other)).status, 403);
  });

  test('a pod can be created and given a status without any kubelet', async () => {
    const pods = `/api/v1/namespaces/${namespace}/pods`;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    };
    const created = await kubeRequest(admin, 'POST', pods, pod);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const status = {
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'web',
            image: 'nginx:1.27',
            imageID: '',
            ready: false,
            restartCount: 7,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
      },
    };
    const patched = await kubeRequest(admin, 'PATCH', `${pods}/web/status`, status, 'application/merge-patch+json');
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const read = (await kubeRequest(admin, 'GET', `${pods}/web`)).body as typeof status;
    assert.equal(read.status.containerStatuses[0].restartCount, 7);
    assert.equal(read.status.containerStatuses[0].state.waiting.reason, 'CrashLoopBackOff');
  });
});

describe('registry', () => {
  test('distribution API v2 with the silly challenge naming the token realm; any Authorization passes', async () => {
    const anonymous = await fetch(`${env.registryUrl}/v2/`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.equal(
      anonymous.headers.get('www-authenticate'),
      `Bearer realm="${env.registryTokenRealm}",service="devops-agent-testbed"`,
    );
    const authorised = await fetch(`${env.registryUrl}/v2/`, { headers: { authorization: 'Bearer any' } });
    assert.equal(authorised.status, 200);
    assert.deepEqual(await authorised.json(), {});
  });
});
