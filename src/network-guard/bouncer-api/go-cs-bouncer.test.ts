// crowdsecurity/go-cs-bouncer (StreamBouncer: cs-firewall-bouncer, cs-custom-bouncer, cs-cloudflare-bouncer; and
// LiveBouncer) against our API over loopback HTTP. Queries as crowdsec's apiclient encodes them (url.Values, sorted,
// `additional_pull=false&community_pull=false` always there); answers decoded as pkg/models.Decision needs them.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
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
const STREAM = requests['go-cs-bouncer StreamBouncer (cs-firewall-bouncer, cs-custom-bouncer)'];
const LIVE = requests['go-cs-bouncer LiveBouncer'];
const parsers = bouncerFixture<{
  crowdsecRequiredDecisionFields: string[];
  crowdsecForbidden: { status: number; body: unknown };
  goParseBoolTrue: string[];
  goParseBoolFalse: string[];
}>('parsers');

/** The whole-second `time.Duration.String()` the Local API writes (FormatDecisions rounds to the second). */
const LAPI_DURATION = /^-?(\d+h)?(\d+m)?\d+s$/;

type Decision = Record<string, unknown>;

/**
 * models.Decision has pointer fields the bouncers dereference (`*decision.Value`, `*decision.Duration`...): each
 * required one must be present as a string, `id` an integer; the firewall and custom bouncers ParseDuration it.
 */
function assertModelsDecision(decision: Decision): void {
  for (const field of parsers.crowdsecRequiredDecisionFields) {
    assert.equal(typeof decision[field], 'string', `${field} of ${JSON.stringify(decision)}`);
  }
  assert.ok(Number.isInteger(decision.id));
  assert.match(String(decision.duration), LAPI_DURATION);
}

async function setup(t: TestContext) {
  const lapi = await startLoopbackLapi(NOW);
  t.after(() => lapi.close());
  seedBlocks(lapi.store, NOW);
  const key = lapi.addKey('firewall');
  const get = async (target: string, headers = headersWith(STREAM, key)) => {
    const answer = await lapi.send('GET', target, headers);
    return { ...answer, json: answer.body === '' ? undefined : (JSON.parse(answer.body) as unknown) };
  };
  return { lapi, key, get };
}

test('StreamBouncer: startup with the pull options, then deltas; every decision is a complete models.Decision', async (t) => {
  const { lapi, get } = await setup(t);
  {
    const startup = await get(STREAM.streamStartup ?? '');
    assert.equal(startup.status, 200, 'unknown parameters (community_pull, additional_pull) are ignored, as by LAPI');
    assert.match(startup.contentType ?? '', /^application\/json/);
    const first = startup.json as { new: Decision[]; deleted: Decision[] };
    assert.equal(first.new.length, 4);
    first.new.forEach(assertModelsDecision);
    assert.deepEqual(first.deleted, [], 'the firewall bouncer starts from empty sets: no deletions at startup');
    const scanner = first.new.find((decision) => decision.value === SEEDED.scanner);
    assert.equal(scanner?.duration, '3h59m59s', 'what LAPI writes for 4 h minus 1.5 s: rounded to the second');
    assert.equal(scanner?.scope, 'Ip');
    assert.equal(first.new.find((decision) => decision.value === SEEDED.range)?.scope, 'Range');

    assert.deepEqual((await get(STREAM.stream ?? '')).json, { new: [], deleted: [] });
    const [block] = lapi.store.blocks.findActive(SEEDED.range);
    lapi.store.blocks.markRemoved(block.id, 'unblocked');
    const delta = (await get(STREAM.stream ?? '')).json as { new: Decision[]; deleted: Decision[] };
    assert.deepEqual(
      delta.deleted.map((decision) => decision.value),
      [SEEDED.range],
    );
    delta.deleted.forEach(assertModelsDecision);
  }
});

test('StreamBouncer filters: scopes, origins, scenarios_containing and scenarios_not_containing as go-cs-bouncer sends them', async (t) => {
  const { get } = await setup(t);
  const values = (answer: { json: unknown }) =>
    ((answer.json as { new: Decision[] }).new ?? []).map((decision) => decision.value).sort();
  // origins=devops-agent, scenarios_containing=secrets, scenarios_not_containing=manual, scopes=ip%2Crange
  assert.deepEqual(
    values(await get(STREAM.streamAllOptions ?? '')),
    [SEEDED.ipv6Range, SEEDED.ipv6, SEEDED.scanner].sort(),
  );
  const scopedToIp = (STREAM.streamAllOptions ?? '').replace('scopes=ip%2Crange', 'scopes=ip');
  assert.deepEqual(values(await get(scopedToIp)), [SEEDED.ipv6, SEEDED.scanner].sort());
  const otherOrigin = (STREAM.streamAllOptions ?? '').replace('origins=devops-agent', 'origins=crowdsec%2Ccscli');
  assert.deepEqual(values(await get(otherOrigin)), []);
});

test('LiveBouncer.Get: the url.Values-encoded address, IPv6 and ranges included; `null` when nothing covers it', async (t) => {
  const { key, get } = await setup(t);
  const headers = headersWith(LIVE, key);
  const live = async (ip: string) => {
    const answer = await get(liveTarget(LIVE, ip), headers);
    assert.equal(answer.status, 200);
    return answer;
  };
  assert.equal((await live(SEEDED.clean)).body, 'null', 'GetDecisionsResponse(nil): the Local API answers null');
  for (const [ip, value] of [
    [SEEDED.scanner, SEEDED.scanner],
    [SEEDED.insideRange, SEEDED.range],
    [SEEDED.ipv6, SEEDED.ipv6],
    [SEEDED.insideIpv6Range, SEEDED.ipv6Range],
  ]) {
    const decisions = (await live(ip)).json as Decision[];
    assert.deepEqual(
      decisions.map((decision) => decision.value),
      [value],
      ip,
    );
    decisions.forEach(assertModelsDecision);
  }
});

test('the Local API keys and filters: 403 for a missing key (TLS-certificate bouncers send none) or a wrong one, contains as strconv.ParseBool reads it', async (t) => {
  const { lapi, key, get } = await setup(t);
  for (const headers of [{ 'User-Agent': STREAM.headers['User-Agent'] }, headersWith(STREAM, `${key}0`)]) {
    const refused = await get(STREAM.streamStartup ?? '', headers);
    assert.equal(refused.status, parsers.crowdsecForbidden.status);
    assert.deepEqual(refused.json, parsers.crowdsecForbidden.body);
  }
  const headers = headersWith(LIVE, key);
  for (const word of parsers.goParseBoolTrue) {
    const answer = await get(`/v1/decisions?ip=${SEEDED.insideRange}&contains=${word}`, headers);
    assert.equal(answer.status, 200, `contains=${word}`);
    assert.equal((answer.json as Decision[]).length, 1);
  }
  for (const word of parsers.goParseBoolFalse) {
    const answer = await get(`/v1/decisions?range=198.51.100.0%2F16&contains=${word}`, headers);
    assert.equal(answer.status, 200, `contains=${word}`);
    assert.deepEqual(
      (answer.json as Decision[]).map((decision) => decision.value),
      [SEEDED.range],
    );
  }
  assert.equal((await get('/v1/decisions?ip=1.2.3.4&contains=maybe', headers)).status, 400);
  // Documented difference: with dedup=false the Local API lists every decision on a value; we keep one decision per
  // address or network whatever the number of blocks (the oldest block's id, the latest end), and answer the same.
  lapi.store.blocks.add(SEEDED.scanner, 'kubernetes', null, null);
  const undeduplicated = await get(`/v1/decisions?ip=${SEEDED.scanner}&dedup=false`, headers);
  assert.equal((undeduplicated.json as Decision[]).length, 1);
  assert.equal((undeduplicated.json as Decision[])[0].duration, '87600h0m0s', 'the latest end: the block without one');
});

test('cs-cloudflare-bouncer: its four scopes asked, every decision lands in an IP list as a block', async (t) => {
  const CLOUDFLARE = requests['cs-cloudflare-bouncer (go-cs-bouncer StreamBouncer)'];
  const cloudflare = bouncerFixture<{
    cloudflareScopes: string[];
    cloudflareActionByDecisionType: Record<string, string>;
  }>('parsers');
  const { key, get } = await setup(t);
  const headers = headersWith(CLOUDFLARE, key);
  const startup = (await get(CLOUDFLARE.streamStartup ?? '', headers)).json as { new: Decision[] };
  assert.equal(startup.new.length, 4);
  for (const decision of startup.new) {
    assertModelsDecision(decision);
    // getContainerByDecisionScope: strings.ToUpper(scope) must be IP or RANGE to reach the IP lists.
    const scope = String(decision.scope).toUpperCase();
    assert.ok(cloudflare.cloudflareScopes.includes(scope) && ['IP', 'RANGE'].includes(scope), scope);
    assert.equal(cloudflare.cloudflareActionByDecisionType[String(decision.type)], 'block');
  }
  assert.deepEqual((await get(CLOUDFLARE.stream ?? '', headers)).json, { new: [], deleted: [] });
});
