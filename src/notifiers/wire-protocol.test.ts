import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createNotifier } from './create-notifier.ts';
import type { SendResult } from './notifier.ts';
import {
  answer,
  type DocumentedResponse,
  firstThen,
  readFixture,
  recordingSleep,
  serve,
  settingsFor,
} from './wire-test-support.ts';

/**
 * Each service's documented answers replayed from a loopback server (__fixtures__/README.md names the sources):
 * 429 and 5xx are retried a bounded number of times, honouring the server's wait up to our 60 s cap; other 4xx are
 * final at once; every failure says which service and what it answered, never the secret URL.
 */

const sample = { title: 'Process down: nginx', message: 'nginx is not running on web-1', severity: 'high' as const };
type Outcome = 'sent' | 'final' | 'retryable';

function outcomeOf(result: SendResult): Outcome {
  if (result.status === 'sent') return 'sent';
  return result.isRetryable ? 'retryable' : 'final';
}

function errorOf(result: SendResult): string {
  return result.status === 'failed' ? result.error : '';
}

const OK: Record<string, DocumentedResponse> = {
  discord: { status: 204, body: '' },
  slack: { status: 200, body: 'ok' },
  teams: { status: 202, body: '' },
  'home-assistant': { status: 200, body: [] },
  webhook: { status: 200, body: {} },
};

async function exchange(kind: string, first: DocumentedResponse) {
  const server = await serve(firstThen(first, OK[kind]));
  const clock = recordingSleep();
  const result = await createNotifier(settingsFor(kind, server.url), { sleep: clock.sleep }).send(sample);
  return { result, requests: server.requests, waits: clock.waits };
}

describe('discord: documented rate-limit answers (docs/topics/rate-limits.md)', () => {
  const responses = readFixture<Array<DocumentedResponse & { name: string }>>(
    'discord-api-docs/rate-limit-responses.json',
  );
  for (const response of responses) {
    test(response.name, async () => {
      const { result, requests, waits } = await exchange('discord', response);
      // Unversioned /api/ routes go to the default version, v6, whose retry_after and Retry-After were milliseconds
      // (docs/reference.md#api-versioning, docs/topics/Rate_Limits.md); discord.js pins v10, so do we.
      assert.match(requests[0].path, /^\/api\/v10\/webhooks\/111\/discord-token-secret$/);
      const body = response.body as { retry_after: number };
      const asked = Math.ceil(body.retry_after * 1000);
      if (response.name.startsWith('v6')) {
        // Replayed to a v10 route, the v6 numbers read as seconds (6457 s): past our cap, so one try and a clear stop.
        assert.equal(requests.length, 1);
        assert.match(errorOf(result), /rate limited for 6457s/);
      } else {
        // Every documented example asks for more than our 60 s cap: give up now (retryable), never sleep that long.
        assert.equal(requests.length, 1);
        assert.deepEqual(waits, []);
        assert.match(errorOf(result), new RegExp(`HTTP 429 .*rate limited for ${Math.ceil(asked / 1000)}s`));
      }
      assert.equal(outcomeOf(result), 'retryable');
    });
  }

  test('a short documented-shape 429 is waited out from the float retry_after, then sent', async () => {
    const { result, requests, waits } = await exchange('discord', {
      status: 429,
      headers: { 'retry-after': '1', 'x-ratelimit-reset-after': '0.25', 'x-ratelimit-scope': 'user' },
      body: { message: 'You are being rate limited.', retry_after: 0.25, global: false },
    });
    assert.equal(outcomeOf(result), 'sent');
    assert.equal(requests.length, 2);
    assert.deepEqual(waits, [250]);
  });

  test('a float retry_after never waits longer than the Retry-After header says', async () => {
    // Both are documented to say the same wait (header in whole seconds); a body far above the header is a unit
    // mix-up (milliseconds), and the header is the bound.
    const { result, waits } = await exchange('discord', {
      status: 429,
      headers: { 'retry-after': '2' },
      body: { message: 'You are being rate limited.', retry_after: 1337, global: false },
    });
    assert.equal(outcomeOf(result), 'sent');
    assert.deepEqual(waits, [2000]);
  });

  for (const [status, body] of [
    [404, { message: 'Unknown Webhook', code: 10015 }],
    [401, { message: 'Invalid Webhook Token', code: 50027 }],
    [400, { code: 50035, errors: { embeds: { 0: { description: { _errors: [] } } } }, message: 'Invalid Form Body' }],
  ] as const) {
    test(`a ${status} (${body.message}) is final after one request, with Discord's message`, async () => {
      // rate-limits.md: "If a webhook returns a 404 status you should not attempt to use it again".
      const { result, requests } = await exchange('discord', { status, body });
      assert.equal(outcomeOf(result), 'final');
      assert.equal(requests.length, 1);
      assert.match(errorOf(result), new RegExp(`discord: HTTP ${status} .*${body.message}`));
      assert.doesNotMatch(errorOf(result), /discord-token-secret/);
    });
  }
});

test('a refused connection says why, and never shows the secret path of the webhook URL', async () => {
  const server = await serve(() => {});
  const { url } = server;
  await server.close();
  for (const kind of ['discord', 'slack', 'teams']) {
    const result = await createNotifier(settingsFor(kind, url), { sleep: async () => {} }).send(sample);
    assert.equal(outcomeOf(result), 'retryable');
    assert.match(errorOf(result), new RegExp(`^${kind}: request failed \\(fetch failed: .*ECONNREFUSED`));
    assert.doesNotMatch(errorOf(result), /secret/);
  }
});

describe('slack: incoming webhook answers (changelog 2016-05-17: status + plain-text body)', () => {
  const responses = readFixture<Array<DocumentedResponse & { outcome: Outcome }>>('slack/webhook-responses.json');
  for (const response of responses) {
    test(`${response.status} ${response.body} is ${response.outcome}`, async () => {
      const { result, requests, waits } = await exchange('slack', response);
      assert.equal(outcomeOf(result), response.outcome === 'retryable' ? 'sent' : response.outcome);
      if (response.outcome === 'final') {
        assert.equal(requests.length, 1);
        assert.equal(errorOf(result), `slack: HTTP ${response.status} ${response.body}`);
      }
      if (response.status === 429) assert.deepEqual(waits, [1000], 'Retry-After: 1 honoured');
      if (response.status === 500) assert.equal(requests.length, 2, 'retried, then the next answer counts');
      assert.doesNotMatch(errorOf(result), /slack-secret/);
    });
  }
});

describe('teams: Workflows and connector answers (msteams-docs)', () => {
  const responses = readFixture<Array<DocumentedResponse & { name: string; outcome: Outcome }>>(
    'msteams-docs/webhook-responses.json',
  );
  for (const response of responses) {
    test(`${response.name}: ${response.outcome}`, async () => {
      const server = await serve((_request, reply) => answer(reply, response));
      const clock = recordingSleep();
      const result = await createNotifier(settingsFor('teams', server.url), { sleep: clock.sleep }).send(sample);
      assert.equal(outcomeOf(result), response.outcome);
      if (response.outcome === 'retryable') {
        assert.equal(server.requests.length, 3, 'bounded: max_retries 2');
        assert.match(errorOf(result), /teams: .*HTTP error 429/);
      }
      if (response.outcome === 'final') {
        assert.equal(server.requests.length, 1);
        assert.match(
          errorOf(result),
          response.status === 200 ? /HTTP error 413/ : /HTTP 400 Summary or Text is required/,
        );
      }
    });
  }
});

describe('home-assistant: REST service call answers (developers.home-assistant docs/api/rest.md)', () => {
  const responses = readFixture<Array<DocumentedResponse & { name: string; outcome: Outcome }>>(
    'home-assistant/rest-responses.json',
  );
  for (const response of responses) {
    test(`${response.name}: ${response.outcome}`, async () => {
      const server = await serve((_request, reply) => answer(reply, response));
      const result = await createNotifier(settingsFor('home-assistant', server.url), { sleep: async () => {} }).send(
        sample,
      );
      assert.equal(outcomeOf(result), response.outcome);
      const [request] = server.requests;
      assert.equal(request.path, '/api/services/tts/speak');
      assert.equal(request.headers.authorization, 'Bearer ha-token');
      assert.deepEqual(Object.keys(JSON.parse(request.body)).sort(), [
        'entity_id',
        'media_player_entity_id',
        'message',
      ]);
      if (response.outcome === 'final') {
        // A 401 counts as a failed login against ip_ban (http integration): one try only.
        assert.equal(server.requests.length, 1);
        assert.equal(errorOf(result), `home-assistant: HTTP ${response.status} ${String(response.body)}`);
        assert.doesNotMatch(errorOf(result), /ha-token/);
      }
    });
  }
});
