import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LoopbackServer, startLoopbackServer } from '../../notifiers/loopback-http-server.ts';
import { openStore } from '../../store/store.ts';
import { ManualClock } from '../clock.ts';
import { createMonitor } from '../create-monitor.ts';
import type { PingResult } from '../observations.ts';
import { pingTarget } from './ping-collector.ts';
import {
  createTestNetwork,
  networkUnavailable,
  setTargetFirewall,
  type TestNetwork,
} from './testing/network-namespaces.ts';
import { oneCollectorConfig } from './testing/one-collector-config.ts';

/**
 * The real iputils ping against a target in a network namespace: loss made by nftables in the target (exactly 3 of
 * every 10 echo requests dropped, `numgen inc`), every request dropped, a router that answers "Destination Host
 * Unreachable" / "Net Unreachable" from its own address, no route on this host, IPv6, a name that does not resolve.
 */
const unavailable = networkUnavailable();
let network: TestNetwork;
const directory = mkdtempSync(join(tmpdir(), 'ping-network-'));
const servers: LoopbackServer[] = [];

describe('ping through a real network', { skip: unavailable }, () => {
  before(() => {
    network = createTestNetwork('pingnet', 221);
  });
  after(async () => {
    network?.teardown();
    await Promise.all(servers.map((server) => server.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  const ping = async (target: string, count: number) => {
    const result = await pingTarget(target, count);
    assert.ok(!('error' in result), `ping ${target}: ${'error' in result ? result.error : ''}`);
    return result as PingResult;
  };

  test('a clean link, IPv4 and IPv6: nothing lost, round trips read', async () => {
    for (const target of [network.target4, network.target6]) {
      const result = await ping(target, 3);
      assert.deepEqual([result.transmitted, result.received, result.lossPercent], [3, 3, 0], target);
      assert.ok(result.rttAvgMs !== undefined && result.rttMinMs !== undefined, target);
    }
  });

  test('3 of 10 echo requests dropped in the target (IPv4 and IPv6): 30% loss, 7 received', async () => {
    setTargetFirewall(network, [
      'icmp type echo-request numgen inc mod 10 < 3 drop',
      'icmpv6 type echo-request numgen inc mod 10 < 3 drop',
    ]);
    try {
      for (const target of [network.target4, network.target6]) {
        const result = await ping(target, 10);
        assert.deepEqual([result.transmitted, result.received, result.lossPercent], [10, 7, 30], target);
      }
    } finally {
      setTargetFirewall(network, []);
    }
  });

  test('every echo request dropped: 100% loss, no round trip', async () => {
    setTargetFirewall(network, ['icmp type echo-request drop', 'icmpv6 type echo-request drop']);
    try {
      for (const target of [network.target4, network.target6]) {
        const result = await ping(target, 3);
        assert.deepEqual([result.transmitted, result.received, result.lossPercent], [3, 0, 100], target);
        assert.equal(result.rttAvgMs, undefined);
      }
    } finally {
      setTargetFirewall(network, []);
    }
  });

  test('a router answers for the target: the result is the target, the router is named as the one who answered', async () => {
    const cases = [
      [network.hostUnreachable4, network.router4, 'Destination Host Unreachable'],
      [network.netUnreachable4, network.router4, 'Destination Net Unreachable'],
      [network.hostUnreachable6, network.router6, 'Destination unreachable: Address unreachable'],
      [network.netUnreachable6, network.router6, 'Destination unreachable: No route'],
    ];
    for (const [target, router, message] of cases) {
      const result = await ping(target, 3);
      assert.equal(result.target, target);
      assert.deepEqual([result.transmitted, result.received, result.lossPercent], [3, 0, 100], target);
      // Routers may rate-limit their errors (one of three went unanswered in some runs here): at least one, each counted.
      const [error, ...others] = result.icmpErrors ?? [];
      assert.deepEqual([error?.from, error?.message, others.length], [router, message, 0], target);
      assert.ok(error.count >= 1 && error.count <= 3, `${target}: ${error.count} errors`);
    }
  });

  test('no route on this host (IPv4 and IPv6): unreachable, not a failed collector', async () => {
    for (const target of [network.noRoute4, network.noRoute6]) {
      const result = await pingTarget(target, 2);
      assert.ok(!('error' in result), `${target}: ${'error' in result ? result.error : ''}`);
      assert.equal(result.lossPercent, 100);
      assert.deepEqual(result.failure, { kind: 'no-route', message: 'connect: No route to host' });
    }
  });

  test('a name that does not resolve is reported as a name resolution failure', async () => {
    const result = await pingTarget('no-such-host.invalid', 2);
    assert.ok(!('error' in result), `${'error' in result ? result.error : ''}`);
    assert.equal(result.failure?.kind, 'unresolved');
    assert.match(result.failure?.message ?? '', /Name or service not known|Temporary failure in name resolution/);
  });

  test('one monitor cycle over all of them: each alert names its target, the router only as the one who answered', async () => {
    const discord = await startLoopbackServer((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    servers.push(discord);
    setTargetFirewall(network, ['icmp type echo-request numgen inc mod 10 < 3 drop']);
    const targets = [
      network.target4,
      network.target6,
      network.hostUnreachable4,
      network.netUnreachable6,
      network.noRoute4,
      'no-such-host.invalid',
    ];
    const config = oneCollectorConfig(directory, {
      ping_targets: targets,
      ping_count: 10,
      discord_webhook_url: `${discord.url}/api/webhooks/1/token`,
    });
    const store = openStore(config.database.path, config.audit.path);
    try {
      const setup = createMonitor(config, store, {
        clock: new ManualClock(Date.parse('2026-01-05T08:00:00Z')),
        llm: null,
        notifierOptions: { sleep: async () => {} },
      });
      assert.deepEqual(setup.errors, []);
      const report = await setup.monitor.runCycle();
      const ping = report.observations.collectors.find((item) => item.name === 'ping');
      assert.equal(ping?.status, 'ok', ping?.detail);
      const keys = report.findings.map((item) => item.key).sort();
      assert.deepEqual(
        keys,
        [
          `packet-loss:${network.target4}`,
          `ping-unreachable:${network.hostUnreachable4}`,
          `ping-unreachable:${network.netUnreachable6}`,
          `ping-unreachable:${network.noRoute4}`,
          'ping-unresolved:no-such-host.invalid',
        ].sort(),
      );
      const byKey = new Map(report.findings.map((item) => [item.key, item]));
      assert.match(byKey.get(`packet-loss:${network.target4}`)?.detail ?? '', /10 sent, 7 received/);
      const viaRouter = byKey.get(`ping-unreachable:${network.hostUnreachable4}`);
      assert.match(viaRouter?.title ?? '', new RegExp(`^${network.hostUnreachable4.replaceAll('.', '\\.')} `));
      assert.match(viaRouter?.detail ?? '', new RegExp(`${network.router4} answered Destination Host Unreachable`));
      assert.match(byKey.get(`ping-unreachable:${network.noRoute4}`)?.detail ?? '', /No route to host/);
      // The router's address is never the subject of a finding.
      assert.equal(
        report.findings.some((item) => item.subject === network.router4 || item.subject === network.router6),
        false,
      );
      const alerted = report.alerts.filter((alert) => alert.action === 'alerted').map((alert) => alert.key);
      assert.deepEqual(
        alerted.sort(),
        [network.hostUnreachable4, network.netUnreachable6, network.noRoute4]
          .map((target) => `ping-unreachable:${target}`)
          .sort(),
      );
      const sent = discord.requests.map((request) => JSON.parse(request.body).embeds[0].title as string);
      assert.deepEqual(
        sent.sort(),
        [network.hostUnreachable4, network.netUnreachable6, network.noRoute4]
          .map((target) => `${target} does not answer ping`)
          .sort(),
      );
    } finally {
      setTargetFirewall(network, []);
      store.close();
    }
  });
});
