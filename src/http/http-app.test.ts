// The one HTTP stack's guarantees, for every route whichever capability contributed it: headers, Host check, token,
// cross-site checks, body limit, JSON errors. Driven through Hono's in-process fetch (the wire is covered by
// src/web/web-api.integration.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpApp } from './http-app.ts';
import { RequestGuard } from './request-guard.ts';
import type { Route } from './router.ts';

const TOKEN = 'stack-test-token';
const REVIEW_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function stack(routes: Route[], onError?: (error: unknown) => void) {
  const answers: Array<{ method: string; route: string; status: number }> = [];
  const app = createHttpApp({
    routes,
    guard: new RequestGuard({ token: TOKEN, loopbackOnly: true }),
    onError,
    onAnswer: (answer) => answers.push(answer),
  });
  const call = (method: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit } = {}) =>
    app.request(`http://127.0.0.1:8080${path}`, {
      method,
      body: init.body,
      headers: { host: '127.0.0.1:8080', ...init.headers },
      // A streamed body (no Content-Length) needs duplex: 'half' in the fetch API.
      ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    });
  return { call, answers };
}

const echo: Route['handler'] = async (request) => ({ status: 200, json: { got: (await request.text()).length } });

test('every answer carries the security headers, errors included; a route may send a stricter CSP', async () => {
  const { call } = stack([
    {
      method: 'GET',
      path: '/page',
      access: 'public',
      handler: () => ({ status: 200, text: 'hi', contentType: 'text/plain' }),
    },
    {
      method: 'GET',
      path: '/chat-page',
      access: 'self',
      handler: () => ({
        status: 200,
        text: '<p>x</p>',
        contentType: 'text/html',
        headers: { 'Content-Security-Policy': "default-src 'none'" },
      }),
    },
  ]);
  for (const [path, host] of [
    ['/page', '127.0.0.1:8080'],
    ['/nothing', '127.0.0.1:8080'],
    ['/page', 'rebound.example'],
  ]) {
    const reply = await call('GET', path, { headers: { host } });
    assert.equal(reply.headers.get('content-security-policy'), REVIEW_CSP, path);
    assert.equal(reply.headers.get('x-frame-options'), 'DENY');
    assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(reply.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    assert.equal(reply.headers.get('strict-transport-security'), null);
  }
  assert.equal((await call('GET', '/chat-page')).headers.get('content-security-policy'), "default-src 'none'");
});

test('Host check first (421 even for unknown paths), then 404 before the token is asked for', async () => {
  const { call } = stack([{ method: 'GET', path: '/api/x', handler: () => ({ status: 200, json: {} }) }]);
  assert.equal((await call('GET', '/api/nothing', { headers: { host: 'evil.example' } })).status, 421);
  assert.equal((await call('GET', '/api/nothing')).status, 404);
  const noToken = await call('GET', '/api/x');
  assert.equal(noToken.status, 401);
  assert.equal(noToken.headers.get('www-authenticate'), 'Bearer');
  assert.equal((await call('GET', '/api/x', { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
});

test('token routes need the cross-site checks to change state; self-authenticating routes need neither', async () => {
  const { call } = stack([
    { method: 'POST', path: '/api/change', handler: echo },
    { method: 'POST', path: '/hooks/signed', access: 'self', handler: echo },
  ]);
  const authorization = `Bearer ${TOKEN}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  assert.equal((await call('POST', '/api/change', { headers: { authorization }, body: '{}' })).status, 403);
  const crossSite = { authorization, 'content-type': 'application/json', 'x-requested-with': 'devops-agent' };
  assert.equal(
    (await call('POST', '/api/change', { headers: { ...crossSite, origin: 'https://evil.example' } })).status,
    403,
  );
  assert.equal((await call('POST', '/api/change', { headers: crossSite, body: '{}' })).status, 200);
  const signed = await call('POST', '/hooks/signed', { headers: form, body: 'payload=1' });
  assert.equal(signed.status, 200);
  assert.deepEqual(await signed.json(), { got: 9 });
});

test('one body limit for every route: 413 as JSON, declared or streamed', async () => {
  const { call } = stack([{ method: 'POST', path: '/hooks/signed', access: 'self', handler: echo }]);
  const declared = await call('POST', '/hooks/signed', { body: 'x'.repeat(64 * 1024 + 1) });
  assert.equal(declared.status, 413);
  assert.match(String((await declared.json()).error), /larger than 65536 bytes/);
  const chunks = new ReadableStream({
    start(controller) {
      for (let index = 0; index < 70; index++) controller.enqueue(new Uint8Array(1024));
      controller.close();
    },
  });
  const streamed = await call('POST', '/hooks/signed', {
    body: chunks,
    headers: { 'transfer-encoding': 'chunked' },
  });
  assert.equal(streamed.status, 413);
  assert.equal((await call('POST', '/hooks/signed', { body: 'x'.repeat(1000) })).status, 200);
});

test('a handler bug is a generic JSON 500, reported to onError; answers are counted by route pattern', async () => {
  const reported: unknown[] = [];
  const { call, answers } = stack(
    [
      {
        method: 'GET',
        path: '/api/broken/:id',
        access: 'public',
        handler: () => {
          throw new Error('secret detail at line 3');
        },
      },
    ],
    (error) => reported.push(error),
  );
  const reply = await call('GET', '/api/broken/7');
  assert.equal(reply.status, 500);
  assert.deepEqual(await reply.json(), { error: 'internal error' });
  assert.equal(reported.length, 1);
  await call('GET', '/elsewhere');
  assert.deepEqual(answers, [
    { method: 'GET', route: '/api/broken/:id', status: 500 },
    { method: 'GET', route: 'unmatched', status: 404 },
  ]);
});
