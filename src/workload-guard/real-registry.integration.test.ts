// The registry client against the real CNCF distribution registry of the testbed (v3.1.2, in-memory storage,
// `silly` auth, 100 tags a page): content pushed through the registry's own API, then read back by the client the
// way a plan reads it. The loopback tests (registry-client*.test.ts) keep what a real registry cannot be made to do.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ensureTestbed, type TestbedEnv } from '../../testbed/testbed-env.ts';
import { IntegrationError } from '../core/errors.ts';
import { createRegistryClient } from './registry-client.ts';
import { type Descriptor, MEDIA_TYPES, registryPusher } from './testing/registry-push.ts';

const TOKEN = `token-${randomBytes(8).toString('hex')}`;
const NO_RETRY = { attempts: 1, totalTimeMs: 1000, baseDelayMs: 1, maxDelayMs: 1 };
/** 1.0.0 ... 1.249.0: three pages of the testbed's 100, in an order (1.10.0 before 1.2.0) only the registry decides. */
const VERSION_TAGS = Array.from({ length: 250 }, (_, index) => `1.${index}.0`);
/** More tags than ten pages of 100 hold: a repository like library/nginx on a registry that pages by 100. */
const MANY_TAGS = Array.from({ length: 1050 }, (_, index) => `2.${index}.0`);

describe('registry client against the CNCF distribution registry', { timeout: 120_000 }, () => {
  let env: TestbedEnv;
  let tokenServer: Server;
  const tokenRequests: URL[] = [];
  const repository = `devops-agent-test/app-${randomBytes(4).toString('hex')}`;
  let host: string;
  const pushed: Record<string, Descriptor> = {};

  before(async () => {
    env = await ensureTestbed();
    host = new URL(env.registryUrl).host;
    tokenServer = await serveTokens(new URL(env.registryTokenRealm), tokenRequests);
    const push = registryPusher(env.registryUrl, repository);
    pushed.release = await push.image('oci', 'amd64', VERSION_TAGS[0]);
    // every other version tag names the same manifest, as a registry's re-tags do
    const manifest = await fetch(`${env.registryUrl}/v2/${repository}/manifests/${pushed.release.digest}`, {
      headers: { authorization: 'Bearer pusher', accept: MEDIA_TYPES.ociManifest },
    });
    const body = JSON.parse(await manifest.text()) as object;
    for (const tag of VERSION_TAGS.slice(1)) await push.manifest(tag, body, MEDIA_TYPES.ociManifest);
    const ociPlatforms = [await push.image('oci', 'amd64'), await push.image('oci', 'arm64')];
    pushed.index = await push.list('multi-oci', 'oci', ociPlatforms);
    const dockerPlatforms = [await push.image('docker', 'amd64'), await push.image('docker', 'arm64')];
    pushed.list = await push.list('multi-docker', 'docker', dockerPlatforms);
    pushed.single = await push.image('docker', 'amd64', 'single-docker');
    const many = registryPusher(env.registryUrl, `${repository}-many`);
    const config = await many.blob(Buffer.from('{"architecture":"amd64","os":"linux"}'), MEDIA_TYPES.ociConfig);
    const manyBody = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [] };
    for (const tag of MANY_TAGS) await many.manifest(tag, manyBody, MEDIA_TYPES.ociManifest);
    // manifests by digest only, as an untagged push (or a tag deleted since) leaves a repository
    await registryPusher(env.registryUrl, `${repository}-untagged`).image('oci', 'amd64');
  });
  after(async () => {
    if (tokenServer) await new Promise((resolve) => tokenServer.close(resolve));
  });
  const client = () => createRegistryClient({ endpoint: (registry) => `http://${registry}`, retry: NO_RETRY });
  const image = (tag: string, name = repository) => `${host}/${name}:${tag}`;

  it('lists every tag in the registry order, across the pages its Link headers name', async () => {
    const pages = await rawPages(env.registryUrl, repository);
    assert.deepEqual(
      pages.map((page) => page.tags.length),
      [100, 100, 53],
      'the registry really paginates: 250 version tags and 3 others, 100 a page',
    );
    // n=1000 asked, clamped to the registry's maxtags: the next page asks for what it got
    assert.equal(pages[0].link, `</v2/${repository}/tags/list?last=${pages[0].tags.at(-1)}&n=100>; rel="next"`);
    assert.equal(pages[2].link, null);
    const registryOrder = pages.flatMap((page) => page.tags);
    const expected = [...VERSION_TAGS, 'multi-docker', 'multi-oci', 'single-docker'].sort();
    assert.deepEqual(registryOrder, expected, 'the registry sorts tags by their bytes');

    const before = tokenRequests.length;
    assert.deepEqual(await client().tags(image('1.0.0')), registryOrder);
    assert.equal(tokenRequests.length - before, 1, 'one anonymous token for every page');
  });

  it('reads a repository of 1,050 tags whole, though the registry gives 100 a page where 1,000 were asked', async () => {
    const pages = await rawPages(env.registryUrl, `${repository}-many`);
    assert.equal(pages.length, 11);
    const tags = await client().tags(image('2.0.0', `${repository}-many`));
    assert.equal(tags.length, 1050, 'every tag, not the first ten pages');
    assert.deepEqual(
      tags,
      pages.flatMap((page) => page.tags),
    );
  });

  it('refuses a list it would have to cut, rather than call the tags after the cut missing', async () => {
    const byPages = createRegistryClient({
      endpoint: (registry) => `http://${registry}`,
      retry: NO_RETRY,
      maxPages: 2,
    });
    await assert.rejects(byPages.tags(image('1.0.0')), /app-[0-9a-f]+ has more than the 200 tags read in 2 pages/);
    const byTags = createRegistryClient({
      endpoint: (registry) => `http://${registry}`,
      retry: NO_RETRY,
      maxTags: 150,
    });
    await assert.rejects(byTags.tags(image('1.0.0')), (error: unknown) => {
      assert.ok(error instanceof IntegrationError);
      assert.equal(error.isRetryable, false);
      assert.match(error.message, /has more than the 200 tags read in 2 pages/);
      return true;
    });
    // a bound the list fits in, exactly: 253 tags, 3 pages
    const fits = createRegistryClient({
      endpoint: (registry) => `http://${registry}`,
      retry: NO_RETRY,
      maxPages: 3,
      maxTags: 253,
    });
    assert.equal((await fits.tags(image('1.0.0'))).length, 253);
  });

  it('reads the digest the registry gives for an image manifest, an OCI index and a Docker manifest list', async () => {
    const registryClient = client();
    for (const [tag, descriptor] of [
      ['1.0.0', pushed.release],
      ['1.249.0', pushed.release],
      ['multi-oci', pushed.index],
      ['multi-docker', pushed.list],
      ['single-docker', pushed.single],
    ] as const) {
      const head = await fetch(`${env.registryUrl}/v2/${repository}/manifests/${tag}`, {
        method: 'HEAD',
        headers: { authorization: 'Bearer reader', accept: descriptor.mediaType },
      });
      assert.equal(head.headers.get('docker-content-digest'), descriptor.digest);
      assert.equal(await registryClient.digest(image(tag)), descriptor.digest, tag);
    }
  });

  it('answers a missing tag with no digest and a missing repository with a non-retryable 404', async () => {
    const registryClient = client();
    assert.equal(await registryClient.digest(image('9.9.9')), undefined);
    assert.equal(await registryClient.digest(image('1.0.0', `${repository}-missing`)), undefined);
    await assert.rejects(registryClient.tags(image('1.0.0', `${repository}-missing`)), (error: unknown) => {
      assert.ok(error instanceof IntegrationError);
      assert.equal(error.statusCode, 404);
      assert.equal(error.isRetryable, false);
      assert.match(error.message, /GET tags of devops-agent-test\/app-[0-9a-f]+-missing: HTTP 404/);
      return true;
    });
    // The registry answers a repository without tags as it answers a missing one (NAME_UNKNOWN).
    await assert.rejects(registryClient.tags(image('1.0.0', `${repository}-untagged`)), /-untagged: HTTP 404/);
  });

  it('answers the Bearer challenge at the realm with the service and the pull scope the registry named', async () => {
    const before = tokenRequests.length;
    const registryClient = client();
    await registryClient.digest(image('multi-oci'));
    await registryClient.tags(image('1.0.0'));
    const asked = tokenRequests.slice(before);
    assert.equal(asked.length, 1, 'the token of the first call is reused for the same repository');
    assert.equal(asked[0].pathname, new URL(env.registryTokenRealm).pathname);
    assert.equal(asked[0].searchParams.get('service'), 'devops-agent-testbed');
    assert.equal(asked[0].searchParams.get('scope'), `repository:${repository}:pull`);
  });
});

/** The token service the registry's `silly` realm names: any GET answers `{"token": ...}`, as Docker Hub's does. */
async function serveTokens(realm: URL, seen: URL[]): Promise<Server> {
  const server = createServer((request, response) => {
    seen.push(new URL(request.url ?? '/', realm));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ token: TOKEN, expires_in: 300 }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new Error(`cannot serve the registry's token realm ${realm.origin} (another test holds it?)`, { cause: error }),
      ),
    );
    server.listen(Number(realm.port), realm.hostname, resolve);
  });
  return server;
}

/** tags/list as the registry pages it, following its Link headers (authorised, so no token is involved). */
async function rawPages(base: string, repository: string) {
  const pages: { tags: string[]; link: string | null }[] = [];
  let next: string | undefined = `/v2/${repository}/tags/list?n=1000`;
  while (next) {
    const response: Response = await fetch(new URL(next, base), { headers: { authorization: 'Bearer reader' } });
    assert.equal(response.status, 200);
    const link = response.headers.get('link');
    pages.push({ tags: ((await response.json()) as { tags: string[] }).tags, link });
    next = /^<([^>]+)>; rel="next"$/.exec(link ?? '')?.[1];
  }
  return pages;
}
