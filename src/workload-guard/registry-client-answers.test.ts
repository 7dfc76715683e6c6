// The registry client against loopback servers speaking the distribution API, answering as a hostile or hijacked
// registry would: redirects to another host, a token service that redirects, answers far larger than any real one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LoopbackServer, sendJson, startLoopbackServer } from '../notifiers/loopback-http-server.ts';
import { createRegistryClient } from './registry-client.ts';

const NO_RETRY = { attempts: 1, totalTimeMs: 1000, baseDelayMs: 1, maxDelayMs: 1 };

describe('registry answers are untrusted input', () => {
  let elsewhere: LoopbackServer;
  let registry: LoopbackServer;

  before(async () => {
    // another host: an internal address a registry must not send the agent to
    elsewhere = await startLoopbackServer((_request, response) =>
      sendJson(response, 200, { name: 'library/nginx', tags: ['9.9.9-chosen-by-elsewhere'], token: 'stolen' }),
    );
    registry = await startLoopbackServer((request, response) => {
      const url = new URL(request.path, 'http://registry');
      if (url.pathname === '/v2/library/moved/tags/list') {
        response.writeHead(307, { location: '/v2/library/nginx/tags/list' });
        return response.end();
      }
      if (url.pathname === '/v2/library/nginx/tags/list') return sendJson(response, 200, { tags: ['1.25.5'] });
      if (url.pathname === '/v2/library/away/tags/list' || url.pathname === '/token') {
        response.writeHead(302, { location: `${elsewhere.url}/v2/library/nginx/tags/list` });
        return response.end();
      }
      if (url.pathname === '/v2/library/tokened/tags/list') {
        response.writeHead(401, { 'www-authenticate': `Bearer realm="${registry.url}/token",service="x"` });
        return response.end();
      }
      if (url.pathname === '/v2/library/endless/tags/list') {
        // one tag a page and always a next one: a registry that would keep the agent paging
        const last = Number(url.searchParams.get('last') ?? 0);
        return sendJson(
          response,
          200,
          { tags: [String(last + 1)] },
          { link: `</v2/library/endless/tags/list?n=1&last=${last + 1}>; rel="next"` },
        );
      }
      if (url.pathname === '/v2/library/huge/tags/list') {
        const tags = Array.from({ length: 200_000 }, (_, index) => `1.0.${index}-${'x'.repeat(20)}`);
        return sendJson(response, 200, { tags });
      }
      if (url.pathname === '/v2/library/streamed/tags/list') {
        // no Content-Length: the size is only known while reading
        response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        response.write('{"tags":["');
        const chunk = 'y'.repeat(64 * 1024);
        for (let index = 0; index < 40; index++) response.write(chunk);
        return response.end('"]}');
      }
      response.writeHead(404);
      response.end();
    });
  });
  after(async () => {
    await registry?.close();
    await elsewhere?.close();
  });
  const client = () => createRegistryClient({ endpoint: () => registry.url, retry: NO_RETRY });

  it('follows a redirect on the registry itself', async () => {
    assert.deepEqual(await client().tags('moved:1'), ['1.25.5']);
  });

  it('does not follow a registry or its token service to another host', async () => {
    await assert.rejects(client().tags('away:1'), /redirected to http:\/\/127\.0\.0\.1:\d+: not followed/);
    await assert.rejects(client().tags('tokened:1'), /redirected to .*not followed/);
    assert.equal(elsewhere.requests.length, 0, 'the other host was never asked');
  });

  it('stops following pages after maxPages and says the list is incomplete instead of returning part of it', async () => {
    const before = registry.requests.length;
    await assert.rejects(client().tags('endless:1'), /library\/endless has more than the 100 tags read in 100 pages/);
    assert.equal(registry.requests.length - before, 100);
  });

  it('refuses answers larger than a real registry sends, with or without Content-Length', async () => {
    await assert.rejects(client().tags('huge:1'), /answer larger than 1048576 bytes/);
    await assert.rejects(client().tags('streamed:1'), /answer larger than 1048576 bytes/);
  });
});
