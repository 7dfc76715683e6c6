import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore, type Store } from '../../store/store.ts';
import { ManualClock } from '../clock.ts';
import { createMonitor } from '../create-monitor.ts';
import type { CycleReport } from '../monitor.ts';
import {
  createTestNetwork,
  networkUnavailable,
  setTargetFirewall,
  type TestNetwork,
} from './testing/network-namespaces.ts';
import { oneCollectorConfig } from './testing/one-collector-config.ts';

/**
 * The real nmap (SYN and UDP scans, as root) against a host in a network namespace, through monitor cycles: a TCP
 * listener started and another stopped, a UDP port that starts answering, a port nftables drops (filtered), five
 * cycles with nothing changed, then the host's link down.
 */
const nmapMissing = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v nmap'], { stdio: 'pipe' });
    return undefined;
  } catch {
    return 'nmap is not installed (apt-get install -y nmap)';
  }
})();
const unavailable = networkUnavailable() ?? nmapMissing;
const directory = mkdtempSync(join(tmpdir(), 'nmap-network-'));
let network: TestNetwork;
let store: Store;
const listeners = new Map<string, ChildProcess>();

/** A TCP listener or a UDP echo (it answers nmap's empty probe, so nmap sees `open`, not `open|filtered`). */
async function listen(key: string, protocol: 'tcp' | 'udp', port: number) {
  const script =
    protocol === 'tcp'
      ? `require('net').createServer((s) => s.end()).listen(${port}, () => console.log('ready'))`
      : `const d = require('dgram').createSocket('udp4'); d.on('message', (m, r) => d.send(m, r.port, r.address));` +
        ` d.bind(${port}, () => console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', network.targetNamespace, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  listeners.set(key, child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`listener ${key} exited ${code}`)));
  });
}
function stop(key: string) {
  listeners.get(key)?.kill('SIGKILL');
  listeners.delete(key);
}

describe('nmap through monitor cycles against a real host', { skip: unavailable }, () => {
  let cycle: () => Promise<CycleReport>;
  before(async () => {
    network = createTestNetwork('nmapnet', 222);
    setTargetFirewall(network, ['tcp dport 8443 drop']);
    await listen('tcp 8081', 'tcp', 8081);
    await listen('tcp 8083', 'tcp', 8083);
    const config = oneCollectorConfig(directory, {
      nmap_targets: [network.target4],
      nmap_scan_options: '-T4 -sS -sU -p T:8081-8083,8443,U:5301,5302',
    });
    store = openStore(config.database.path, config.audit.path);
    const clock = new ManualClock(Date.parse('2026-01-05T08:00:00Z'));
    const { monitor } = createMonitor(config, store, { clock, llm: null });
    cycle = async () => {
      clock.advance(3600_000);
      const report = await monitor.runCycle({ forceNmap: true });
      const nmap = report.observations.collectors.find((item) => item.name === 'nmap');
      assert.equal(nmap?.status, 'ok', nmap?.detail);
      return report;
    };
  });
  after(() => {
    for (const key of [...listeners.keys()]) stop(key);
    store?.close();
    network?.teardown();
    rmSync(directory, { recursive: true, force: true });
  });

  const changes = (report: CycleReport) =>
    report.observations.nmapChanges.map(
      (change) => `${change.change} ${change.host}${change.port ? ` ${change.port.port}/${change.port.protocol}` : ''}`,
    );

  test('first scan: the open ports are read, the dropped one is filtered, nothing is a change', async () => {
    const report = await cycle();
    const host = report.observations.nmapScans[0].hosts[0];
    assert.equal(host.status, 'up');
    const states = host.ports.map((port) => `${port.port}/${port.protocol} ${port.state}`);
    assert.deepEqual(states, [
      '8081/tcp open',
      '8082/tcp closed',
      '8083/tcp open',
      '8443/tcp filtered',
      '5301/udp closed',
      '5302/udp closed',
    ]);
    assert.deepEqual(changes(report), []);
  });

  test('a listener started (TCP and UDP) and one stopped: exactly those changes and their findings', async () => {
    await listen('tcp 8082', 'tcp', 8082);
    await listen('udp 5301', 'udp', 5301);
    stop('tcp 8083');
    const report = await cycle();
    const target = network.target4;
    assert.deepEqual(changes(report).sort(), [
      `port-closed ${target} 8083/tcp`,
      `port-opened ${target} 5301/udp`,
      `port-opened ${target} 8082/tcp`,
    ]);
    assert.deepEqual(report.findings.map((item) => item.key).sort(), [
      `new-open-port:${target}:5301/udp`,
      `new-open-port:${target}:8082/tcp`,
      `port-closed:${target}:8083/tcp`,
    ]);
  });

  test('five more cycles with nothing changed: no change reported', async () => {
    for (let index = 0; index < 5; index++) {
      const report = await cycle();
      assert.deepEqual(changes(report), [], `cycle ${index + 1}`);
      assert.deepEqual(
        report.findings.map((item) => item.key),
        [],
        `cycle ${index + 1}`,
      );
    }
  });

  test('the host goes down: host-gone only', async () => {
    network.inTarget('ip', ['link', 'set', 'nmapnet-t1', 'down']);
    const report = await cycle();
    assert.deepEqual(changes(report), [`host-disappeared ${network.target4}`]);
    assert.deepEqual(
      report.findings.map((item) => item.key),
      [`host-gone:${network.target4}`],
    );
  });
});
