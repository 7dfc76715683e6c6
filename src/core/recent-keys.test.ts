import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from './prng.ts';
import { RecentKeys } from './recent-keys.ts';

function order(keys: RecentKeys): string[] {
  const seen: string[] = [];
  for (let handle = keys.oldest(); handle !== -1; handle = keys.newer(handle)) seen.push(keys.key(handle));
  return seen;
}

test('recent keys: finds, orders and removes as a Map in insertion order does, through growth and many removals', () => {
  const random = new Prng(11);
  const keys = new RecentKeys();
  // The reference: a Map whose order is least recently used first (delete and set again to move a key to the end).
  const reference = new Map<string, number>();
  const inUse = new Set<number>();
  // Few distinct keys, so that lookups hit, runs of neighbouring cells form and removals shift them back.
  const keyOf = (n: number) => (n % 3 === 0 ? `2001:db8:${n.toString(16)}::/64` : `198.51.${n % 256}.${n >> 8}`);
  for (let step = 0; step < 200_000; step++) {
    const key = keyOf(random.int(0, step < 100_000 ? 5_000 : 800));
    const handle = keys.find(key);
    assert.equal(handle === -1, !reference.has(key), key);
    if (handle === -1) {
      const added = keys.add(key);
      assert.ok(!inUse.has(added), 'a handle in use is not given out');
      inUse.add(added);
      reference.set(key, added);
    } else {
      assert.equal(handle, reference.get(key));
      assert.equal(keys.key(handle), key);
      if (random.next() < 0.5) {
        keys.remove(handle);
        inUse.delete(handle);
        reference.delete(key);
      } else {
        keys.touch(handle);
        reference.delete(key);
        reference.set(key, handle);
      }
    }
    assert.equal(keys.size, reference.size);
    if (step % 20_000 === 0) assert.deepEqual(order(keys), [...reference.keys()]);
  }
  assert.deepEqual(order(keys), [...reference.keys()]);
  for (const [key, handle] of reference) assert.equal(keys.find(key), handle, key);
});

test('recent keys: the oldest can be removed while walking from it (as eviction does), and the table empties', () => {
  const keys = new RecentKeys();
  for (let n = 0; n < 3_000; n++) keys.add(`10.0.${n >> 8}.${n & 255}`);
  keys.touch(keys.find('10.0.0.0'));
  let removed = 0;
  for (let handle = keys.oldest(); handle !== -1 && removed < 1_000; removed++) {
    const next = keys.newer(handle);
    keys.remove(handle);
    handle = next;
  }
  assert.equal(keys.size, 2_000);
  assert.equal(keys.key(keys.oldest()), '10.0.3.233', 'the next oldest is the 1,002nd added (the first was touched)');
  assert.notEqual(keys.find('10.0.0.0'), -1, 'a touched key is no longer among the oldest');
  assert.equal(keys.find('10.0.0.1'), -1);
  while (keys.oldest() !== -1) keys.remove(keys.oldest());
  assert.equal(keys.size, 0);
  assert.equal(keys.find('10.0.0.0'), -1);
  assert.equal(keys.find(''), -1);
  const again = keys.add('');
  assert.equal(keys.find(''), again, 'the empty string is a key like any other');
});
