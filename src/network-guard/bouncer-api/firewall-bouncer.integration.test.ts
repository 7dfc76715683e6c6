// Debian's crowdsec-firewall-bouncer, unmodified, pulls decisions from our real daemon and enforces them in nftables.
// Both run inside a network namespace this test creates, so the machine's own firewall is never touched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROBE_PATHS } from '../../core/testing/log-events.ts';
import { formatTraefikLine } from '../sample-traffic/format-traefik-line.ts';
import { createNetworkNamespace, networkNamespaceUnavailable, nftSetElements } from './testing/network-namespace.ts';

const BIN = new URL('../../../bin/devops-agent.js', import.meta.url).pathname;
const BOUNCER = 'crowdsec-firewall-bouncer';
const SCANNER = '203.0.113.77';
const PORT = 18080;

const unavailable = networkNamespaceUnavailable([BOUNCER]);
const skip =
  unavailable && process.env.CI !== 'true'
    ? `${unavailable} (needs root, ip netns and: apt-get install -y crowdsec-firewall-bouncer nftables)`
    : false;

test('the Debian firewall bouncer puts our block in its nftables set and drops it after unblock', {
  skip,
}, async () => {
  assert.equal(unavailable, undefined, `CI must run this test: ${unavailable}`);
  const dir = mkdtempSync(join(tmpdir(), 'firewall-bouncer-'));
  const accessLog = join(dir, 'access.log');
  writeFileSync(accessLog, '');
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'mode: auto',
      `database: { path: ${join(dir, 'agent.db')} }`,
      `audit: { path: ${join(dir, 'audit.jsonl')} }`,
      `sources: { traefik_file: { path: ${accessLog}, poll_interval: 1 } }`,
      `blocking: { blocker: traefik-file, duration: 0, traefik_file: { path: ${join(dir, 'denylist.yaml')} } }`,
      `web: { enabled: true, listen: "127.0.0.1:${PORT}" }`,
    ].join('\n'),
  );
  const added = cli(['bouncers', 'add', 'firewall', '--config', config]);
  assert.equal(added.status, 0, added.stderr);
  const key = /^\s+([0-9a-f]{64})$/m.exec(added.stdout)?.[1];
  assert.ok(key, `no key in: ${added.stdout}`);
  const bouncerConfig = join(dir, 'bouncer.yaml');
  writeFileSync(
    bouncerConfig,
    [
      'mode: nftables',
      `pid_dir: ${dir}`,
      'update_frequency: 1s',
      'daemonize: false',
      'log_mode: stdout',
      'log_level: debug',
      `api_url: http://127.0.0.1:${PORT}/`,
      `api_key: ${key}`,
      'disable_ipv6: false',
      'deny_action: DROP',
      'deny_log: false',
      'supported_decisions_types: [ban]',
      'blacklists_ipv4: crowdsec-blacklists',
      'blacklists_ipv6: crowdsec6-blacklists',
      'nftables:',
      '  ipv4: { enabled: true, set-only: false, table: crowdsec, chain: crowdsec-chain }',
      '  ipv6: { enabled: true, set-only: false, table: crowdsec6, chain: crowdsec6-chain }',
      'prometheus: { enabled: false, listen_addr: 127.0.0.1, listen_port: 60601 }',
    ].join('\n'),
  );

  const namespace = createNetworkNamespace(`devops-agent-fw-${process.pid}`);
  try {
    const daemon = namespace.start(process.execPath, [BIN, 'run', '--config', config]);
    await waitFor('the daemon to listen', () => daemon.output().includes('review page: http://'), daemon.output);
    const bouncer = namespace.start(BOUNCER, ['-c', bouncerConfig]);
    const set = () => nftSetElements(namespace, 'ip', 'crowdsec', 'crowdsec-blacklists');
    await waitFor('the bouncer to create its set', () => tryList(set) !== undefined, bouncer.output);
    assert.deepEqual(set(), [], 'nothing is blocked yet');

    appendFileSync(accessLog, scannerLines(SCANNER));
    await waitFor(
      `${SCANNER} in the nftables set`,
      () => tryList(set)?.includes(SCANNER) === true,
      () => [daemon.output(), bouncer.output()].join('\n---\n'),
    );
    const ruleset = namespace.run('nft', ['list', 'chain', 'ip', 'crowdsec', 'crowdsec-chain']);
    // A block without expiry (blocking.duration: 0) reaches nftables with the ten-year timeout, not as an error.
    assert.match(namespace.run('nft', ['list', 'set', 'ip', 'crowdsec', 'crowdsec-blacklists']), /timeout 3650d/);
    assert.match(ruleset, /ip saddr @crowdsec-blacklists .*drop/, 'the set is used by a drop rule');

    const unblocked = cli(['unblock', SCANNER, '--config', config]);
    assert.equal(unblocked.status, 0, unblocked.stderr + unblocked.stdout);
    await waitFor(`${SCANNER} to leave the set`, () => tryList(set)?.includes(SCANNER) === false, bouncer.output);
    assert.deepEqual(set(), []);
    // The set empties before the bouncer logs its batch: wait for the log line rather than race it.
    await waitFor(
      'the bouncer to report the deletion',
      () => /1 decision deleted/.test(bouncer.output()),
      bouncer.output,
    );

    const listed = cli(['bouncers', 'ls', '--format', 'json', '--config', config]);
    const [entry] = (JSON.parse(listed.stdout) as { bouncers: Array<{ lastUserAgent: string; lastPullAt: string }> })
      .bouncers;
    assert.match(entry.lastUserAgent, /^crowdsec-firewall-bouncer/);
    assert.ok(entry.lastPullAt);
    assert.doesNotMatch(bouncer.output(), /level=(error|fatal)/, 'the bouncer accepted every answer');
    await bouncer.stop();
    await daemon.stop();
  } finally {
    namespace.remove();
  }
});

function cli(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

/** One scanner probing six sensitive paths, as Traefik writes it: enough for the detector's incident. */
function scannerLines(ip: string): string {
  const start = Date.now();
  return PROBE_PATHS.slice(0, 6)
    .map((path, index) =>
      formatTraefikLine(
        {
          time: start + index * 1000,
          nanos: index,
          peerIp: ip,
          peerPort: 40000 + index,
          method: 'GET',
          path,
          protocol: 'HTTP/1.1',
          host: 'shop.example.com',
          status: 404,
          size: 19,
          durationMs: 2,
          userAgent: 'Mozilla/5.0 (compatible; scanner)',
          accept: '*/*',
          service: { router: 'shop@docker', name: 'shop@docker', address: '10.0.0.5:8080' },
        },
        'json',
        index + 1,
      ),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function tryList(list: () => string[]): string[] | undefined {
  try {
    return list();
  } catch {
    return undefined;
  }
}

async function waitFor(what: string, condition: () => boolean, diagnostics: () => string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`timed out waiting for ${what}:\n${diagnostics().slice(-4000)}`);
}
