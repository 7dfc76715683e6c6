import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ipv6Slash64 } from '../../core/ip-address.ts';
import type { LogEvent } from '../../core/log-event.ts';
import { SensitivePathMatcher } from '../detection/path-matcher.ts';
import { ClientIpResolver } from '../traefik-log/client-ip.ts';
import { parseTraefikLine } from '../traefik-log/parse-traefik-line.ts';
import { type GroundTruth, generateTraefikLog, writeSampleLog } from './generate-traefik-log.ts';

const matcher = new SensitivePathMatcher();

function parseAll(lines: string[], truth: GroundTruth): LogEvent[] {
  const resolver = new ClientIpResolver(truth.trustedProxies);
  return lines.map((line) => {
    const result = parseTraefikLine(line, { resolver });
    assert.equal(result.ok, true, `unparseable generated line: ${line}`);
    if (!result.ok) throw new Error('unreachable');
    return result.event;
  });
}

/** Groups events by client, IPv6 by /64 (how the detector counts a rotating scanner). */
function byClient(events: LogEvent[]): Map<string, LogEvent[]> {
  const groups = new Map<string, LogEvent[]>();
  for (const event of events) {
    const key = event.clientIp.includes(':') ? ipv6Slash64(event.clientIp) : event.clientIp;
    const group = groups.get(key) ?? [];
    group.push(event);
    groups.set(key, group);
  }
  return groups;
}

describe('generateTraefikLog', () => {
  it('is deterministic: the same options give the same bytes, another seed other traffic', () => {
    const first = generateTraefikLog({ lines: 3000, seed: 99 });
    const second = generateTraefikLog({ lines: 3000, seed: 99 });
    assert.deepEqual(second.lines, first.lines);
    assert.deepEqual(second.truth, first.truth);
    const other = generateTraefikLog({ lines: 3000, seed: 100 });
    assert.notDeepEqual(other.lines, first.lines);
    assert.equal(first.lines.length, 3000);
  });

  it('writes realistic Traefik JSON lines in time order, 600 to ~1100 bytes', () => {
    const { lines, truth } = generateTraefikLog({ lines: 4000, seed: 3 });
    const sizes = lines.map((line) => Buffer.byteLength(line));
    const average = sizes.reduce((total, size) => total + size, 0) / sizes.length;
    assert.ok(Math.min(...sizes) >= 600, `shortest line ${Math.min(...sizes)}`);
    assert.ok(Math.max(...sizes) <= 1200, `longest line ${Math.max(...sizes)}`);
    assert.ok(average >= 800 && average <= 1000, `average ${average}`);
    for (const line of lines.slice(0, 50)) {
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.deepEqual(Object.keys(record), Object.keys(record).sort(), 'keys sorted like logrus');
      assert.ok('TLSVersion' in record || record.RequestScheme === 'http');
    }
    const events = parseAll(lines, truth);
    for (let index = 1; index < events.length; index++) assert.ok(events[index].time >= events[index - 1].time);
    const statuses = new Map<number, number>();
    for (const event of events) statuses.set(event.status, (statuses.get(event.status) ?? 0) + 1);
    assert.ok(statuses.get(200)! > lines.length * 0.6);
    assert.ok((statuses.get(304) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0 && (statuses.get(401) ?? 0) > 0);
  });

  it('labels every attacker correctly: its lines resolve to it, probe sensitive paths, at the stated pace', () => {
    const { lines, truth } = generateTraefikLog({ lines: 8000, seed: 5 });
    const groups = byClient(parseAll(lines, truth));
    assert.equal(truth.attackers.length, 7);
    for (const benign of truth.benign) assert.ok(!truth.attackers.some((attacker) => attacker.ip === benign), benign);
    for (const attacker of truth.attackers) {
      const events = groups.get(attacker.ip);
      assert.ok(events, `${attacker.kind}: no event resolves to ${attacker.ip}`);
      assert.equal(events.length, attacker.requests, attacker.kind);
      const sensitive = events.filter((event) => matcher.matches(event.path));
      assert.equal(sensitive.length, events.length, `${attacker.kind}: every probe is a sensitive path`);
      const minutes = (events.at(-1)!.time - events[0].time) / 60_000;
      if (attacker.kind === 'slow-scanner') {
        assert.ok(minutes > 40 && minutes <= 60 && events.length === 20, `slow scanner spans ${minutes} min`);
        assert.equal(new Set(events.map((event) => event.path)).size, 20);
      } else if (attacker.kind !== 'secret-exposure') {
        assert.ok(events.length / Math.max(minutes, 1) > 50, `${attacker.kind}: ${events.length} in ${minutes} min`);
      }
    }
    const kinds = new Map(truth.attackers.map((attacker) => [attacker.kind, attacker]));
    const exposure = groups.get(kinds.get('secret-exposure')!.ip)!;
    assert.equal(kinds.get('secret-exposure')!.expectedThreat, 'secret_exposure');
    assert.ok(exposure.some((event) => event.path === '/.env' && event.status === 200));
    const burst = groups.get(kinds.get('burst-scanner')!.ip)!;
    assert.match(burst[0].userAgent, /gitleaks|trufflehog/);
    assert.ok(burst.every((event) => [401, 403, 404].includes(event.status)));
    assert.ok(burst.filter((event) => event.status === 404).length > burst.length / 2);
    const rotating = kinds.get('ipv6-rotating-scanner')!;
    assert.equal(new Set(groups.get(rotating.ip)!.map((event) => event.clientIp)).size, rotating.addresses!.length);
    const encoded = groups.get(kinds.get('encoded-path-scanner')!.ip)!;
    const rawPaths = new Set(encoded.map((event) => event.rawPath));
    for (const path of ['/%2eenv', '/.git%2fconfig', '/.env']) assert.ok(rawPaths.has(path), path);
    assert.ok(
      encoded.some((event) => event.rawPath !== event.path),
      'raw and normalised paths differ',
    );
  });

  it('hides the real client behind forged headers: only a trusted-proxy-aware reader gets it right', () => {
    const { lines, truth } = generateTraefikLog({ lines: 3000, seed: 8 });
    const forged = lines.filter((line) => line.includes('"ClientHost":"203.0.113.10, '));
    assert.equal(forged.length, 70);
    const naive = parseTraefikLine(forged[0]);
    assert.ok(naive.ok && naive.event.clientIp === '10.0.0.3', 'without trusted proxies the peer is the client');
    const spoofingOffice = lines.filter((line) => line.includes('"request_X-Forwarded-For":"198.51.100.10"'));
    assert.equal(spoofingOffice.length, 160);
    const events = parseAll(lines, truth);
    // The office, the forged victim and the proxies never appear as clients of a sensitive probe burst.
    const office = events.filter((event) => event.clientIp === '198.51.100.10');
    assert.equal(office.length, 4);
    assert.ok(
      !events.some((event) => event.clientIp === '203.0.113.10' || truth.trustedProxies.includes(event.clientIp)),
    );
  });

  it('has the benign crowd: monitors every 30 s, crawlers on robots.txt and sitemap.xml, a busy NAT', () => {
    const { lines, truth } = generateTraefikLog({ lines: 6000, seed: 4, attackers: 'none' });
    assert.deepEqual(truth.attackers, []);
    const events = parseAll(lines, truth);
    const monitor = events.filter((event) => event.clientIp === '69.162.124.235');
    assert.ok(monitor.length >= 230 && monitor.every((event) => event.path === '/health'));
    const gaps = monitor.slice(1).map((event, index) => event.time - monitor[index].time);
    assert.ok(gaps.every((gap) => gap > 28_000 && gap < 32_000));
    const crawlers = events.filter((event) => /Googlebot|bingbot/.test(event.userAgent));
    assert.ok(crawlers.some((event) => event.path === '/robots.txt'));
    assert.ok(crawlers.some((event) => event.path === '/sitemap.xml'));
    const nat = events.filter((event) => event.clientIp === '192.0.2.10');
    assert.ok(nat.length > 200 && new Set(nat.map((event) => event.userAgent)).size > 3);
    const sensitive = events.filter((event) => matcher.matches(event.path) && event.clientIp !== '198.51.100.10');
    assert.deepEqual(sensitive, [], 'ordinary traffic never probes a sensitive path');
  });

  it('writes CLF with the same labelled attackers (no spoofed header it could not carry)', () => {
    const { lines, truth } = generateTraefikLog({ lines: 3000, seed: 5, format: 'clf' });
    assert.match(lines[0], /^\S+ - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "/);
    const groups = byClient(parseAll(lines, truth));
    for (const attacker of truth.attackers)
      assert.equal(groups.get(attacker.ip)?.length, attacker.requests, attacker.kind);
  });

  it('writes a file and its ground truth from the command line, and a sample log only once', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'log-generator-'));
    try {
      const out = join(directory, 'access.log');
      const cli = join(import.meta.dirname, 'generate-cli.ts');
      const output = execFileSync(
        process.execPath,
        [cli, '--lines', '2500', '--out', out, '--seed', '7', '--format', 'clf'],
        {
          encoding: 'utf8',
        },
      );
      assert.match(output, /wrote 2500 lines/);
      const written = (await readFile(out, 'utf8')).trimEnd().split('\n');
      const truth = JSON.parse(await readFile(`${out}.truth.json`, 'utf8')) as GroundTruth;
      assert.deepEqual(written, generateTraefikLog({ lines: 2500, seed: 7, format: 'clf' }).lines);
      assert.equal(truth.attackers.length, 7);
      assert.throws(
        () => execFileSync(process.execPath, [cli, '--lines', 'many', '--out', out], { stdio: 'pipe' }),
        /lines/,
      );

      const sample = join(directory, 'data', 'traefik-access.log');
      const first = await writeSampleLog(sample);
      assert.equal(first.written, true);
      const sampleLines = (await readFile(sample, 'utf8')).trimEnd().split('\n');
      assert.ok(sampleLines.length >= 4000);
      const lastTime = Date.parse(JSON.parse(sampleLines.at(-1)!).StartUTC);
      assert.ok(Math.abs(Date.now() - lastTime) < 10 * 60_000, 'the sample ends about now');
      assert.deepEqual(await writeSampleLog(sample), { written: false });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
