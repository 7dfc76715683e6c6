// The Elasticsearch path with a real Traefik: Traefik's JSON access-log lines are bulk-loaded into the testbed's
// Elasticsearch as a shipper would; the agent reads only Elasticsearch and blocks through the file provider.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureTestbed, type TestbedEnv } from '../../testbed/testbed-env.ts';
import { runCli, startAgent, writeAgentConfig } from './testing/agent-process.ts';
import { blockedOnApproval, expectStatus, incidents, scannerIsStopped, staysStatus } from './testing/guard-scenario.ts';
import { createIndex, type LogShipper, shipAccessLog } from './testing/log-shipper.ts';
import { get, waitFor } from './testing/loopback-clients.ts';
import { startTraefikInFront, type TraefikInFront } from './testing/traefik-in-front.ts';
import { PLUGIN_ALIAS, type RunningTraefik, writeFileRoutes } from './testing/traefik-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'traefik-es-e2e-'));
const dynamic = join(dir, 'dynamic');
const index = `traefik-logs-e2e-${randomBytes(4).toString('hex')}`;
let env: TestbedEnv;
let front: TraefikInFront;
let traefik: RunningTraefik;
let shipper: LogShipper;

before(async () => {
  env = await ensureTestbed();
  front = await startTraefikInFront(env, dir, {
    accessLog: { format: 'json', keepHeaders: ['User-Agent'] },
    routes: (backendPort) => {
      writeFileRoutes(dynamic, backendPort);
      return { file: { directory: dynamic, watch: true } };
    },
  });
  traefik = front.traefik;
  await createIndex(env.esUrl, index);
  shipper = shipAccessLog(traefik.accessLog, env.esUrl, index);
});

after(async () => {
  await shipper?.stop();
  await fetch(`${env.esUrl}/${index}`, { method: 'DELETE' }).catch(() => undefined);
  await front?.stop();
});

function agentConfig(name: string, mode: 'auto' | 'review') {
  return writeAgentConfig(dir, name, {
    mode,
    elasticsearch: { url: env.esUrl, index_pattern: index, interval: 1, ingest_delay: 0, overlap: 60 },
    blocking: {
      blocker: 'traefik-file',
      protect_private_ranges: false,
      traefik_file: { path: join(dynamic, 'devops-agent-denylist.yaml'), plugin_name: PLUGIN_ALIAS },
    },
    web: { enabled: false },
  });
}

/** Until the first documents are searchable the field profile cannot be detected: ship some ordinary traffic. */
async function someDocumentsShipped(agent: { output(): string }) {
  await waitFor(
    async () => {
      await get(traefik.url, { from: '127.0.0.7' });
      return shipper.shipped() > 3;
    },
    20_000,
    () => `nothing shipped to ${index}\n${agent.output()}`,
  );
}

test('auto mode from Elasticsearch: the scanner gets 403 within 30 s, others keep 200', async () => {
  const config = agentConfig('auto', 'auto');
  const agent = startAgent(config);
  try {
    await expectStatus(traefik.url, '127.0.0.7', 200, 15_000, agent.output);
    await someDocumentsShipped(agent);
    await scannerIsStopped(traefik.url, { scanner: '127.0.0.40', ordinary: '127.0.0.7' }, 30_000, agent.output);
    const blocked = incidents(config).find((incident) => incident.ip === '127.0.0.40');
    assert.equal(blocked?.status, 'blocked');
  } finally {
    await agent.stop();
  }
});

// The next cycle searches the same documents again (the slow window is an hour): the unblock must stick anyway.
test('unblock from Elasticsearch restores 200 while the daemon keeps running', async () => {
  const config = agentConfig('unblock', 'auto');
  const agent = startAgent(config);
  try {
    await someDocumentsShipped(agent);
    await scannerIsStopped(traefik.url, { scanner: '127.0.0.42', ordinary: '127.0.0.7' }, 30_000, agent.output);
    const unblock = runCli(['unblock', '127.0.0.42', '--config', config]);
    assert.equal(unblock.status, 0, unblock.stderr);
    await expectStatus(traefik.url, '127.0.0.42', 200, 10_000, agent.output);
    await staysStatus(traefik.url, '127.0.0.42', 200, 5000);
  } finally {
    await agent.stop();
  }
});

test('review mode from Elasticsearch: blocked only after approval', async () => {
  const config = agentConfig('review', 'review');
  const agent = startAgent(config);
  try {
    await someDocumentsShipped(agent);
    await blockedOnApproval(traefik.url, config, { scanner: '127.0.0.41', pendingMs: 30_000 }, agent.output);
  } finally {
    await agent.stop();
  }
});
