// maxlerebourg/crowdsec-bouncer-traefik-plugin (v1.7.1) against our API over loopback HTTP, in its three LAPI modes:
// live and none (`GET /v1/decisions?ip=`, none without a cache) and stream (`GET /v1/decisions/stream?startup=`).
// Requests as bouncer.go builds them (__fixtures__/crowdsec-bouncers/); assertions are what its parser acts on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type BouncerRequests,
  bouncerFixture,
  headersWith,
  liveTarget,
  SEEDED,
  seedBlocks,
  startLoopbackLapi,
} from './testing/loopback-lapi.ts';

const NOW = new Date('2026-12-01T10:00:00Z');
const TRAEFIK = bouncerFixture<{ bouncers: Record<string, BouncerRequests> }>('requests').bouncers[
  'crowdsec-bouncer-traefik-plugin'
];
const parsers = bouncerFixture<{
  traefikDecisionFields: Record<string, 'int' | 'string' | 'bool'>;
  traefikDefaultDecisionSeconds: number;
}>('parsers');

/** Go's time.ParseDuration grammar: "0", or signed sequences of decimal numbers with a unit. */
const GO_DURATION = /^(0|[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

/** encoding/json into bouncer.go's Decision struct: a field of the wrong JSON type fails the whole answer. */
function unmarshalDecision(raw: Record<string, unknown>): void {
  for (const [field, kind] of Object.entries(parsers.traefikDecisionFields)) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (kind === 'int') assert.ok(Number.isInteger(value), `${field} must be a JSON integer`);
    if (kind === 'string') assert.equal(typeof value, 'string', `${field} must be a JSON string`);
    if (kind === 'bool') assert.equal(typeof value, 'boolean', `${field} must be a JSON boolean`);
  }
}

/** Go duration text to seconds (enough of ParseDuration for the units we send). */
function goSeconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, number, unit] of duration.matchAll(/([\d.]+)(ms|h|m|s)/g)) total += Number(number) * units[unit];
  return total;
}

/**
 * handleNoStreamCache: `null` or an empty list is "not banned"; otherwise the first `ban` decision (or the last one)
 * decides, its duration must parse, and live mode caches the verdict for min(defaultDecisionSeconds, duration).
 */
function liveVerdict(status: number, body: string): { banned: boolean; cacheSeconds: number } {
  assert.ok(status >= 200 && status < 300, `status ${status}: the plugin treats any other status as "banned"`);
  if (body === 'null') return { banned: false, cacheSeconds: parsers.traefikDefaultDecisionSeconds };
  const decisions = JSON.parse(body) as Array<Record<string, unknown>>;
  assert.ok(Array.isArray(decisions));
  decisions.forEach(unmarshalDecision);
  if (decisions.length === 0) return { banned: false, cacheSeconds: parsers.traefikDefaultDecisionSeconds };
  const decision = decisions.find((candidate) => candidate.type === 'ban') ?? decisions[decisions.length - 1];
  assert.match(String(decision.duration), GO_DURATION);
  assert.equal(decision.type, 'ban');
  const seconds = Math.trunc(goSeconds(String(decision.duration)));
  return { banned: true, cacheSeconds: Math.min(parsers.traefikDefaultDecisionSeconds, seconds) };
}

async function setup() {
  const lapi = await startLoopbackLapi(NOW);
  seedBlocks(lapi.store, NOW);
  const key = lapi.addKey('traefik');
  return { lapi, headers: headersWith(TRAEFIK, key) };
}

test('live and none modes: a clean address passes, a banned one and any address inside a banned range are refused', async () => {
  const { lapi, headers } = await setup();
  try {
    const ask = async (ip: string) => {
      const answer = await lapi.send('GET', liveTarget(TRAEFIK, ip), headers);
      return liveVerdict(answer.status, answer.body);
    };
    assert.deepEqual(await ask(SEEDED.clean), { banned: false, cacheSeconds: 60 });
    for (const ip of [SEEDED.scanner, SEEDED.insideRange, SEEDED.ipv6, SEEDED.insideIpv6Range]) {
      assert.deepEqual(await ask(ip), { banned: true, cacheSeconds: 60 }, ip);
    }
    // A ban about to end is cached no longer than it lasts.
    lapi.setNow(new Date(NOW.getTime() + 4 * 3_600_000 - 30_000));
    assert.ok((await ask(SEEDED.scanner)).cacheSeconds <= 30);
  } finally {
    await lapi.close();
  }
});

test('live queries do not move the key in the stream: a stream pull after them still gets every decision', async () => {
  const { lapi, headers } = await setup();
  try {
    for (const ip of [SEEDED.scanner, SEEDED.insideRange]) await lapi.send('GET', liveTarget(TRAEFIK, ip), headers);
    const stream = JSON.parse((await lapi.send('GET', TRAEFIK.stream ?? '', headers)).body) as { new: unknown[] };
    assert.equal(stream.new.length, 4);
  } finally {
    await lapi.close();
  }
});

test('stream mode: decisions decode into its Stream struct and an Ip decision is cached under the client address', async () => {
  const { lapi, headers } = await setup();
  try {
    const answer = await lapi.send('GET', TRAEFIK.streamStartup ?? '', headers);
    assert.equal(answer.status, 200);
    const stream = JSON.parse(answer.body) as { new: Array<Record<string, unknown>>; deleted: unknown[] };
    stream.new.forEach(unmarshalDecision);
    // handleStreamCache: cacheClient.Set(decision.Value, ...) for a parsable duration; ServeHTTP looks up remoteIP,
    // the address as Go prints it (lower case, RFC 5952 compressed for IPv6).
    const cache = new Map<string, number>();
    for (const decision of stream.new) {
      assert.match(String(decision.duration), GO_DURATION);
      cache.set(String(decision.value), Math.trunc(goSeconds(String(decision.duration))));
    }
    assert.equal(cache.get(SEEDED.scanner), 4 * 3600 - 1);
    assert.ok((cache.get(SEEDED.ipv6) ?? 0) > 0, 'the long-hand IPv6 block is sent as Go writes the address');
    assert.equal(cache.has(SEEDED.clean), false);
    // Documented difference: v1.7.1 keys its stream cache by the exact value, so a Range decision is stored under
    // "198.51.100.0/24" and never matches a client inside it (upstream PR #368, open). We still send the range as
    // CrowdSec does; live mode and the other bouncers enforce it.
    assert.equal(cache.has(SEEDED.insideRange), false);
    assert.ok(cache.has(SEEDED.range));

    const [block] = lapi.store.blocks.findActive(SEEDED.scanner);
    lapi.store.blocks.markRemoved(block.id, 'unblocked');
    const next = JSON.parse((await lapi.send('GET', TRAEFIK.stream ?? '', headers)).body) as {
      deleted: Array<{ value: string }>;
    };
    assert.deepEqual(
      next.deleted.map((decision) => decision.value),
      [SEEDED.scanner],
      'cacheClient.Delete(decision.Value)',
    );
  } finally {
    await lapi.close();
  }
});

test('a wrong key is refused with 403 (the plugin then fails closed: live bans, stream marks itself unhealthy)', async () => {
  const { lapi } = await setup();
  try {
    const answer = await lapi.send('GET', liveTarget(TRAEFIK, SEEDED.clean), headersWith(TRAEFIK, 'wrong'));
    assert.equal(answer.status, 403);
    assert.deepEqual(JSON.parse(answer.body), { message: 'access forbidden' });
  } finally {
    await lapi.close();
  }
});
