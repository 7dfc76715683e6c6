// The registry client against a CNCF distribution registry (the testbed's binary, REGISTRY_BIN) started with its
// `token` auth: unlike the shared registry's `silly` auth, it verifies the signature, issuer, audience, expiry and the
// access of every token, so these tests show the client sends the very token it was given, for the scope it needs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningRegistry, registryService, startRegistry } from '../../testbed/registry-server.ts';
import { stopGroup } from '../../testbed/server-process.ts';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { runDir, versions } from '../../testbed/testbed-paths.ts';
import { IntegrationError } from '../core/errors.ts';
import { createRegistryClient } from './registry-client.ts';
import { type Descriptor, registryPusher } from './testing/registry-push.ts';
import { startTokenService, type TokenService } from './testing/registry-token-service.ts';

const NO_RETRY = { attempts: 1, totalTimeMs: 1000, baseDelayMs: 1, maxDelayMs: 1 };

describe('registry client against a registry that verifies its tokens', { timeout: 60_000 }, () => {
  const id = randomBytes(4).toString('hex');
  const repositories = { app: `team-${id}/app`, other: `team-${id}/other`, denied: `team-${id}/denied` };
  const keyDir = mkdtempSync(join(tmpdir(), 'devops-agent-registry-token-'));
  // under the testbed's run directory, so `testbed:down` stops it should this process die before `after`
  const registryDir = join(runDir, `registry-token-test-${id}`);
  let tokens: TokenService;
  let registry: RunningRegistry;
  const indexes: Record<string, Descriptor> = {};

  before(async () => {
    const env = await ensureTestbed();
    if (!env.registryBin) throw new Error('testbed: REGISTRY_BIN (the registry binary) is needed to start a registry');
    // the token service refuses the `denied` repository the way an auth service answers for a private one
    tokens = await startTokenService(join(keyDir, 'jwks.json'), registryService, (asked) =>
      asked.filter((access) => access.name !== repositories.denied),
    );
    registry = await startRegistry(
      { version: versions.registry, bin: env.registryBin },
      { dir: registryDir, tokenAuth: { realm: tokens.realm, issuer: tokens.issuer, jwks: join(keyDir, 'jwks.json') } },
    );
    for (const name of Object.values(repositories)) {
      const push = registryPusher(
        registry.url,
        name,
        `Bearer ${tokens.mint([{ type: 'repository', name, actions: ['pull', 'push'] }])}`,
      );
      await push.image('oci', 'amd64', '1.0.0');
      const platforms = [await push.image('oci', 'amd64'), await push.image('oci', 'arm64')];
      indexes[name] = await push.list('multi-oci', 'oci', platforms);
    }
  });
  after(async () => {
    if (registry) await stopGroup(registry.pid);
    await tokens?.close();
    rmSync(registryDir, { recursive: true, force: true });
    rmSync(keyDir, { recursive: true, force: true });
  });
  const client = () => createRegistryClient({ endpoint: () => registry.url, retry: NO_RETRY });
  const image = (name: string, tag: string) => `${new URL(registry.url).host}/${name}:${tag}`;

  it('sends the token it was given, for the pull scope the challenge named, and the registry accepts it', async () => {
    const before = tokens.requests.length;
    const registryClient = client();
    assert.deepEqual(await registryClient.tags(image(repositories.app, '1.0.0')), ['1.0.0', 'multi-oci']);
    assert.equal(await registryClient.digest(image(repositories.app, 'multi-oci')), indexes[repositories.app].digest);
    const asked = tokens.requests.slice(before);
    assert.equal(asked.length, 1, 'one token for both calls on the repository');
    assert.equal(asked[0].searchParams.get('service'), registryService);
    assert.equal(asked[0].searchParams.get('scope'), `repository:${repositories.app}:pull`);
  });

  it('asks a new token for another repository: the first one does not open it', async () => {
    const registryClient = client();
    await registryClient.tags(image(repositories.app, '1.0.0'));
    const before = tokens.requests.length;
    assert.deepEqual(await registryClient.tags(image(repositories.other, '1.0.0')), ['1.0.0', 'multi-oci']);
    assert.equal(tokens.requests.slice(before)[0]?.searchParams.get('scope'), `repository:${repositories.other}:pull`);

    const appToken = tokens.mint([{ type: 'repository', name: repositories.app, actions: ['pull'] }]);
    const crossed = await fetch(`${registry.url}/v2/${repositories.other}/tags/list`, {
      headers: { authorization: `Bearer ${appToken}` },
    });
    assert.equal(crossed.status, 401);
    assert.match(crossed.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
  });

  it('asks a fresh token when the registry refuses the one it holds as expired', async () => {
    const registryClient = client();
    tokens.lifetime = -58; // with the registry's 60 s of leeway: usable for 1-2 s
    try {
      const before = tokens.requests.length;
      await registryClient.tags(image(repositories.app, '1.0.0'));
      await sleep(3000);
      const held = await fetch(`${registry.url}/v2/${repositories.app}/tags/list`, {
        headers: { authorization: `Bearer ${tokens.issued.at(-1)}` },
      });
      assert.equal(held.status, 401);
      assert.match(held.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      assert.deepEqual(await registryClient.tags(image(repositories.app, '1.0.0')), ['1.0.0', 'multi-oci']);
      assert.equal(tokens.requests.length - before, 2, 'the held token expired: a second one was asked');
    } finally {
      tokens.lifetime = 300;
    }
  });

  it('reports a token without access to the repository as a non-retryable 401, asking only once', async () => {
    const before = tokens.requests.length;
    await assert.rejects(client().tags(image(repositories.denied, '1.0.0')), (error: unknown) => {
      assert.ok(error instanceof IntegrationError);
      assert.equal(error.statusCode, 401);
      assert.equal(error.isRetryable, false);
      assert.match(error.message, /GET tags of team-[0-9a-f]+\/denied: HTTP 401/);
      return true;
    });
    assert.equal(tokens.requests.length - before, 1);
  });
});
