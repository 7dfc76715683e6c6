import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adaptHeapToLoad } from './adaptive-heap.ts';

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
