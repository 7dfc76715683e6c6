// The registry client against a loopback server standing in for Docker Hub (docker.io/library/nginx, which the
// testbed cannot reach), and a scan on the real kube-apiserver that keeps a digest pin with the registry's digest of a
// tag that exists. The protocol itself (challenge, token, pages, digests, 404s) is proven against the real CNCF
// distribution registry in real-registry.integration.test.ts and real-registry-token.integration.test.ts; this
// server keeps what a real registry cannot be made to answer: a 503 that passes, a realm on another scheme.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { type LoopbackServer, sendJson, startLoopbackServer } from '../notifiers/loopback-http-server.ts';
import { openStore, type Store } from '../store/store.ts';
import { createRegistryClient } from './registry-client.ts';
import {
  NGINX_QUIC_VULNERABILITY,
  reportFileChecksConfig,
  WorkloadTestCluster,
} from './testing/workload-test-cluster.ts';
import { runWorkloadChecks } from './workload-checks.ts';

const TOKEN = 'anonymous-pull-token';
const PINNED = `sha256:${'1'.repeat(64)}`;
const NEW_DIGEST = `sha256:${'5'.repeat(64)}`;

describe('registry client and digest pins from the registry', { timeout: 120_000 }, () => {
  let registry: LoopbackServer;
  let realmScheme = 'http';
  let flakyCalls = 0;

  before(async () => {
    registry = await startLoopbackServer((request, response) => {
      const url = new URL(request.path, 'http://registry');
      if (url.pathname === '/v2/library/flaky/tags/list') {
        flakyCalls++;
        if (flakyCalls === 1) return sendJson(response, 503, { errors: [{ code: 'UNAVAILABLE' }] });
        return sendJson(response, 200, { name: 'library/flaky', tags: ['1.0.0'] });
      }
      if (url.pathname === '/token') {
        assert.equal(url.searchParams.get('scope'), 'repository:library/nginx:pull');
        return sendJson(response, 200, { token: TOKEN, expires_in: 300 });
      }
      if (request.headers.authorization !== `Bearer ${TOKEN}`) {
        const realm = `${realmScheme}://${request.headers.host}/token`;
        response.writeHead(401, {
          'www-authenticate': `Bearer realm="${realm}",service="loopback-registry",scope="repository:library/nginx:pull"`,
          'content-type': 'application/json',
        });
        return response.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      }
      if (url.pathname === '/v2/library/nginx/tags/list') {
        if (!url.searchParams.get('last')) {
          return sendJson(
            response,
            200,
            { name: 'library/nginx', tags: ['1.25.3', '1.25.3-alpine'] },
            { link: '</v2/library/nginx/tags/list?n=1000&last=1.25.3-alpine>; rel="next"' },
          );
        }
        return sendJson(response, 200, { name: 'library/nginx', tags: ['1.25.5', '1.26.0', 'latest'] });
      }
      if (request.method === 'HEAD' && url.pathname === '/v2/library/nginx/manifests/1.25.5') {
        assert.match(String(request.headers.accept), /application\/vnd\.oci\.image\.index\.v1\+json/);
        response.writeHead(200, {
          'docker-content-digest': NEW_DIGEST,
          'content-type': 'application/vnd.oci.image.index.v1+json',
        });
        return response.end();
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN' }] }));
    });
  });
  after(() => registry?.close());
  const client = () => createRegistryClient({ endpoint: () => registry.url });

  it('lists every page of tags with one anonymous token, and reads a manifest digest', async () => {
    const before = registry.requests.length;
    const registryClient = client();
    assert.deepEqual(await registryClient.tags('nginx:1.25.3'), [
      '1.25.3',
      '1.25.3-alpine',
      '1.25.5',
      '1.26.0',
      'latest',
    ]);
    assert.equal(await registryClient.digest('nginx:1.25.5'), NEW_DIGEST);
    assert.equal(await registryClient.digest('nginx:9.9.9'), undefined);
    const tokenRequests = registry.requests.slice(before).filter((request) => request.path.startsWith('/token'));
    assert.equal(tokenRequests.length, 1, 'the token is reused for the same repository');
  });

  it('retries a 503 under the one retry policy', async () => {
    assert.deepEqual(await client().tags('flaky:1.0.0'), ['1.0.0']);
    assert.equal(flakyCalls, 2);
  });

  it('refuses a token service on another scheme than the registry', async () => {
    realmScheme = 'https';
    try {
      await assert.rejects(client().tags('nginx:1.25.3'), /does not use the registry's scheme/);
    } finally {
      realmScheme = 'http';
    }
  });

  describe('on the real kube-apiserver', () => {
    let directory: string;
    let store: Store;
    let namespace: string;

    before(async () => {
      const admin = await WorkloadTestCluster.onTestbed();
      namespace = await admin.namespace('registry');
      await admin.deployment(namespace, 'web', `nginx:1.25.3@${PINNED}`, { container: 'web' });
      directory = mkdtempSync(join(tmpdir(), 'devops-agent-registry-'));
      store = openStore(join(directory, 'agent.db'), join(directory, 'audit.jsonl'));
      writeFileSync(
        join(directory, 'nginx.json'),
        JSON.stringify({
          SchemaVersion: 2,
          ArtifactName: `nginx:1.25.3@${PINNED}`,
          ArtifactType: 'container_image',
          Metadata: {
            OS: { Family: 'debian', Name: '12.4' },
            RepoTags: ['nginx:1.25.3'],
            RepoDigests: [`nginx@${PINNED}`],
          },
          Results: [
            {
              Target: 'nginx:1.25.3 (debian 12.4)',
              Class: 'os-pkgs',
              Type: 'debian',
              Vulnerabilities: [
                { ...NGINX_QUIC_VULNERABILITY, Title: 'nginx: HTTP/3 QUIC module null pointer dereference' },
              ],
            },
          ],
        }),
      );
    });
    after(() => {
      store?.close();
      if (directory) rmSync(directory, { recursive: true, force: true });
    });

    it('proposes an existing tag that fixes the CVE, pinned with the digest the registry gave', async () => {
      const env = await ensureTestbed();
      const config = reportFileChecksConfig(env.kubeconfig, directory, namespace, [join(directory, 'nginx.json')], {
        'workloads.policy.registry_lookup': true,
      });
      const result = await runWorkloadChecks({ config, store, registry: client() }, { record: false });
      const web = result.findings.find((finding) => finding.kind === 'vulnerabilities');
      assert.ok(web?.plan, `${web?.planError} ${result.notes.join('; ')}`);
      // 1.25.4 (the fixed version) is not in the tag list; 1.25.5 is, and reaches the fix.
      assert.equal(web.plan.targetImage, `nginx:1.25.5@${NEW_DIGEST}`);
      assert.equal(web.plan.source, 'registry');
      assert.deepEqual(web.plan.fixes, ['CVE-2024-24989']);
      assert.deepEqual(result.notes, []);
    });
  });
});
