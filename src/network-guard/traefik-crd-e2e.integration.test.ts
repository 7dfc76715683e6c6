// A real Traefik (testbed build) whose kubernetescrd provider watches the testbed's kube-apiserver from outside the
// cluster; the agent patches the Middleware (as the restricted user holding the network guard's RBAC) and tails
// Traefik's own access log in Traefik's default Common Log Format.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureTestbed, type TestbedEnv } from '../../testbed/testbed-env.ts';
import { runCli, startAgent, tailingAgentConfig } from './testing/agent-process.ts';
import {
  agentIsTailing,
  blockedOnApproval,
  expectStatus,
  incidents,
  scannerIsStopped,
} from './testing/guard-scenario.ts';
import { get } from './testing/loopback-clients.ts';
import { type CrdFixture, setUpCrdFixture } from './testing/traefik-crd-fixture.ts';
import { startTraefikInFront, type TraefikInFront } from './testing/traefik-in-front.ts';
import type { RunningTraefik } from './testing/traefik-process.ts';
import { replayFile } from './traefik-log/replay-file.ts';
import { addStats, emptyStats } from './traefik-log/source-batch.ts';

const dir = mkdtempSync(join(tmpdir(), 'traefik-crd-e2e-'));
const HUMAN = '127.0.0.67';
let env: TestbedEnv;
let front: TraefikInFront;
let traefik: RunningTraefik;
let fixture: CrdFixture;

before(async () => {
  env = await ensureTestbed();
  front = await startTraefikInFront(env, dir, {
    accessLog: { format: 'common' },
    routes: async (backendPort) => {
      fixture = await setUpCrdFixture(env.kubeconfig, dir, backendPort, HUMAN);
      return fixture.provider;
    },
  });
  traefik = front.traefik;
});

after(async () => {
  await front?.stop();
});

function agentConfig(name: string, extra: Record<string, unknown> = {}) {
  return tailingAgentConfig(dir, name, traefik.accessLog, {
    kubernetes: {
      kubeconfig: env.kubeconfigRestricted,
      namespaces: [fixture.namespace],
      pattern: 'denyip-middleware',
      target: { namespace: fixture.namespace, name: fixture.middleware },
    },
    workloads: { enabled: false },
    blocking: { blocker: 'kubernetes', protect_private_ranges: false },
    ...extra,
  });
}

test('the Middleware Traefik reads from the API server is enforced: the human entry gets 403, others 200', async () => {
  await expectStatus(traefik.url, '127.0.0.7', 200, 30_000, () => traefik.log);
  assert.equal(await get(traefik.url, { from: HUMAN }), 403);
});

test('auto mode through the CRD: the scanner gets 403 within 15 s, others keep 200; unblock restores 200', async () => {
  const config = agentConfig('auto');
  const agent = startAgent(config);
  try {
    await agentIsTailing(traefik.url, join(dir, 'auto.db'));
    await scannerIsStopped(traefik.url, { scanner: '127.0.0.30', ordinary: '127.0.0.7' }, 15_000, agent.output);
    assert.deepEqual(
      incidents(config).map((incident) => [incident.ip, incident.status]),
      [['127.0.0.30', 'blocked']],
    );
    const unblock = runCli(['unblock', '127.0.0.30', '--config', config]);
    assert.equal(unblock.status, 0, unblock.stderr);
    await expectStatus(traefik.url, '127.0.0.30', 200, 10_000, agent.output);
    assert.equal(await get(traefik.url, { from: HUMAN }), 403, 'the entry a human put in the Middleware stays');
  } finally {
    await agent.stop();
  }
});

test('expiry through the CRD restores 200', async () => {
  const agent = startAgent(
    agentConfig('expiry', { blocking: { blocker: 'kubernetes', protect_private_ranges: false, duration: 4 } }),
  );
  try {
    await agentIsTailing(traefik.url, join(dir, 'expiry.db'));
    await scannerIsStopped(traefik.url, { scanner: '127.0.0.31', ordinary: '127.0.0.8' }, 15_000, agent.output);
    await expectStatus(traefik.url, '127.0.0.31', 200, 15_000, agent.output);
    assert.equal(await get(traefik.url, { from: HUMAN }), 403);
  } finally {
    await agent.stop();
  }
});

test('review mode through the CRD: the Middleware is patched only after approval', async () => {
  const config = agentConfig('review', { mode: 'review' });
  const agent = startAgent(config);
  try {
    await agentIsTailing(traefik.url, join(dir, 'review.db'));
    await blockedOnApproval(traefik.url, config, { scanner: '127.0.0.32', pendingMs: 15_000 }, agent.output);
  } finally {
    await agent.stop();
  }
});

test("Traefik's own CLF access log parsed with nothing skipped", async () => {
  const stats = emptyStats();
  for await (const batch of replayFile(traefik.accessLog)) addStats(stats, batch.stats);
  assert.ok(stats.lines > 20, `only ${stats.lines} lines`);
  assert.equal(stats.skipped, 0, JSON.stringify(stats));
});
