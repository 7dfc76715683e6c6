import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/** A corpus measurement: how many readings were compared and each difference (key -> upstream against ours). */
export class Comparison {
  compared = 0;
  readonly differences = new Map<string, string>();

  /** One check; a failed one is kept under `key` with its detail. */
  check(key: string, agrees: boolean, detail: string): void {
    this.compared++;
    if (!agrees) this.differences.set(key, detail);
  }

  /** Every attribute upstream gives against ours, keyed `<key>:<attribute>`; `context` is added to each detail. */
  readings(key: string, upstream: Record<string, unknown>, ours: Record<string, unknown>, context = ''): void {
    for (const [attribute, value] of Object.entries(upstream)) {
      const mine = ours[attribute];
      const detail = `upstream ${JSON.stringify(value)}, ours ${JSON.stringify(mine)}${context}`;
      this.check(`${key}:${attribute}`, mine === value, detail);
    }
  }
}

/**
 * A corpus measurement's verdict: prints the agreement and every difference, then fails on a difference `known` does
 * not list (key -> why) and on a listed one that is gone (then remove it).
 */
export function assertKnownDifferences(t: TestContext, comparison: Comparison, known: Record<string, string>): void {
  const { compared, differences } = comparison;
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
