// The Lua bouncers against our API over loopback HTTP: crowdsecurity/lua-cs-bouncer (what cs-nginx-bouncer runs) and
// crowdsecurity/cs-haproxy-bouncer. Each request is the one their source builds (__fixtures__/crowdsec-bouncers/);
// each assertion is what their parser needs in order to act on the answer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCidr, toBigInt } from '../../core/ip-address.ts';
import { BouncerStore } from './bouncer-store.ts';
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
const requests = bouncerFixture<{ bouncers: Record<string, BouncerRequests> }>('requests').bouncers;
const parsers = bouncerFixture<{ luaDurationPattern: string }>('parsers');
const NGINX = requests['lua-cs-bouncer (cs-nginx-bouncer)'];
const HAPROXY = requests['cs-haproxy-bouncer'];

interface WireDecision {
  id: number;
  origin: string;
  type: string;
  scope: string;
  value: string;
  duration: string;
  scenario: string;
}

/**
 * lua-cs-bouncer's cache key for a decision (utils.item_to_string): family, netmask and the value's address as
 * written, not masked. Modelled with the prefix length standing for the netmask integer.
 */
function luaDecisionKey(value: string, scope: string): string | undefined {
  let address = value;
  let prefix: number | undefined;
  if (scope.toLowerCase() === 'range') {
    const match = /^([^/]+)\/(\d+)/.exec(value);
    if (!match) return undefined;
    [address, prefix] = [match[1], Number(match[2])];
  } else if (scope.toLowerCase() !== 'ip') return undefined;
  const family = isIP(address);
  if (family === 0) return undefined;
  return `ipv${family}_${prefix ?? (family === 4 ? 32 : 128)}_${toBigInt(address)}`;
}

/** The keys lua-cs-bouncer's allowIp looks up for a client address: the address masked by every netmask. */
function luaLookupKeys(ip: string): Set<string> {
  const family = isIP(ip);
  const bits = family === 4 ? 32 : 128;
  const value = toBigInt(ip);
  const keys = new Set<string>();
  for (let prefix = bits; prefix >= 0; prefix--) {
    const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
    keys.add(`ipv${family}_${prefix}_${value & mask}`);
  }
  return keys;
}

/** stream.lua parse_duration: seconds, or 0 when the text does not match (0 is "never expires" for the cache). */
function luaTtl(duration: string): number {
  const match = new RegExp(parsers.luaDurationPattern).exec(duration);
  if (!match?.groups) return 0;
  const part = (name: string) => Number(match.groups?.[name] ?? 0);
  return part('hours') * 3600 + part('minutes') * 60 + part('seconds') + part('milliseconds') / 1000;
}

async function setup() {
  const lapi = await startLoopbackLapi(NOW);
  seedBlocks(lapi.store, NOW);
  const key = lapi.addKey('nginx');
  return { lapi, key };
}

test('lua-cs-bouncer live mode: `null` for a clean address, the covering decision first, keyed so allowIp finds it', async () => {
  const { lapi, key } = await setup();
  try {
    const headers = headersWith(NGINX, key);
    const clean = await lapi.send('GET', liveTarget(NGINX, SEEDED.clean), headers);
    assert.equal(clean.status, 200);
    assert.equal(clean.body, 'null', 'live.lua caches "none" only when the body is exactly null');
    for (const ip of [SEEDED.scanner, SEEDED.insideRange, SEEDED.ipv6, SEEDED.insideIpv6Range]) {
      const answer = await lapi.send('GET', liveTarget(NGINX, ip), headers);
      assert.equal(answer.status, 200, ip);
      const [first] = JSON.parse(answer.body) as WireDecision[];
      assert.equal(first.type, 'ban', `${ip}: BOUNCING_ON_TYPE=ban acts on it`);
      assert.equal(typeof first.origin, 'string');
      const key = luaDecisionKey(first.value, first.scope);
      assert.ok(key && luaLookupKeys(ip).has(key), `${ip}: cached as ${key}, which allowIp looks up next time`);
    }
  } finally {
    await lapi.close();
  }
});

test('lua-cs-bouncer stream mode: every new decision gets a cache key and a TTL it can parse; deletions hit that key', async () => {
  const { lapi, key } = await setup();
  try {
    const headers = headersWith(NGINX, key);
    const startup = await lapi.send('GET', NGINX.streamStartup ?? '', headers);
    assert.equal(startup.status, 200);
    const first = JSON.parse(startup.body) as { new: WireDecision[]; deleted: WireDecision[] };
    assert.ok(Array.isArray(first.new) && Array.isArray(first.deleted), 'type(decisions.new) == "table"');
    const cached = new Map<string, number>();
    for (const decision of first.new) {
      const cacheKey = luaDecisionKey(decision.value, decision.scope);
      assert.ok(cacheKey, `${decision.value}: item_to_string gives a key`);
      const ttl = luaTtl(decision.duration);
      assert.ok(ttl > 0, `${decision.value}: duration ${decision.duration} parses to a TTL (0 would never expire)`);
      cached.set(cacheKey, ttl);
    }
    assert.equal(cached.get(luaDecisionKey(SEEDED.scanner, 'Ip') ?? ''), 4 * 3600 - 1, 'the scanner ban ends with it');
    for (const ip of [SEEDED.scanner, SEEDED.insideRange, SEEDED.ipv6, SEEDED.insideIpv6Range]) {
      assert.ok(
        [...luaLookupKeys(ip)].some((lookup) => cached.has(lookup)),
        `${ip} is refused from the cache`,
      );
    }
    assert.ok(![...luaLookupKeys(SEEDED.clean)].some((lookup) => cached.has(lookup)));

    const [scannerBlock] = lapi.store.blocks.findActive(SEEDED.scanner);
    lapi.store.blocks.markRemoved(scannerBlock.id, 'unblocked');
    const next = JSON.parse((await lapi.send('GET', NGINX.stream ?? '', headers)).body) as typeof first;
    assert.deepEqual(next.new, []);
    assert.deepEqual(
      next.deleted.map((decision) => luaDecisionKey(decision.value, decision.scope)),
      [luaDecisionKey(SEEDED.scanner, 'Ip')],
      'the deletion removes the very key the ban was cached under',
    );
  } finally {
    await lapi.close();
  }
});

test('lua-cs-bouncer: a range blocked with host bits set is sent as its network, or allowIp never matches it', async () => {
  const { lapi, key } = await setup();
  try {
    lapi.store.blocks.add('192.0.2.77/28', 'traefik-file', null, new Date(NOW.getTime() + 3_600_000).toISOString());
    const answer = JSON.parse((await lapi.send('GET', NGINX.streamStartup ?? '', headersWith(NGINX, key))).body) as {
      new: WireDecision[];
    };
    const range = answer.new.find((decision) => decision.value.startsWith('192.0.2.'));
    assert.ok(range);
    assert.equal(range.value, '192.0.2.64/28');
    assert.ok(luaLookupKeys('192.0.2.77').has(luaDecisionKey(range.value, range.scope) ?? ''));
  } finally {
    await lapi.close();
  }
});

test('a wrong or missing key: 403 (the Lua bouncers log it and keep their cache), audited', async () => {
  const { lapi } = await setup();
  try {
    for (const headers of [headersWith(NGINX, 'not-a-key'), { 'User-Agent': NGINX.headers['User-Agent'] }]) {
      const answer = await lapi.send('GET', NGINX.streamStartup ?? '', headers);
      assert.equal(answer.status, 403);
      assert.deepEqual(JSON.parse(answer.body), { message: 'access forbidden' });
    }
    const refused = readFileSync(join(lapi.dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: { path: string; userAgent: string } })
      .filter((entry) => entry.type === 'bouncer_auth_failed');
    assert.equal(refused.length, 1, 'one entry per address per minute');
    assert.equal(refused[0].data.path, '/v1/decisions/stream');
    assert.equal(refused[0].data.userAgent, 'crowdsec-nginx-bouncer/v1.1.3');
  } finally {
    await lapi.close();
  }
});

test('cs-haproxy-bouncer: live `null` and decisions[1].type; stream values fit its ip map', async () => {
  const { lapi, key } = await setup();
  try {
    const headers = headersWith(HAPROXY, key);
    assert.equal((await lapi.send('GET', liveTarget(HAPROXY, SEEDED.clean), headers)).body, 'null');
    const banned = JSON.parse((await lapi.send('GET', liveTarget(HAPROXY, SEEDED.insideRange), headers)).body) as
      | WireDecision[]
      | null;
    assert.equal(banned?.[0].type, 'ban');
    const stream = JSON.parse((await lapi.send('GET', HAPROXY.streamStartup ?? '', headers)).body) as {
      new: WireDecision[];
    };
    // core.set_map(MAP_PATH, decision.value, decision.type) on a map loaded with Map._ip: an address or a network.
    for (const decision of stream.new) {
      const cidr = parseCidr(decision.value);
      assert.ok(cidr, decision.value);
      assert.equal(decision.type, 'ban');
    }
    assert.deepEqual(
      stream.new.map((decision) => decision.value).sort(),
      [SEEDED.range, SEEDED.ipv6, SEEDED.ipv6Range, SEEDED.scanner].sort(),
    );
  } finally {
    await lapi.close();
  }
});

test("our answers have the shape of the mock LAPI answers in lua-cs-bouncer's own tests, which its parser reads", async () => {
  const upstream = bouncerFixture<Record<string, string>>('upstream-answers');
  const theirLive = JSON.parse(upstream['lua-cs-bouncer t/03live_and_ban.t (banned)']) as WireDecision[];
  const theirStream = JSON.parse(upstream['lua-cs-bouncer t/12_stream_ban_and_deletion.t (second pull)']) as {
    new: WireDecision[];
    deleted: WireDecision[];
  };
  // The model of parse_duration agrees with the TTLs those tests expect (1h00m00s, and 3s expiring in t/07).
  assert.equal(luaTtl(theirLive[0].duration), 3600);
  const short = JSON.parse(upstream['lua-cs-bouncer t/07stream_expiration_and_cache.t (short ban)']) as {
    new: WireDecision[];
  };
  assert.equal(luaTtl(short.new[0].duration), 3);
  assert.equal(upstream['lua-cs-bouncer t/03live_and_ban.t (not banned)'], 'null');

  const { lapi, key } = await setup();
  try {
    const headers = headersWith(NGINX, key);
    const shape = (decision: object) =>
      Object.fromEntries(Object.entries(decision).map(([field, value]) => [field, typeof value]));
    const [ours] = JSON.parse(
      (await lapi.send('GET', liveTarget(NGINX, SEEDED.scanner), headers)).body,
    ) as WireDecision[];
    assert.deepEqual(shape(ours), shape(theirLive[0]));
    const stream = JSON.parse((await lapi.send('GET', NGINX.streamStartup ?? '', headers)).body) as typeof theirStream;
    assert.deepEqual(Object.keys(stream).sort(), Object.keys(theirStream).sort());
    for (const decision of stream.new) assert.deepEqual(shape(decision), shape(theirStream.new[0]));
  } finally {
    await lapi.close();
  }
});

test("lua-cs-bouncer's usage report is stored (201, no body) and shows in the key's usage", async () => {
  const { lapi, key } = await setup();
  try {
    const usage = NGINX.usageMetrics;
    assert.ok(usage);
    const answer = await lapi.send('POST', '/v1/usage-metrics', headersWith(usage, key), JSON.stringify(usage.body));
    assert.equal(answer.status, 201, answer.body);
    assert.equal(answer.body, '');
    const [row] = new BouncerStore(lapi.store.db).list();
    assert.equal(row.usage?.type, 'lua-bouncer');
    assert.equal(row.usage?.version, 'crowdsec-nginx-bouncer/v1.1.3');
    assert.deepEqual(
      row.usage?.series.filter((entry) => entry.name === 'dropped').map((entry) => entry.value),
      [2],
    );
  } finally {
    await lapi.close();
  }
});
