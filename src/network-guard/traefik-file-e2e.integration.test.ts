// A real Traefik (testbed build) with its file provider watching our deny file and our deny-list plugin; the agent
// tails Traefik's own JSON access log. Scanner and ordinary clients are distinct loopback addresses.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { runCli, startAgent, tailingAgentConfig } from './testing/agent-process.ts';
import {
  agentIsTailing,
  expectStatus,
  incidents,
  pendingIncident,
  scannerIsStopped,
  staysStatus,
} from './testing/guard-scenario.ts';
import { get, SCANNER_PATHS, waitFor } from './testing/loopback-clients.ts';
import { startTraefikInFront, type TraefikInFront } from './testing/traefik-in-front.ts';
import { PLUGIN_ALIAS, type RunningTraefik, writeFileRoutes } from './testing/traefik-process.ts';
import { replayFile } from './traefik-log/replay-file.ts';
import { addStats, emptyStats } from './traefik-log/source-batch.ts';

const dir = mkdtempSync(join(tmpdir(), 'traefik-file-e2e-'));
const dynamic = join(dir, 'dynamic');
const denyFile = join(dynamic, 'devops-agent-denylist.yaml');
const HUMAN = '127.0.0.66';
/** A reverse proxy in front of Traefik: trusted by Traefik's entry point, the plugin and the agent alike. */
const HOP = '127.0.0.5';
let front: TraefikInFront;
let traefik: RunningTraefik;

before(async () => {
  front = await startTraefikInFront(await ensureTestbed(), dir, {
    accessLog: { format: 'json', keepHeaders: ['User-Agent'] },
    trustedIps: [HOP],
    routes: (backendPort) => {
      writeFileRoutes(dynamic, backendPort);
      return { file: { directory: dynamic, watch: true } };
    },
  });
  traefik = front.traefik;
});

after(async () => {
  await front?.stop();
});

function agentConfig(name: string, extra: Record<string, unknown> = {}) {
  return tailingAgentConfig(dir, name, traefik.accessLog, {
    blocking: {
      blocker: 'traefik-file',
      // Loopback is protected by default; here the loopback addresses play the Internet's clients.
      protect_private_ranges: false,
      traefik_file: { path: denyFile, plugin_name: PLUGIN_ALIAS },
    },
    ...extra,
  });
}

const diagnostics = (agent?: { output(): string }) => () =>
  `deny file:\n${readFileSync(denyFile, 'utf8')}\nagent:\n${agent?.output() ?? ''}`;

test('the site answers 404 until the daemon starts, then 200: the daemon writes the middleware at once', async () => {
  assert.equal(await get(traefik.url, { from: '127.0.0.7' }), 404, 'a router referencing a missing middleware');
  const agent = startAgent(agentConfig('prepare'));
  try {
    await expectStatus(traefik.url, '127.0.0.7', 200, 15_000, () => agent.output());
  } finally {
    await agent.stop();
  }
});

test('auto mode: the scanner gets 403 within 15 s, others keep 200; unblock restores 200; a human entry survives', async () => {
  // A human blocks an address by hand in the same list.
  const document = parse(readFileSync(denyFile, 'utf8'));
  document.http.middlewares['devops-agent-denylist'].plugin[PLUGIN_ALIAS].ipDenyList.push(HUMAN);
  writeFileAtomic(denyFile, stringify(document));
  await expectStatus(traefik.url, HUMAN, 403, 10_000, diagnostics());
  const config = agentConfig('auto');
  const agent = startAgent(config);
  try {
    await agentIsTailing(traefik.url, join(dir, 'auto.db'));
    const timing = await scannerIsStopped(
      traefik.url,
      { scanner: '127.0.0.20', ordinary: '127.0.0.7' },
      15_000,
      diagnostics(agent),
    );
    assert.ok(timing.firstProbeTo403Ms < 15_000);
    assert.deepEqual(
      incidents(config).map((incident) => [incident.ip, incident.status]),
      [['127.0.0.20', 'blocked']],
    );
    const unblock = runCli(['unblock', '127.0.0.20', '--config', config]);
    assert.equal(unblock.status, 0, unblock.stderr);
    await expectStatus(traefik.url, '127.0.0.20', 200, 10_000, diagnostics(agent));
    assert.equal(await get(traefik.url, { from: HUMAN }), 403, 'the human entry is still enforced');
    const list = parse(readFileSync(denyFile, 'utf8')).http.middlewares['devops-agent-denylist'].plugin[PLUGIN_ALIAS];
    assert.deepEqual(list.ipDenyList, [HUMAN]);
  } finally {
    await agent.stop();
  }
});

test('expiry removes the block and restores 200; the human entry stays', async () => {
  const agent = startAgent(agentConfig('expiry', { blocking: expiringBlocking(4) }));
  try {
    await agentIsTailing(traefik.url, join(dir, 'expiry.db'));
    await scannerIsStopped(traefik.url, { scanner: '127.0.0.21', ordinary: '127.0.0.8' }, 15_000, diagnostics(agent));
    await expectStatus(traefik.url, '127.0.0.21', 200, 15_000, diagnostics(agent));
    assert.equal(await get(traefik.url, { from: HUMAN }), 403);
    assert.match(agent.output(), /block expiry: /);
  } finally {
    await agent.stop();
  }
});

function expiringBlocking(seconds: number) {
  return {
    blocker: 'traefik-file',
    duration: seconds,
    protect_private_ranges: false,
    traefik_file: { path: denyFile, plugin_name: PLUGIN_ALIAS },
  };
}

test('review mode: nothing is blocked until a human approves, then the scanner gets 403', async () => {
  const config = agentConfig('review', { mode: 'review' });
  const agent = startAgent(config);
  try {
    await agentIsTailing(traefik.url, join(dir, 'review.db'));
    for (const path of ['/.env', '/.git/config', '/.aws/credentials', '/wp-config.php.bak', '/.npmrc', '/id_rsa'])
      await get(traefik.url, { from: '127.0.0.22', path });
    await expectStatus(traefik.url, '127.0.0.22', 200, 1000, diagnostics(agent));
    const pending = await pendingIncident(config, '127.0.0.22', 15_000, agent.output);
    await staysStatus(traefik.url, '127.0.0.22', 200, 4000);
    const approve = runCli(['incidents', 'approve', String(pending.id), '--by', 'e2e-reviewer', '--config', config]);
    assert.equal(approve.status, 0, approve.stderr + approve.stdout);
    await expectStatus(traefik.url, '127.0.0.22', 403, 10_000, diagnostics(agent));
    assert.equal(await get(traefik.url, { from: '127.0.0.7' }), 200);
  } finally {
    await agent.stop();
  }
});

test('through a trusted hop: the client named in X-Forwarded-For is blocked, not the hop nor its other clients', async () => {
  // The operator tells the plugin which proxy to believe (the agent keeps this setting when it rewrites the list).
  const document = parse(readFileSync(denyFile, 'utf8'));
  document.http.middlewares['devops-agent-denylist'].plugin[PLUGIN_ALIAS].trustedIPs = [HOP];
  writeFileAtomic(denyFile, stringify(document));
  const config = agentConfig('hop', { trusted_proxies: [HOP] });
  const agent = startAgent(config);
  const via = (client: string) => ({ from: HOP, headers: { 'x-forwarded-for': client } });
  try {
    await agentIsTailing(traefik.url, join(dir, 'hop.db'));
    for (const path of SCANNER_PATHS) await get(traefik.url, { ...via('198.51.100.23'), path });
    await waitFor(async () => (await get(traefik.url, via('198.51.100.23'))) === 403, 15_000, diagnostics(agent));
    assert.equal(await get(traefik.url, via('198.51.100.24')), 200, 'another client behind the same hop');
    assert.equal(await get(traefik.url, { from: HOP }), 200, 'the hop itself');
    // A header from an untrusted peer is not believed: naming the blocked address does not get anyone blocked...
    assert.equal(await get(traefik.url, { from: '127.0.0.9', headers: { 'x-forwarded-for': '198.51.100.23' } }), 200);
    const list = parse(readFileSync(denyFile, 'utf8')).http.middlewares['devops-agent-denylist'].plugin[PLUGIN_ALIAS];
    assert.ok(list.ipDenyList.includes('198.51.100.23'));
    assert.deepEqual(list.trustedIPs, [HOP], 'the operator setting survives the agent rewriting the list');
  } finally {
    await agent.stop();
  }
});

test("Traefik's own access log, as the agent read it, parsed with nothing skipped", async () => {
  const stats = emptyStats();
  for await (const batch of replayFile(traefik.accessLog)) addStats(stats, batch.stats);
  assert.ok(stats.lines > 20, `only ${stats.lines} lines`);
  assert.equal(stats.skipped, 0, JSON.stringify(stats));
});
