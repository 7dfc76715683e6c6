import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../../core/prng.ts';
import { FirstSightings, type ObservedRequest } from './first-sightings.ts';

function request(random: Prng, index: number): ObservedRequest {
  const pad = 'é'.repeat(random.int(0, 40)) + 'a'.repeat(random.int(0, 1600)); // some longer than a sample
  const raw = random.next() < 0.1 ? undefined : `{"n":${index},"pad":"${pad}"}`;
  return {
    time: 1_700_000_000_000 + index,
    clientIp: `198.51.${index % 256}.${random.int(0, 255)}`,
    path: random.pick(['/.env', '/.git/config', `/backup-${index % 7}.zip`]),
    status: random.pick([200, 401, 403, 404]),
    userAgent: random.pick(['curl/8', 'python-requests/2.32', '']),
    bytes: random.next() < 0.2 ? undefined : random.int(0, 1_000_000),
    host: random.next() < 0.3 ? undefined : random.pick(['shop.example.com', 'api.example.com']),
    raw,
  };
}

test('first sightings: a slot gives back its own request (raw line cut to a sample), whatever was freed and reused', () => {
  const random = new Prng(7);
  const sightings = new FirstSightings();
  const held = new Map<number, ObservedRequest>();
  for (let index = 0; index < 20_000; index++) {
    const event = request(random, index);
    const slot = sightings.add(event);
    assert.ok(!held.has(slot), 'a slot in use is not handed out again');
    held.set(slot, event);
    assert.equal(sightings.path(slot), event.path);
    assert.equal(sightings.userAgent(slot), event.userAgent);
    assert.equal(sightings.host(slot), event.host);
    if (random.next() < 0.45) {
      const slots = [...held.keys()];
      const chosen = slots[random.int(0, slots.length - 1)]!;
      const expected = held.get(chosen)!;
      held.delete(chosen);
      if (random.next() < 0.5) sightings.release(chosen);
      else assert.deepEqual(sightings.take(chosen), { ...expected, raw: expected.raw?.slice(0, 1500) });
    }
  }
  for (const [slot, expected] of held)
    assert.deepEqual(sightings.take(slot), { ...expected, raw: expected.raw?.slice(0, 1500) });
});
