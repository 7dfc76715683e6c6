import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpApp } from './http-app.ts';
import { HttpError } from './http-response.ts';
import { RequestGuard } from './request-guard.ts';
import type { Route } from './router.ts';

const request = (headers: Record<string, string>) => ({ headers });

function statusOf(check: () => void): number | 'passed' {
  try {
    check();
    return 'passed';
  } catch (error) {
    if (error instanceof HttpError) return error.statusCode;
    throw error;
  }
}

test('loopback listeners answer only to loopback Host names (DNS rebinding)', () => {
  const guard = new RequestGuard({ loopbackOnly: true });
  for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST', '[::1]:8080', '127.1.2.3:80']) {
    assert.equal(
      statusOf(() => guard.checkHost(request({ host }))),
      'passed',
      host,
    );
  }
  for (const host of [
    'evil.example:8080',
    'localhost.evil.example',
    '127.evil.example:8080',
    '127.0.0.1.evil.example',
    '',
    '10.0.0.1:8080',
    '[::2]:8080',
  ]) {
    assert.equal(
      statusOf(() => guard.checkHost(request({ host }))),
      421,
      host,
    );
  }
  const proxied = new RequestGuard({ loopbackOnly: true, allowedHosts: ['Agent.Example.org'] });
  assert.equal(
    statusOf(() => proxied.checkHost(request({ host: 'agent.example.org' }))),
    'passed',
  );
  assert.equal(
    statusOf(() => proxied.checkHost(request({ host: 'agent.example.org:443' }))),
    'passed',
  );
  assert.equal(
    statusOf(() => proxied.checkHost(request({ host: 'other.example.org' }))),
    421,
  );
  const remote = new RequestGuard({ loopbackOnly: false });
  assert.equal(
    statusOf(() => remote.checkHost(request({ host: 'agent.example.org' }))),
    'passed',
  );
});

test('bearer token: required when configured, compared whole', () => {
  const guard = new RequestGuard({ token: 'correct horse', loopbackOnly: true });
  assert.equal(guard.requiresToken, true);
  assert.equal(
    statusOf(() => guard.checkToken(request({ authorization: 'Bearer correct horse' }))),
    'passed',
  );
  assert.equal(
    statusOf(() => guard.checkToken(request({ authorization: 'bearer correct horse' }))),
    'passed',
  );
  for (const authorization of ['', 'Bearer correct', 'Bearer correct horse2', 'Basic Y29ycmVjdCBob3JzZQ==']) {
    assert.equal(
      statusOf(() => guard.checkToken(request({ authorization }))),
      401,
      authorization,
    );
  }
  const open = new RequestGuard({ loopbackOnly: true });
  assert.equal(
    statusOf(() => open.checkToken(request({}))),
    'passed',
  );
});

test('cross-site checks: custom header, JSON, same-origin Origin and Sec-Fetch-Site', () => {
  const guard = new RequestGuard({ loopbackOnly: true });
  const base = {
    host: '127.0.0.1:8080',
    'content-type': 'application/json; charset=utf-8',
    'x-requested-with': 'devops-agent',
  };
  const cases: Array<[Record<string, string>, number | 'passed']> = [
    [base, 'passed'],
    [{ ...base, origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' }, 'passed'],
    [{ ...base, 'sec-fetch-site': 'none' }, 'passed'],
    [{ ...base, 'x-requested-with': 'XMLHttpRequest' }, 403],
    [{ ...base, 'content-type': 'text/plain' }, 415],
    [{ ...base, 'content-type': 'application/x-www-form-urlencoded' }, 415],
    [{ ...base, origin: 'http://127.0.0.1:9999' }, 403],
    [{ ...base, origin: 'https://evil.example' }, 403],
    [{ ...base, origin: 'null' }, 403],
    [{ ...base, origin: 'not a url' }, 403],
    [{ ...base, 'sec-fetch-site': 'same-site' }, 403],
    [{ ...base, 'sec-fetch-site': 'cross-site' }, 403],
  ];
  for (const [headers, expected] of cases) {
    assert.equal(
      statusOf(() => guard.checkCrossSite(request(headers))),
      expected,
      JSON.stringify(headers),
    );
  }
});

test('router (the Hono stack): parameters, HEAD, 404 for unknown paths, 405 with Allow, 400 for bad encoding', async () => {
  const seen: Array<Record<string, string>> = [];
  const handler: Route['handler'] = (request) => {
    seen.push(request.params);
    return { status: 200, json: { params: request.params } };
  };
  const app = createHttpApp({
    guard: new RequestGuard({ loopbackOnly: false }),
    routes: [
      { method: 'GET', path: '/api/incidents/:id', handler },
      { method: 'POST', path: '/api/incidents/:id/approve', handler, access: 'public' },
      { method: 'GET', path: '/', handler, access: 'public' },
    ],
  });
  const call = (method: string, path: string) => app.request(path, { method });
  assert.deepEqual((await (await call('GET', '/api/incidents/42')).json()).params, { id: '42' });
  assert.deepEqual((await (await call('GET', '/api/incidents/a%20b/')).json()).params, { id: 'a b' });
  const head = await call('HEAD', '/');
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  assert.equal((await call('POST', '/api/incidents/7/approve')).status, 200);
  assert.equal((await call('GET', '/api/incidents/7/approve')).status, 405);
  const wrongMethod = await call('DELETE', '/api/incidents/7');
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'GET');
  assert.match(String((await wrongMethod.json()).error), /not allowed/);
  const unknown = await call('GET', '/api/incidents');
  assert.equal(unknown.status, 404);
  assert.match(String((await unknown.json()).error), /no such endpoint/);
  assert.equal((await call('GET', '/api/incidents/%E0%A4%A')).status, 400);
});
