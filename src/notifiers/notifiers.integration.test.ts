import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { createNotifier, NOTIFIER_KINDS, type NotifierSettings } from './create-notifier.ts';
import { DISCORD_LIMITS, embedCharacterCount } from './discord-notifier.ts';
import { type LoopbackServer, sendJson, startLoopbackServer } from './loopback-http-server.ts';
import type { Notification } from './notifier.ts';

const sample: Notification = {
  title: 'Process down: nginx',
  message: 'nginx is not running on host web-1 (@everyone <!channel>)',
  severity: 'high',
  category: 'alert',
  source: 'monitor',
  fields: [
    { name: 'host', value: 'web-1' },
    { name: 'rule', value: 'process-down' },
  ],
};

/** Settings pointing at `url` for each kind, so the contract cases below run against every notifier. */
function settingsFor(kind: string, url: string): NotifierSettings {
  switch (kind) {
    case 'discord':
      return { kind, webhook_url: `${url}/api/webhooks/1/abc`, timeout: 5, max_retries: 2 };
    case 'home-assistant':
      return {
        kind,
        url,
        token: 'ha-token',
        tts_entity: 'tts.google_translate_en_com',
        media_player_entity_id: 'media_player.kitchen',
        max_speech_characters: 200,
        timeout: 5,
        max_retries: 2,
      };
    case 'slack':
      return { kind, webhook_url: `${url}/services/T/B/X`, timeout: 5, max_retries: 2 };
    case 'teams':
      return { kind, webhook_url: `${url}/webhook`, timeout: 5, max_retries: 2 };
    case 'webhook':
      return { kind, url: `${url}/hook`, signature_header: 'X-Signature-256', headers: {}, timeout: 5, max_retries: 2 };
    default:
      throw new Error(`no settings for ${kind}`);
  }
}

const noWait = async () => {};
const servers: LoopbackServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function serve(respond: Parameters<typeof startLoopbackServer>[0]) {
  const server = await startLoopbackServer(respond);
  servers.push(server);
  return server;
}

// The shared contract every notifier kind must satisfy.
for (const kind of NOTIFIER_KINDS) {
  describe(`notifier contract: ${kind}`, () => {
    test('a 2xx answer is sent, with one JSON POST', async () => {
      const server = await serve((_request, response) => {
        if (kind === 'slack') {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end('ok');
        } else sendJson(response, kind === 'discord' ? 200 : 200, kind === 'home-assistant' ? [] : {});
      });
      const notifier = createNotifier(settingsFor(kind, server.url), { sleep: noWait });
      assert.equal(notifier.kind, kind);
      assert.deepEqual(await notifier.send(sample), { status: 'sent' });
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0].method, 'POST');
      assert.match(String(server.requests[0].headers['content-type']), /application\/json/);
      assert.doesNotThrow(() => JSON.parse(server.requests[0].body));
    });

    test('a 4xx other than 429 fails at once and is not retryable', async () => {
      const server = await serve((_request, response) => sendJson(response, 400, { message: 'bad payload' }));
      const result = await createNotifier(settingsFor(kind, server.url), { sleep: noWait }).send(sample);
      assert.equal(result.status, 'failed');
      assert.equal(result.status === 'failed' && result.isRetryable, false);
      assert.match(result.status === 'failed' ? result.error : '', /HTTP 400/);
      assert.equal(server.requests.length, 1);
    });

    test('a 5xx is retried a bounded number of times, then fails retryable', async () => {
      const server = await serve((_request, response) => sendJson(response, 503, { message: 'down' }));
      const result = await createNotifier(settingsFor(kind, server.url), { sleep: noWait }).send(sample);
      assert.equal(result.status, 'failed');
      assert.equal(result.status === 'failed' && result.isRetryable, true);
      assert.equal(server.requests.length, 3);
    });

    test('a refused connection fails retryable without throwing', async () => {
      const server = await serve(() => {});
      const url = server.url;
      await server.close();
      servers.splice(servers.indexOf(server), 1);
      const result = await createNotifier(settingsFor(kind, url), { sleep: noWait }).send(sample);
      assert.equal(result.status, 'failed');
      assert.equal(result.status === 'failed' && result.isRetryable, true);
    });
  });
}

describe('discord', () => {
  test('honours a 429 with retry_after (seconds, JSON body), then succeeds', async () => {
    const waits: number[] = [];
    const server = await serve((_request, response, index) => {
      if (index === 0) {
        sendJson(
          response,
          429,
          { message: 'You are being rate limited.', retry_after: 0.25, global: false },
          { 'retry-after': '1', 'x-ratelimit-scope': 'shared' },
        );
      } else {
        response.writeHead(204);
        response.end();
      }
    });
    const notifier = createNotifier(settingsFor('discord', server.url), {
      sleep: async (milliseconds) => {
        waits.push(milliseconds);
      },
    });
    assert.deepEqual(await notifier.send(sample), { status: 'sent' });
    assert.equal(server.requests.length, 2);
    assert.deepEqual(waits, [250], 'the JSON retry_after wins over the rounded header');
    // The copied URL has no version; we pin v10 (see versionedWebhookUrl).
    assert.equal(server.requests[0].path, '/api/v10/webhooks/1/abc');
  });

  test('falls back to the Retry-After header when the body has no retry_after', async () => {
    const waits: number[] = [];
    const server = await serve((_request, response, index) => {
      if (index === 0) {
        response.writeHead(429, { 'retry-after': '2', 'content-type': 'text/plain' });
        response.end('slow down');
      } else sendJson(response, 200, {});
    });
    const notifier = createNotifier(settingsFor('discord', server.url), {
      sleep: async (milliseconds) => {
        waits.push(milliseconds);
      },
    });
    assert.deepEqual(await notifier.send(sample), { status: 'sent' });
    assert.deepEqual(waits, [2000]);
  });

  test('a 503 with Retry-After waits what the server asks (HTTP date too), then succeeds', async () => {
    const waits: number[] = [];
    const server = await serve((_request, response, index) => {
      if (index === 0) {
        response.writeHead(503, { 'retry-after': '3', 'content-type': 'text/plain' });
        response.end('maintenance');
      } else if (index === 1) {
        response.writeHead(503, { 'retry-after': new Date(Date.now() + 4_000).toUTCString() });
        response.end('maintenance');
      } else sendJson(response, 200, {});
    });
    const notifier = createNotifier(settingsFor('discord', server.url), {
      sleep: async (milliseconds) => {
        waits.push(milliseconds);
      },
    });
    assert.deepEqual(await notifier.send(sample), { status: 'sent' });
    assert.equal(waits[0], 3000);
    assert.ok(waits[1] > 2000 && waits[1] <= 4000, `HTTP-date Retry-After gave ${waits[1]} ms`);
  });

  test('never mentions anyone and keeps the embed within the documented limits', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, {}));
    const huge: Notification = {
      title: 'T'.repeat(1000),
      message: 'D'.repeat(10_000),
      severity: 'high',
      fields: Array.from({ length: 40 }, (_, index) => ({ name: `N${index}`.repeat(100), value: 'V'.repeat(2000) })),
    };
    await createNotifier(settingsFor('discord', server.url), { sleep: noWait }).send(huge);
    const payload = JSON.parse(server.requests[0].body);
    assert.deepEqual(payload.allowed_mentions, { parse: [] });
    const [embed] = payload.embeds;
    assert.ok(Array.from(embed.title as string).length <= DISCORD_LIMITS.title);
    assert.ok(Array.from(embed.description as string).length <= DISCORD_LIMITS.description);
    assert.ok(embed.fields.length <= DISCORD_LIMITS.fields);
    for (const field of embed.fields) {
      assert.ok(field.name.length <= DISCORD_LIMITS.fieldName);
      assert.ok(field.value.length <= DISCORD_LIMITS.fieldValue);
    }
    assert.ok(embedCharacterCount(embed) <= DISCORD_LIMITS.total, `total ${embedCharacterCount(embed)}`);
    assert.ok(embed.description.length > 0);
  });

  test('gives up (retryable) when the rate limit asks for a longer wait than allowed', async () => {
    const server = await serve((_request, response) => sendJson(response, 429, { retry_after: 3600, global: true }));
    const result = await createNotifier(settingsFor('discord', server.url), { sleep: noWait }).send(sample);
    assert.equal(result.status, 'failed');
    assert.match(result.status === 'failed' ? result.error : '', /rate limited for 3600s/);
    assert.equal(server.requests.length, 1);
  });
});

describe('home-assistant', () => {
  const haServer = () =>
    serve((request, response) => {
      if (request.headers.authorization !== 'Bearer ha-token') {
        sendJson(response, 401, { message: 'Invalid authentication' });
        return;
      }
      if (request.path !== '/api/services/tts/speak') {
        sendJson(response, 404, { message: 'Service not found' });
        return;
      }
      const body = JSON.parse(request.body);
      if (typeof body.entity_id !== 'string' || typeof body.media_player_entity_id !== 'string' || !body.message) {
        sendJson(response, 400, { message: 'Invalid data for call_service' });
        return;
      }
      sendJson(response, 200, []);
    });

  test('speaks through tts.speak with the bearer token, entity, speaker and a short sentence', async () => {
    const server = await haServer();
    const result = await createNotifier(
      { ...settingsFor('home-assistant', `${server.url}/`), max_speech_characters: 60 } as NotifierSettings,
      { sleep: noWait },
    ).send({ ...sample, title: `Process down: nginx, see https://example.com/runbook ${'x'.repeat(200)}` });
    assert.deepEqual(result, { status: 'sent' });
    const body = JSON.parse(server.requests[0].body);
    assert.equal(body.entity_id, 'tts.google_translate_en_com');
    assert.equal(body.media_player_entity_id, 'media_player.kitchen');
    assert.ok(body.message.length <= 60);
    assert.match(body.message, /^high alert: Process down: nginx, see a link/);
  });

  test('a wrong token is a non-retryable failure', async () => {
    const server = await haServer();
    const result = await createNotifier(
      { ...settingsFor('home-assistant', server.url), token: 'wrong' } as NotifierSettings,
      { sleep: noWait },
    ).send(sample);
    assert.equal(result.status, 'failed');
    assert.match(result.status === 'failed' ? result.error : '', /HTTP 401/);
    assert.equal(result.status === 'failed' && result.isRetryable, false);
  });
});

describe('slack, teams, webhook payloads', () => {
  test('slack escapes mention markup (<!channel>, <@U>) in the text', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
    await createNotifier(settingsFor('slack', server.url), { sleep: noWait }).send(sample);
    const payload = JSON.parse(server.requests[0].body);
    assert.doesNotMatch(server.requests[0].body, /<!channel>/);
    assert.match(payload.blocks[1].text.text, /&lt;!channel&gt;/);
  });

  test('teams posts one Adaptive Card with the fields as facts', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(202);
      response.end();
    });
    assert.deepEqual(await createNotifier(settingsFor('teams', server.url)).send(sample), { status: 'sent' });
    const payload = JSON.parse(server.requests[0].body);
    assert.equal(payload.type, 'message');
    assert.equal(payload.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
    const card = payload.attachments[0].content;
    assert.equal(card.type, 'AdaptiveCard');
    const facts = card.body.find((element: { type: string }) => element.type === 'FactSet').facts;
    assert.deepEqual(facts[0], { title: 'host', value: 'web-1' });
  });

  test('webhook signs the exact body with HMAC-SHA256 and sends extra headers', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, {}));
    await createNotifier({
      ...settingsFor('webhook', server.url),
      secret: 's3cret',
      headers: { 'x-api-key': 'k' },
    } as NotifierSettings).send(sample);
    const request = server.requests[0];
    const expected = `sha256=${createHmac('sha256', 's3cret').update(request.body).digest('hex')}`;
    assert.equal(request.headers['x-signature-256'], expected);
    assert.equal(request.headers['x-api-key'], 'k');
    assert.equal(JSON.parse(request.body).title, sample.title);
  });
});

test('an unknown kind lists the known ones; bad settings name the key', () => {
  assert.throws(() => createNotifier({ kind: 'pager' }), /known kinds: discord, home-assistant, slack, teams, webhook/);
  assert.throws(() => createNotifier({ kind: 'discord', webhook_url: 'ftp://x' } as never), /webhook_url/);
});

test('a request path or user name cannot become a masked link or markup in Discord and Teams alerts', async () => {
  // The top path of an incident is the scanner's (decoded) request path: it chooses the text and the link.
  const phishing: Notification = {
    title: 'secrets scanning from 203.0.113.9 (blocked)',
    message: 'users root, [Unblock 10.0.0.1 here](https://phish.example/approve) **urgent**',
    severity: 'high',
    fields: [{ name: 'Top path', value: '/.env/[review and approve](https://phish.example/x)' }],
  };
  const masked = /(^|[^\\])\[[^\]]*(^|[^\\])\]\(/;
  const discord = await serve((_request, response) => sendJson(response, 200, {}));
  await createNotifier(settingsFor('discord', discord.url), { sleep: noWait }).send(phishing);
  const [embed] = JSON.parse(discord.requests[0].body).embeds;
  for (const text of [embed.description, ...embed.fields.map((field: { value: string }) => field.value)])
    assert.doesNotMatch(text, masked, `masked link in ${text}`);
  assert.equal(embed.fields[0].value, '/.env/\\[review and approve\\](https://phish.example/x)');
  assert.match(embed.description, /\*\*urgent\*\*$/, 'emphasis is only cosmetic and stays');
  const teams = await serve((_request, response) => sendJson(response, 200, {}));
  await createNotifier(settingsFor('teams', teams.url), { sleep: noWait }).send(phishing);
  const card = JSON.parse(teams.requests[0].body).attachments[0].content;
  const texts = [card.body[1].text, ...card.body[2].facts.map((fact: { value: string }) => fact.value)];
  for (const text of texts) assert.doesNotMatch(text, masked, `masked link in ${text}`);
});
