import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DETECTOR_THREAD, RangeClaims } from './range-claims.ts';

describe('range claims of a parallel replay', () => {
  it('until the detector’s thread has judged a worker’s range, a worker claims the range right after its position', () => {
    const claims = new RangeClaims(4);
    assert.equal(claims.detectorReaches(0), DETECTOR_THREAD);
    assert.equal(claims.nextForWorker(1, -1, false), 1, 'a flood would leave the worker idle while range 1 is read');
    assert.equal(claims.detectorReaches(1), 1);
  });

  it('a worker leaves the range after the detector’s to it while that thread has time to spare', () => {
    const claims = new RangeClaims(7);
    assert.equal(claims.detectorReaches(0), DETECTOR_THREAD);
    assert.equal(claims.nextForWorker(1, -1, false), 1);
    assert.equal(claims.detectorReaches(1), 1);
    claims.detectorFinished(3, 35); // ordinary traffic: judged in 3 ms what took 35 ms to read
    assert.equal(claims.nextForWorker(1, 1, false), 3, 'the detector is at 1: 2 is left to it');
    assert.equal(claims.detectorReaches(2), DETECTOR_THREAD);
    assert.equal(claims.detectorReaches(3), 1, 'the worker holds it');
    claims.detectorFinished(17, 35);
    assert.equal(claims.nextForWorker(1, 3, false), 5, 'just under half the time: still spare');
    assert.equal(claims.detectorReaches(4), DETECTOR_THREAD);
    assert.equal(claims.detectorReaches(5), 1);
    assert.equal(claims.nextForWorker(1, 5, false), -1, 'range 6 is the detector’s: nothing left');
    assert.equal(claims.detectorReaches(6), DETECTOR_THREAD);
  });

  it('a worker claims the next range when judging is the slow part, so the detector’s thread only judges', () => {
    const claims = new RangeClaims(6);
    assert.equal(claims.detectorReaches(0), DETECTOR_THREAD);
    assert.equal(claims.nextForWorker(1, -1, false), 1);
    assert.equal(claims.detectorReaches(1), 1);
    claims.detectorFinished(160, 180); // a flood: judging took about as long as reading
    assert.equal(claims.nextForWorker(1, 1, false), 2, 'no time to spare: the range right after the detector’s');
    assert.equal(claims.detectorReaches(2), 1);
    claims.detectorFinished(3, 35);
    assert.equal(claims.nextForWorker(1, 2, true), 3, 'the worker waited for the detector’s thread during range 2');
    assert.equal(claims.detectorReaches(3), 1);
    claims.detectorFinished(3, 35);
    assert.equal(claims.nextForWorker(1, 3, false), 5, 'spare time again: range 4 is left to the detector’s thread');
    assert.equal(claims.detectorReaches(4), DETECTOR_THREAD);
    assert.equal(claims.detectorReaches(5), 1);
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
