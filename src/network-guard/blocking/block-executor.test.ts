import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markRetriesExhausted } from '../../core/retry.ts';
import { applyWithRetries } from './block-executor.ts';
import type { ActionResult, Blocker, BlockRequest } from './blocker.ts';

/** A blocker whose apply answers from a script: the executor's retry decisions are what is under test. */
function scriptedBlocker(answers: Array<() => ActionResult>): Blocker & { calls: number } {
  const blocker = {
    kind: 'scripted',
    calls: 0,
    plan: async () => {
      throw new Error('not used');
    },
    apply: async () => {
      blocker.calls++;
      return (answers.shift() ?? (() => ({ status: 'applied', detail: 'ok' }) as ActionResult))();
    },
    revert: async () => ({ status: 'unchanged', detail: 'not used' }) as ActionResult,
  };
  return blocker;
}

const request = { target: '203.0.113.9' } as BlockRequest;
const noWait = { sleep: async () => {} };

test('a retryable failure nobody retried yet (the deny-list file) is retried, bounded', async () => {
  const flaky = scriptedBlocker([() => ({ status: 'failed', error: 'EBUSY', isRetryable: true })]);
  assert.equal((await applyWithRetries(flaky, request, noWait)).status, 'applied');
  assert.equal(flaky.calls, 2);
  const dead = scriptedBlocker(
    Array.from({ length: 9 }, () => () => ({ status: 'failed', error: 'EIO', isRetryable: true }) as ActionResult),
  );
  assert.equal((await applyWithRetries(dead, request, noWait)).status, 'failed');
  assert.equal(dead.calls, 3);
});

test('a failure the Kubernetes client already retried is final: the executor does not multiply the retries', async () => {
  const exhausted = (): ActionResult => {
    const result: ActionResult = { status: 'failed', error: 'cannot reach the API server', isRetryable: true };
    markRetriesExhausted(result);
    return result;
  };
  const blocker = scriptedBlocker([exhausted, exhausted, exhausted]);
  const result = await applyWithRetries(blocker, request, noWait);
  assert.equal(result.status, 'failed');
  assert.equal(blocker.calls, 1);
});

test('a refusal or a thrown bug is not retried', async () => {
  const refused = scriptedBlocker([() => ({ status: 'failed', error: 'refused: private range', isRetryable: false })]);
  assert.equal((await applyWithRetries(refused, request, noWait)).status, 'failed');
  assert.equal(refused.calls, 1);
  const buggy = scriptedBlocker([
    () => {
      throw new TypeError('bug');
    },
  ]);
  assert.deepEqual(await applyWithRetries(buggy, request, noWait), {
    status: 'failed',
    error: 'bug',
    isRetryable: false,
  });
  assert.equal(buggy.calls, 1);
});
