import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writeTraefikLog } from '../network-guard/sample-traffic/generate-traefik-log.ts';

const BIN = new URL('../../bin/devops-agent.js', import.meta.url).pathname;

/** Runs the real CLI (bin/devops-agent.js) in a child process, as a user would. */
function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, input?: Buffer) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    input,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function workspace(mode: string) {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `mode: ${mode}`,
      'trusted_proxies: [10.0.0.2, 10.0.0.3]',
      `database: { path: ${join(dir, 'agent.db')} }`,
      `audit: { path: ${join(dir, 'audit.jsonl')} }`,
      `blocking: { traefik_file: { path: ${join(dir, 'dynamic', 'denylist.yaml')} } }`,
    ].join('\n'),
  );
  return { dir, config };
}

interface ScanJson {
  incidents: Array<{
    ip: string;
    threatType: string;
    severity: string;
    decision: string;
    evidence: { sensitiveHits: number };
  }>;
  stats: { lines: number; skipped: number; seconds: number };
}

for (const format of ['json', 'clf'] as const) {
  test(`scan finds every labelled attacker in a ${format} log and nobody else`, async () => {
    const { dir, config } = workspace('review');
    const log = join(dir, `access.${format}.log`);
    const truth = await writeTraefikLog(log, { lines: 30000, seed: 7, format });
    const added = cli(['allowlist', 'add', truth.allowlist[0], '--description', 'office', '--config', config], dir);
    assert.equal(added.code, 0, added.stderr);
    const scan = cli(['scan', '--log-file', log, '--format', 'json', '--config', config], dir);
    assert.equal(scan.code, 0, scan.stderr);
    const result = JSON.parse(scan.stdout) as ScanJson;
    assert.equal(result.stats.lines, truth.lines);
    const found = new Set(result.incidents.map((incident) => `${incident.ip} ${incident.threatType}`));
    const expected = truth.attackers
      // a forged X-Forwarded-For is only visible with JSON logs (CLF has no peer address): there it is the proxy's line
      .filter((attacker) => format === 'json' || attacker.kind !== 'forged-forwarded-for')
      .map((attacker) => `${attacker.ip} ${attacker.expectedThreat}`);
    for (const key of expected) assert.ok(found.has(key), `missed ${key}; found ${[...found].join(', ')}`);
    const attackerIps = new Set(truth.attackers.map((attacker) => attacker.ip));
    for (const incident of result.incidents) {
      if (attackerIps.has(incident.ip)) continue;
      assert.equal(
        incident.decision,
        'allowlisted',
        `false positive: ${incident.ip} ${incident.threatType} -> ${incident.decision}`,
      );
    }
    for (const benign of truth.benign) {
      assert.ok(
        !result.incidents.some(
          (incident) =>
            incident.ip === benign && incident.decision !== 'allowlisted' && incident.decision !== 'recorded',
        ),
        `benign ${benign} flagged`,
      );
    }
  });
}

test('auto mode blocks through the Traefik file; a second scan changes nothing; unblock removes it', async () => {
  const { dir, config } = workspace('auto');
  const log = join(dir, 'access.log');
  const truth = await writeTraefikLog(log, { lines: 5000, seed: 3, attackers: ['burst-scanner'] });
  const first = JSON.parse(
    cli(['scan', '--log-file', log, '--format', 'json', '--config', config], dir).stdout,
  ) as ScanJson;
  const attacker = truth.attackers[0].ip;
  assert.deepEqual(
    first.incidents.map((incident) => [incident.ip, incident.decision]),
    [[attacker, 'blocked']],
  );
  const denylist = join(dir, 'dynamic', 'denylist.yaml');
  assert.match(readFileSync(denylist, 'utf8'), new RegExp(`- ${attacker.replaceAll('.', '\\.')}\\n`));
  const before = readFileSync(denylist, 'utf8');
  // the log named without --log-file, as `devops-agent scan access.log`
  const second = cli(['scan', log, '--format', 'json', '--config', config], dir);
  assert.equal(second.code, 0, second.stderr);
  assert.equal((JSON.parse(second.stdout) as ScanJson).incidents.length, 1);
  assert.equal(readFileSync(denylist, 'utf8'), before);
  const listed = JSON.parse(cli(['incidents', 'ls', '--format', 'json', '--config', config], dir).stdout);
  assert.equal(listed.incidents.length, 1);
  const unblocked = cli(['unblock', attacker, '--config', config], dir);
  assert.equal(unblocked.code, 0, unblocked.stderr);
  assert.doesNotMatch(readFileSync(denylist, 'utf8'), new RegExp(attacker.replaceAll('.', '\\.')));
  const verify = cli(['audit', 'verify', '--config', config], dir);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});

test('review mode: approve from the CLI blocks, approving again is a conflict', async () => {
  const { dir, config } = workspace('review');
  const log = join(dir, 'access.log');
  await writeTraefikLog(log, { lines: 3000, seed: 5, attackers: ['burst-scanner'] });
  const scan = JSON.parse(
    cli(['scan', '--log-file', log, '--format', 'json', '--config', config], dir).stdout,
  ) as ScanJson;
  assert.equal(scan.incidents[0].decision, 'recommended');
  const id = String((scan.incidents[0] as unknown as { id: number }).id);
  assert.equal(cli(['incidents', 'approve', id, '--by', 'alice', '--config', config], dir).code, 0);
  const again = cli(['incidents', 'approve', id, '--config', config], dir);
  assert.equal(again.code, 1);
  assert.match(again.stdout, /already blocked/);
});

test('bad config: one clear error per problem with the key path, exit code 2', () => {
  const { dir } = workspace('review');
  const config = join(dir, 'bad.yaml');
  writeFileSync(config, 'mode: sometimes\ndetection:\n  window: soon\nllm:\n  api_key: ${MISSING_KEY}\n');
  const result = cli(['scan', '--log-file', config, '--config', config], dir, { MISSING_KEY: '' });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /mode: expected one of "auto", "review", "disabled"/);
  assert.match(result.stderr, /detection\.window: expected a duration like 60s/);
  assert.match(result.stderr, /llm\.api_key: environment variable MISSING_KEY is not set/);
  assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/);
});

test('malformed, binary and truncated lines are counted and skipped', () => {
  const { dir, config } = workspace('review');
  const log = join(dir, 'bad.log');
  writeFileSync(
    log,
    [
      '{"ClientHost": "203.0.113.1", "RequestPath": "/.env"',
      '\u0000\u0001\u0002binary',
      'not a log line',
      '{}',
      '',
    ].join('\n'),
  );
  const result = cli(['scan', '--log-file', log, '--format', 'json', '--config', config], dir);
  assert.equal(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as ScanJson;
  assert.equal(parsed.stats.lines >= 4, true);
  assert.equal(parsed.stats.skipped >= 4, true);
  assert.deepEqual(parsed.incidents, []);
});

test('a rotated, gzip-compressed log and one piped in on standard input find the same incidents as the plain file', async () => {
  const { dir } = workspace('disabled');
  const log = join(dir, 'access.log');
  await writeTraefikLog(log, { lines: 20000, seed: 5, format: 'clf' });
  const compressed = gzipSync(readFileSync(log));
  writeFileSync(join(dir, 'access.log.2.gz'), compressed);
  // Each scan with its own database (and audit chain), so each finds the incidents afresh.
  const scan = (logFile: string, input?: Buffer) => {
    const result = cli(
      ['scan', '--log-file', logFile, '--format', 'json', '--config', workspace('disabled').config],
      dir,
      {},
      input,
    );
    return { ...result, parsed: result.code === 0 ? (JSON.parse(result.stdout) as ScanJson) : undefined };
  };
  const found = (result: ReturnType<typeof scan>) => {
    assert.equal(result.code, 0, result.stderr);
    return result.parsed!.incidents.map((incident) => `${incident.ip} ${incident.threatType}`);
  };
  const plain = scan(log);
  assert.ok(found(plain).length > 0);
  const rotated = scan(join(dir, 'access.log.2.gz'));
  assert.deepEqual(found(rotated), found(plain));
  assert.equal(rotated.parsed!.stats.lines, plain.parsed!.stats.lines);
  assert.match(rotated.stderr, /gzip-compressed, decompressing it/);
  assert.deepEqual(found(scan('-', compressed)), found(plain));
  const unreadable = scan('-', Buffer.from([0x42, 0x5a, 0x68, 0x39]));
  assert.equal(unreadable.code, 2);
  assert.match(
    unreadable.stderr,
    /bzip2-compressed, which scan does not read: bzip2 -dc <file> \| devops-agent scan --log-file -/,
  );
});
