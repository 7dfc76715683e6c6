// Failure paths on the testbed's real kube-apiserver: concurrent edits, an API server that disappears mid-apply,
// RBAC refusals, expiry through the pipeline, protected cluster addresses, and the `k8s` CLI as the restricted user.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { endpointFromKubeconfig } from '../../../../testbed/kube-request.ts';
import { runCliInProcess } from '../../../cli/testing/run-cli.ts';
import { defaultConfig } from '../../../config/load-config.ts';
import { IntegrationError } from '../../../core/errors.ts';
import { isExhausted } from '../../../core/retry.ts';
import { scanBurst } from '../../../core/testing/log-events.ts';
import { createKubeClients, type KubeClients } from '../../../kubernetes/kube-client.ts';
import { openStore } from '../../../store/store.ts';
import { expireBlocks, unblockTarget } from '../../incident-actions.ts';
import { NetworkGuard } from '../../network-guard.ts';
import { applyWithRetries } from '../block-executor.ts';
import { readBlockMarks } from './block-marks.ts';
import { eventually, type KubeTestCluster } from './kube-test-cluster.ts';
import {
  blockerSettings,
  MARK_TIME,
  RESTRICTED_USER,
  request,
  setUpFixture,
  traefikCrdCluster,
} from './kube-test-settings.ts';
import { KubernetesBlocker } from './kubernetes-blocker.ts';

let admin: KubeTestCluster;
let restricted: string;

before(async () => {
  ({ admin, restricted } = await traefikCrdCluster());
});

async function denyList(namespace: string): Promise<string[]> {
  const object = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
  const spec = object?.spec as { plugin: { denyip: { ipDenyList: string[] } } } | undefined;
  return spec?.plugin.denyip.ipDenyList ?? [];
}

async function humanAdds(namespace: string, ip: string): Promise<void> {
  const { kubeRequest } = await import('../../../../testbed/kube-request.ts');
  const response = await kubeRequest(
    admin.endpoint,
    'PATCH',
    `/apis/traefik.io/v1alpha1/namespaces/${namespace}/middlewares/block-scanners`,
    [{ op: 'add', path: '/spec/plugin/denyip/ipDenyList/-', value: ip }],
    'application/json-patch+json',
  );
  assert.equal(response.status, 200, JSON.stringify(response.body));
}

/** Clients that let a "human" edit the object right before the agent's real (not dry-run) patches. */
function interferingClients(
  kubeconfig: string,
  namespace: string,
  edits: number,
): { clients: KubeClients; made: string[] } {
  const real = createKubeClients({ kubeconfig });
  const made: string[] = [];
  return {
    made,
    clients: {
      ...real,
      call: async (operation, run) => {
        if (operation.verb === 'patch' && !operation.dryRun && made.length < edits) {
          const ip = `203.0.113.${100 + made.length}`;
          await humanAdds(namespace, ip);
          made.push(ip);
        }
        return real.call(operation, run);
      },
    },
  };
}

describe('conflicts under concurrent edits', () => {
  it('a human edit between read and patch makes the preconditions fail; the agent re-reads and keeps both', async () => {
    const { namespace } = await setUpFixture(admin, restricted, 'denyip-middleware.yaml');
    const { clients, made } = interferingClients(restricted, namespace, 1);
    const blocker = new KubernetesBlocker(blockerSettings(restricted, namespace), {
      clients,
      now: () => new Date(MARK_TIME),
    });
    const result = await eventually(async () => {
      const outcome = await blocker.apply(request('198.51.100.31'));
      if (outcome.status === 'failed' && /forbidden/.test(outcome.error)) throw new Error(outcome.error);
      return outcome;
    });
    assert.equal(result.status, 'applied', JSON.stringify(result));
    assert.deepEqual(made, ['203.0.113.100']);
    assert.deepEqual(await denyList(namespace), ['203.0.113.7', '203.0.113.100', '198.51.100.31']);
  });

  it('an object that keeps changing is given up after conflict_retries, with nothing of ours written', async () => {
    const { namespace } = await setUpFixture(admin, restricted, 'denyip-middleware.yaml');
    const { clients, made } = interferingClients(restricted, namespace, 100);
    const settings = blockerSettings(restricted, namespace, { conflict_retries: 2 });
    await eventually(() => new KubernetesBlocker(settings).inspect());
    const result = await new KubernetesBlocker(settings, { clients }).apply(request('198.51.100.32'));
    assert.equal(result.status, 'failed');
    assert.match((result as { error: string }).error, /kept changing: gave up after 3 conflicting attempts/);
    assert.equal((result as { isRetryable: boolean }).isRetryable, true);
    assert.equal(made.length, 3);
    const object = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
    assert.deepEqual(await denyList(namespace), ['203.0.113.7', ...made]);
    assert.deepEqual(readBlockMarks(object?.metadata?.annotations), {});
  });

  it('several agents blocking at once all land, each exactly once', async () => {
    const { namespace, blocker } = await setUpFixture(admin, restricted, 'denyip-middleware.yaml', {
      settings: { conflict_retries: 10 },
    });
    await eventually(() => blocker.inspect());
    const targets = ['198.51.100.41', '198.51.100.42', '198.51.100.43', '198.51.100.44'];
    const results = await Promise.all([
      ...targets.map((ip, index) =>
        new KubernetesBlocker(blockerSettings(restricted, namespace, { conflict_retries: 10 })).apply(
          request(ip, 100 + index),
        ),
      ),
      humanAdds(namespace, '203.0.113.60'),
    ]);
    assert.deepEqual(
      results.slice(0, 4).map((result) => result?.status),
      ['applied', 'applied', 'applied', 'applied'],
      JSON.stringify(results),
    );
    const list = await denyList(namespace);
    assert.deepEqual([...list].sort(), [
      '198.51.100.41',
      '198.51.100.42',
      '198.51.100.43',
      '198.51.100.44',
      '203.0.113.60',
      '203.0.113.7',
    ]);
    const object = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
    assert.deepEqual(Object.keys(readBlockMarks(object?.metadata?.annotations)), targets);
  });
});

describe('API server unreachable', () => {
  it('a closed port: a clear error naming the server, bounded retries, quickly', async () => {
    const port = await closedPort();
    const endpoint = endpointFromKubeconfig(restricted);
    const kubeconfig = writeKubeconfig(`https://127.0.0.1:${port}`, endpoint.token, endpoint.ca);
    const blocker = new KubernetesBlocker(blockerSettings(kubeconfig, 'default', { request_attempts: 3 }));
    const started = Date.now();
    const result = await blocker.apply(request('198.51.100.50'));
    const elapsed = Date.now() - started;
    assert.equal(result.status, 'failed');
    assert.match(
      (result as { error: string }).error,
      new RegExp(
        `cannot reach the API server https://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): list .* \\(attempt 3/3\\)`,
      ),
    );
    assert.equal((result as { isRetryable: boolean }).isRetryable, true);
    assert.ok(elapsed < 5000, `took ${elapsed} ms`);
  });

  it('the connection dies at the real patch (after discovery and dry run): nothing half-written, bounded retries', async () => {
    const { namespace } = await setUpFixture(admin, restricted, 'denyip-middleware.yaml');
    await eventually(() => new KubernetesBlocker(blockerSettings(restricted, namespace)).inspect());
    const before = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
    const endpoint = endpointFromKubeconfig(restricted);
    const proxy = await cuttingProxy(endpoint.server, endpoint.ca);
    try {
      const kubeconfig = writeKubeconfig(proxy.url, endpoint.token);
      const blocker = new KubernetesBlocker(blockerSettings(kubeconfig, namespace, { request_attempts: 3 }));
      const result = await blocker.apply(request('198.51.100.51'));
      assert.equal(result.status, 'failed');
      assert.match(
        (result as { error: string }).error,
        /cannot reach the API server http:\/\/127\.0\.0\.1:\d+.*patch middlewares\.traefik\.io\/block-scanners .*\(attempt 3\/3\)/,
      );
      assert.equal(proxy.cut, 3, 'the real patch was attempted exactly request_attempts times');
      // The client's retries were the one layer: the block executor must not multiply them.
      assert.equal(isExhausted(result), true);
      const executorCuts = proxy.cut;
      await applyWithRetries(blocker, request('198.51.100.51'));
      assert.equal(proxy.cut - executorCuts, 3, 'through the block executor: still request_attempts patches, not 3x3');
      assert.ok(proxy.dryRuns >= 1, 'the dry run went through first');
    } finally {
      proxy.close();
    }
    const after = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
    assert.equal(after?.metadata?.resourceVersion, before?.metadata?.resourceVersion);
    assert.deepEqual(after?.spec, before?.spec);
  });
});

describe('least privilege (RBAC on, restricted user)', () => {
  it('without the write Role, the patch is refused with a message naming verb, resource and namespace', async () => {
    const { namespace, blocker } = await setUpFixture(admin, restricted, 'denyip-middleware.yaml', { grant: false });
    const other = await admin.namespace('rbac-read');
    await admin.grantNetworkGuard(RESTRICTED_USER, other);
    await eventually(() => blocker.inspect());
    const result = await blocker.apply(request('198.51.100.60'));
    assert.equal(result.status, 'failed');
    assert.match(
      (result as { error: string }).error,
      new RegExp(
        `forbidden: user "restricted" may not patch \\(dry run\\) middlewares\\.traefik\\.io/block-scanners in namespace ${namespace}; grant verb "patch" on "middlewares\\.traefik\\.io"`,
      ),
    );
    assert.equal((result as { isRetryable: boolean }).isRetryable, false);
    assert.deepEqual(await denyList(namespace), ['203.0.113.7']);
  });

  it('the manifest grants no delete and no secrets: both are IntegrationErrors naming what was refused', async () => {
    const { namespace, blocker } = await setUpFixture(admin, restricted, 'configmap-list.yaml');
    await eventually(() => blocker.inspect());
    await assert.rejects(
      blocker.clients.call(
        { verb: 'delete', resource: 'configmaps', namespace, name: 'traefik-blocklist' },
        (options) => blocker.clients.core.deleteNamespacedConfigMap({ namespace, name: 'traefik-blocklist' }, options),
      ),
      (error: unknown) =>
        error instanceof IntegrationError &&
        /forbidden: user "restricted" may not delete configmaps\/traefik-blocklist in namespace/.test(error.message),
    );
    const secrets = new KubernetesBlocker(blockerSettings(restricted, namespace, { inspect_secrets: true }));
    await assert.rejects(secrets.inspect(), /forbidden: user "restricted" may not list secrets in namespace/);
  });
});

describe('protected cluster addresses', () => {
  it('refuses a node IP and a node pod network, as the restricted user', async () => {
    // Nodes are cluster-wide: addresses from 198.18.0.0/15, which no other test blocks, and the node is removed after.
    const suffix = Math.floor(Math.random() * 200) + 20;
    const nodeName = `testbed-node-${suffix}`;
    await admin.upsert({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: nodeName },
      spec: { podCIDRs: [`198.18.${suffix}.0/24`] },
      status: { addresses: [{ type: 'ExternalIP', address: `198.19.${suffix}.1` }] } as never,
    });
    try {
      const { blocker } = await setUpFixture(admin, restricted, 'denyip-middleware.yaml');
      await eventually(() => blocker.inspect());
      const node = await blocker.apply(request(`198.19.${suffix}.1`));
      assert.equal(node.status, 'failed');
      assert.match(
        (node as { error: string }).error,
        new RegExp(`refused: 198\\.19\\.${suffix}\\.1 overlaps protected .*ExternalIP of node ${nodeName}`),
      );
      const pods = await blocker.apply(request(`198.18.${suffix}.0/28`));
      assert.match((pods as { error: string }).error, new RegExp(`pod network of node ${nodeName}`));
      const privateRange = await blocker.apply(request('10.1.2.3'));
      assert.match((privateRange as { error: string }).error, /overlaps protected 10\.0\.0\.0\/8 \(private range\)/);
    } finally {
      await admin.delete('v1', 'Node', undefined, nodeName);
    }
  });
});

describe('expiry and unblock through the pipeline', () => {
  it('an auto-mode block expires and is removed; a human entry cannot be unblocked', async () => {
    const { namespace, blocker } = await setUpFixture(admin, restricted, 'denyip-middleware.yaml');
    await eventually(() => blocker.inspect());
    const dir = mkdtempSync(join(tmpdir(), 'k8s-expiry-'));
    const config = defaultConfig({
      mode: 'auto',
      'database.path': join(dir, 'agent.db'),
      'audit.path': join(dir, 'audit.jsonl'),
      'blocking.duration': '1h',
    });
    const store = openStore(config.database.path, config.audit.path);
    let now = new Date('2026-11-22T05:00:00Z');
    const guard = new NetworkGuard({ config, store, blocker, source: 'test', now: () => now });
    guard.observe(scanBurst('198.51.100.77', now.getTime(), 404, 'trufflehog/3.0'));
    const [outcome] = await guard.flush();
    assert.equal(outcome.incident.status, 'blocked', JSON.stringify(outcome));
    assert.deepEqual(await denyList(namespace), ['203.0.113.7', '198.51.100.77']);
    const marked = readBlockMarks(
      (await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners'))?.metadata?.annotations,
    );
    assert.equal(marked['198.51.100.77'].incident, outcome.incident.id);
    assert.equal(marked['198.51.100.77'].expires, '2026-11-22T06:00:00.000Z');

    assert.equal((await expireBlocks(guard.blockContext)).length, 0);
    now = new Date('2026-11-22T06:00:01Z');
    const expired = await expireBlocks(guard.blockContext);
    assert.deepEqual(expired, [
      {
        status: 'unblocked',
        detail: `removed 198.51.100.77 from Middleware ${namespace}/block-scanners (traefik.io) plugin.denyip.ipDenyList`,
      },
    ]);
    assert.deepEqual(await denyList(namespace), ['203.0.113.7']);
    assert.equal(store.incidents.get(outcome.incident.id)?.status, 'resolved');

    const human = await unblockTarget('203.0.113.7', 'alice', 'test', guard.blockContext);
    assert.equal(human.status, 'not_ours');
    assert.deepEqual(await denyList(namespace), ['203.0.113.7']);
    store.close();
  });
});

describe('devops-agent k8s patterns (CLI, restricted user)', () => {
  it('prints what was found and the pattern it would use, as a table and as JSON', async () => {
    const { namespace, blocker } = await setUpFixture(admin, restricted, 'competing-patterns.yaml');
    await eventually(() => blocker.inspect());
    const dir = mkdtempSync(join(tmpdir(), 'k8s-cli-'));
    const configPath = join(dir, 'config.yaml');
    writeFileSync(
      configPath,
      stringify({
        kubernetes: { kubeconfig: restricted, namespaces: [namespace] },
        database: { path: join(dir, 'agent.db') },
      }),
    );
    const table = await runCli(['patterns', '--config', configPath]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      new RegExp(
        `the agent would block with: Middleware ${namespace}/denylist \\(traefik\\.io\\) plugin\\.denyip\\.ipDenyList \\(denyip-middleware\\)`,
      ),
    );
    assert.match(table.stdout, new RegExp(`Ingress +${namespace}/blog +networking\\.k8s\\.io +${namespace}/denylist`));
    const json = await runCli(['patterns', '--format', 'json', '--config', configPath]);
    const parsed = JSON.parse(json.stdout) as {
      choice: { chosen: { pattern: string } };
      inventory: { traefikPods: unknown[] };
    };
    assert.equal(parsed.choice.chosen.pattern, 'denyip-middleware');
    assert.equal(parsed.inventory.traefikPods.length, 1);
    const plan = await runCli(['plan', '198.51.100.88', '--config', configPath]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /^\+ +- 198\.51\.100\.88$/m);
  });
});

/** `devops-agent k8s <args>` in this process. */
function runCli(args: string[]) {
  return runCliInProcess(['k8s', ...args], {});
}

function writeKubeconfig(server: string, token: string, ca?: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kubeconfig-')), 'config');
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          // Plain http (the loopback proxy) is accepted by client-node only with TLS verification off.
          cluster: {
            server,
            ...(ca
              ? { 'certificate-authority-data': Buffer.from(ca).toString('base64') }
              : { 'insecure-skip-tls-verify': true }),
          },
        },
      ],
      users: [{ name: 'u', user: { token } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  return path;
}

async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Plain-HTTP loopback proxy to the API server that drops the connection of every real (not dry-run) PATCH. */
async function cuttingProxy(upstream: string, ca: string) {
  const state = { cut: 0, dryRuns: 0 };
  const server = createHttpServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const url = new URL(incoming.url ?? '/', upstream);
    if (incoming.method === 'PATCH') {
      if (url.searchParams.get('dryRun') === 'All') state.dryRuns++;
      else {
        state.cut++;
        incoming.socket.destroy();
        return;
      }
    }
    const headers = { ...incoming.headers, host: url.host };
    const forward = httpsRequest(url, { method: incoming.method, headers, ca }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(outgoing);
    });
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get cut() {
      return state.cut;
    },
    get dryRuns() {
      return state.dryRuns;
    },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
