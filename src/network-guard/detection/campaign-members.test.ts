import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../../core/prng.ts';
import { CampaignMembers } from './campaign-members.ts';
import type { MemberProbes } from './campaign-tracker.ts';

/** The network of a key in this test: the text before its last dot. */
const networkOf = (key: string) => key.slice(0, key.lastIndexOf('.'));

test('campaign members: networks, order and multi-path counts agree with plain maps after random changes', () => {
  const random = new Prng(11);
  const members = new CampaignMembers();
  const expected = new Map<string, MemberProbes>(); // Map order: least recently seen first
  for (let step = 0; step < 30_000; step++) {
    const key = `10.${random.int(0, 300)}.${random.int(0, 3)}`; // networks of one to four members
    if (step % 997 === 0) {
      // Evict the five least recently seen, as the tracker does.
      const evicted: Array<[string, number]> = [];
      members.evictOldest(5, (network, left) => evicted.push([String(network), left]));
      const wanted = [...expected.keys()].slice(0, 5).map((key): [string, number] => {
        expected.delete(key);
        return [networkOf(key), networkSize(expected, networkOf(key))];
      });
      assert.deepEqual(evicted, wanted, `evicted at step ${step}`);
      assert.deepEqual([...members.keys()], [...expected.keys()], `order at step ${step}`);
    }
    if (random.next() < 0.3) {
      const left = expected.delete(key) ? networkSize(expected, networkOf(key)) : -1;
      assert.equal(members.delete(networkOf(key), key), left);
      continue;
    }
    const paths = random.next() < 0.6 ? ['/.env'] : ['/.env', '/.git/config', '/a'].slice(0, random.int(0, 3));
    const time = step;
    const probes = {
      key,
      paths,
      failures: random.int(0, 3),
      requests: random.int(1, 9),
      agent: 'x',
      firstSeen: time,
      lastSeen: time,
    };
    expected.delete(key);
    expected.set(key, probes);
    assert.equal(
      members.set(networkOf(key), key, paths, probes.failures, probes.requests, 'x', time, time),
      networkSize(expected, networkOf(key)),
    );
  }
  assert.equal(members.size, expected.size);
  members.evictOldest(0, () => assert.fail('nothing is evicted when none is asked for'));
  assert.deepEqual([...members.keys()], [...expected.keys()]);
  const multi = [...expected.values()].filter((probes) => probes.paths.length >= 2);
  assert.equal(members.multiPathMembers, multi.length);
  assert.deepEqual(
    [...members.multiPath(0)].map(({ probes }) => probes),
    multi,
  );
  for (const network of new Set([...expected.keys()].map(networkOf))) {
    const joined = members.networkMembers(network);
    assert.deepEqual(
      joined.map((probes) => probes.key).sort(),
      [...expected.keys()].filter((key) => networkOf(key) === network).sort(),
    );
    for (const probes of joined) assert.deepEqual(probes, expected.get(probes.key));
  }
});

function networkSize(members: Map<string, MemberProbes>, network: string): number {
  let size = 0;
  for (const key of members.keys()) if (networkOf(key) === network) size++;
  return size;
}
