import assert from 'node:assert/strict';
import { test } from 'node:test';
import { limitHeapGrowthWhenLarge } from './heap-growth.ts';

// What the cap does to a scan's peak is measured by a benchmark (bench/README.md, "Speed (issue 18)"); here, when.
test('the old generation growth is capped once the heap passes 32 MiB, and only once', () => {
  assert.equal(limitHeapGrowthWhenLarge(10 * 1024 * 1024), false);
  assert.equal(limitHeapGrowthWhenLarge(32 * 1024 * 1024 - 1), false);
  assert.equal(limitHeapGrowthWhenLarge(32 * 1024 * 1024), true);
  assert.equal(limitHeapGrowthWhenLarge(200 * 1024 * 1024), false);
});
