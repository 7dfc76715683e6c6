import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type LoopbackServer, sendJson, startLoopbackServer } from '../../notifiers/loopback-http-server.ts';
import { collectContainers, DockerApiError } from './docker-collector.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8'));
const directory = mkdtempSync(join(tmpdir(), 'monitor-docker-'));
const socketPath = join(directory, 'docker.sock');
let server: LoopbackServer;

before(async () => {
  const list = fixture('docker-containers.json');
  const inspects = fixture('docker-inspect.json') as Record<string, unknown>;
  // Answers like dockerd's Engine API: /containers/json?all=1 and /containers/{id}/json, 404 JSON for unknown ids.
  server = await startLoopbackServer((request, response) => {
    const url = new URL(request.path, 'http://docker');
    if (request.method !== 'GET') return sendJson(response, 405, { message: 'method not allowed' });
    if (url.pathname === '/containers/json') {
      if (url.searchParams.get('all') !== '1')
        return sendJson(
          response,
          200,
          list.filter((item: { State: string }) => item.State === 'running'),
        );
      return sendJson(response, 200, list, { 'api-version': '1.45', server: 'Docker/27.1.1 (linux)' });
    }
    const match = /^\/containers\/([^/]+)\/json$/.exec(url.pathname);
    if (match && inspects[match[1]]) return sendJson(response, 200, inspects[match[1]]);
    return sendJson(response, 404, { message: `No such container: ${match?.[1] ?? url.pathname}` });
  }, socketPath);
});

after(async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
});

test('lists and inspects every container over the unix socket', async () => {
  const statuses = await collectContainers(socketPath, []);
  assert.deepEqual(
    statuses.map((status) => [
      status.name,
      status.state,
      status.health ?? null,
      status.restartCount,
      status.oomKilled,
      status.restarting,
    ]),
    [
      ['pihole', 'running', 'healthy', 0, false, false],
      ['homeassistant', 'running', 'unhealthy', 1, false, false],
      ['worker', 'restarting', null, 7, true, true],
    ],
  );
  assert.equal(server.requests[0].path, '/containers/json?all=1');
  assert.equal(server.requests.length, 4);
});

test('watching named containers inspects only those and reports the missing ones', async () => {
  const before = server.requests.length;
  const statuses = await collectContainers(socketPath, ['pihole', 'grafana']);
  assert.deepEqual(
    statuses.map((status) => [status.name, status.exists, status.state]),
    [
      ['pihole', true, 'running'],
      ['grafana', false, 'missing'],
    ],
  );
  assert.equal(server.requests.length - before, 2);
});

test('an absent socket is a non-retryable DockerApiError naming the socket', async () => {
  await assert.rejects(collectContainers(join(directory, 'absent.sock'), []), (error: unknown) => {
    assert.ok(error instanceof DockerApiError);
    assert.equal(error.isRetryable, false);
    assert.match(error.message, /absent\.sock/);
    return true;
  });
});
