import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adaptHeapToLoad, heapBusyNow } from './adaptive-heap.ts';

test('memory-saver mode follows the load: on after a quiet interval, off after a busy one, off at stop', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let cpuMicros = 0;
  const modes: boolean[] = [];
  const stop = adaptHeapToLoad({
    intervalMs: 1000,
    busyShare: 0.25,
    cpuUsage: () => ({ user: cpuMicros, system: 0 }),
    setMemorySaver: (on) => modes.push(on),
  });
  const interval = (cpuMs: number) => {
    cpuMicros += cpuMs * 1000;
    t.mock.timers.tick(1000);
  };
  interval(900); // replaying the backlog: stays fast
  assert.deepEqual(modes, []);
  interval(10); // quiet
  assert.deepEqual(modes, [true]);
  interval(20); // still quiet: no flag churn
  assert.deepEqual(modes, [true]);
  interval(600); // a flood
  assert.deepEqual(modes, [true, false]);
  interval(5);
  assert.deepEqual(modes, [true, false, true]);
  stop();
  assert.deepEqual(modes, [true, false, true, false]);
});

test('a caller that starts a burst of work leaves memory-saver mode at once, not at the end of the interval', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let cpuMicros = 0;
  const modes: boolean[] = [];
  const stop = adaptHeapToLoad({
    intervalMs: 1000,
    cpuUsage: () => ({ user: cpuMicros, system: 0 }),
    setMemorySaver: (on) => modes.push(on),
  });
  t.mock.timers.tick(1000); // quiet
  assert.deepEqual(modes, [true]);
  heapBusyNow();
  assert.deepEqual(modes, [true, false]);
  heapBusyNow(); // already off: no flag churn
  cpuMicros += 900_000;
  t.mock.timers.tick(1000); // the burst keeps the interval busy
  assert.deepEqual(modes, [true, false]);
  stop();
  heapBusyNow(); // stopped: nothing to do
  assert.deepEqual(modes, [true, false]);
});
