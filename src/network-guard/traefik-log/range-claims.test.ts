import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DETECTOR_THREAD, RangeClaims } from './range-claims.ts';

describe('range claims of a parallel replay', () => {
  it('a worker leaves the range after the detector’s to it while judging keeps up', () => {
    const claims = new RangeClaims(6);
    assert.equal(claims.detectorReaches(0), DETECTOR_THREAD);
    assert.equal(claims.nextForWorker(1, -1, false), 2, 'range 1 is left to the detector’s thread');
    assert.equal(claims.detectorReaches(1), DETECTOR_THREAD);
    assert.equal(claims.detectorReaches(2), 1, 'the worker holds it');
    assert.equal(claims.nextForWorker(1, 2, false), 4, 'the detector is at 2: 3 is left to it');
    assert.equal(claims.detectorReaches(3), DETECTOR_THREAD);
    assert.equal(claims.detectorReaches(4), 1);
    assert.equal(claims.nextForWorker(1, 4, false), -1, 'range 5 is the detector’s: nothing left');
    assert.equal(claims.detectorReaches(5), DETECTOR_THREAD);
  });

  it('a worker that waited for the detector’s thread claims the next range, so that thread only judges', () => {
    const claims = new RangeClaims(5);
    assert.equal(claims.detectorReaches(0), DETECTOR_THREAD);
    assert.equal(claims.nextForWorker(1, -1, false), 2);
    assert.equal(claims.detectorReaches(1), DETECTOR_THREAD);
    assert.equal(claims.detectorReaches(2), 1);
    assert.equal(claims.nextForWorker(1, 2, true), 3, 'it waited: the range right after the detector’s');
    assert.equal(claims.detectorReaches(3), 1);
    assert.equal(claims.nextForWorker(1, 3, true), 4);
    assert.equal(claims.detectorReaches(4), 1);
    assert.equal(claims.nextForWorker(1, 4, true), -1);
  });

  it('two workers and the detector never hold one range together, and every range is held', () => {
    const claims = new RangeClaims(40);
    const held = new Map<number, number>();
    const last = [-1, -1, -1];
    let detectorAt = 0;
    for (let step = 0; detectorAt < 40; step++) {
      const worker = 1 + (step % 2);
      const next = claims.nextForWorker(worker, last[worker]!, step % 3 === 0);
      if (next >= 0) {
        assert.equal(held.has(next), false, `range ${next} claimed twice`);
        held.set(next, worker);
        last[worker] = next;
      }
      const holder = claims.detectorReaches(detectorAt);
      assert.equal(holder, held.get(detectorAt) ?? DETECTOR_THREAD);
      held.set(detectorAt, holder);
      detectorAt++;
    }
    assert.equal(held.size, 40);
    const shared = new RangeClaims(claims.shared);
    assert.equal(shared.nextForWorker(1, -1, true), -1, 'another thread’s view of the same claims: all taken');
  });
});
