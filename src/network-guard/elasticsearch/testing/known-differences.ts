import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/**
 * A corpus measurement's verdict: prints the agreement and every difference, then fails on a difference `known` does
 * not list (key -> why) and on a listed one that is gone (then remove it).
 */
export function assertKnownDifferences(
  t: TestContext,
  compared: number,
  differences: ReadonlyMap<string, string>,
  known: Record<string, string>,
): void {
  t.diagnostic(`agreement ${compared - differences.size}/${compared}`);
  for (const [key, detail] of differences) t.diagnostic(`${key}: ${detail}`);
  assert.deepEqual(
    [...differences.keys()].filter((key) => !(key in known)),
    [],
    'differences not listed in KNOWN_DIFFERENCES',
  );
  assert.deepEqual(
    Object.keys(known).filter((key) => !differences.has(key)),
    [],
    'listed differences that are gone',
  );
}
