// The retry policy against a loopback HTTP server that answers 429/503 with Retry-After, the way rate-limited and
// overloaded services do. Pauses go through an injected sleep (recorded, not waited) so the test is fast and exact.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { IntegrationError } from './errors.ts';
import { isExhausted, parseRetryAfter, type RetryPolicy, withRetry } from './retry.ts';

type Answer = { status: number; retryAfter?: string };
let server: Server;
let url: string;
let script: Answer[] = [];
let requests = 0;

before(async () => {
  server = createServer((_request, response) => {
    requests++;
    const answer = script.shift() ?? { status: 200 };
    response.writeHead(answer.status, answer.retryAfter === undefined ? {} : { 'retry-after': answer.retryAfter });
    response.end(answer.status === 200 ? 'ok' : 'busy');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

/** One outbound call, failing the way our clients do: an IntegrationError that knows if a retry can help. */
async function get(): Promise<string> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.ok) return text;
  const retryable = response.status === 429 || response.status >= 500;
  throw new IntegrationError('loopback', `HTTP ${response.status}`, {
    isRetryable: retryable,
    statusCode: response.status,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
}

function recorder() {
  const pauses: number[] = [];
  return { pauses, sleep: async (milliseconds: number) => void pauses.push(milliseconds) };
}

const POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 10_000, totalTimeMs: 60_000 };

function reset(answers: Answer[]): void {
  script = answers;
  requests = 0;
}

test('honours Retry-After from 503 and 429 (seconds and HTTP date), then succeeds', async () => {
  const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
  reset([
    { status: 503, retryAfter: '1' },
    { status: 429, retryAfter: '0.25' },
    { status: 429, retryAfter: inTwoSeconds },
  ]);
  const { pauses, sleep } = recorder();
  assert.equal(await withRetry(get, POLICY, { sleep }), 'ok');
  assert.equal(requests, 4);
  assert.deepEqual(pauses.slice(0, 2), [1000, 250]);
  assert.ok(pauses[2] > 0 && pauses[2] <= 2_000, `HTTP-date Retry-After gave ${pauses[2]} ms`);
});

test('retries only what says it is retryable: a 400 is final at once', async () => {
  reset([{ status: 400 }]);
  const { pauses, sleep } = recorder();
  await assert.rejects(withRetry(get, POLICY, { sleep }), /HTTP 400/);
  assert.equal(requests, 1);
  assert.deepEqual(pauses, []);
});

test('bounded attempts, jittered exponential pauses; an exhausted failure is never retried by an outer layer', async () => {
  reset(Array.from({ length: 20 }, () => ({ status: 503 })));
  const { pauses, sleep } = recorder();
  const randoms = [0, 1, 0.5];
  const inner = () => withRetry(get, { ...POLICY, attempts: 4 }, { sleep, random: () => randoms.shift() ?? 0 });
  const error = await withRetry(inner, POLICY, { sleep }).catch((failure: unknown) => failure);
  assert.ok(error instanceof IntegrationError && error.statusCode === 503);
  assert.equal(isExhausted(error), true);
  assert.equal(requests, 4, 'the outer layer must not multiply the inner attempts');
  // steps 100, 200, 400 ms, each scaled by 50-100 %: random 0 -> 50 %, 1 -> 100 %, 0.5 -> 75 %.
  assert.deepEqual(pauses, [50, 200, 300]);
});

test('bounded total time: no pause that would end past the budget', async () => {
  reset(Array.from({ length: 20 }, () => ({ status: 503, retryAfter: '3' })));
  let clock = 0;
  const pauses: number[] = [];
  const sleep = async (milliseconds: number) => {
    pauses.push(milliseconds);
    clock += milliseconds;
  };
  await assert.rejects(withRetry(get, { ...POLICY, attempts: 10, totalTimeMs: 7_000 }, { sleep, now: () => clock }));
  assert.deepEqual(pauses, [3000, 3000]);
  assert.equal(requests, 3);
});

test('a Retry-After longer than the longest pause we accept ends the retries now', async () => {
  reset([{ status: 429, retryAfter: '120' }]);
  const { pauses, sleep } = recorder();
  await assert.rejects(withRetry(get, POLICY, { sleep }), /HTTP 429/);
  assert.equal(requests, 1);
  assert.deepEqual(pauses, []);
});

test('result values: retried only when the caller marks them retryable', async () => {
  type Sent = { status: 'sent' } | { status: 'failed'; isRetryable: boolean; retryAfterMs?: number };
  const outcomes: Sent[] = [
    { status: 'failed', isRetryable: true, retryAfterMs: 40 },
    { status: 'failed', isRetryable: false },
  ];
  const { pauses, sleep } = recorder();
  const result = await withRetry(async (): Promise<Sent> => outcomes.shift() ?? { status: 'sent' }, POLICY, {
    sleep,
    retryableResult: (sent) =>
      sent.status === 'failed' && sent.isRetryable ? { retryAfterMs: sent.retryAfterMs } : undefined,
  });
  assert.deepEqual(result, { status: 'failed', isRetryable: false });
  assert.deepEqual(pauses, [40]);
});

test('parseRetryAfter: seconds, fractions, HTTP dates; junk is ignored', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter(' 1.5 ', now), 1500);
  assert.equal(parseRetryAfter('Tue, 01 Dec 2026 10:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Tue, 01 Dec 2026 09:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('-3', now), undefined);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});
