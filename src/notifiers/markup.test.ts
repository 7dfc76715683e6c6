import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createNotifier } from './create-notifier.ts';
import { sendJson } from './loopback-http-server.ts';
import { escapeMarkdown, type Notification } from './notifier.ts';
import { LONE_SURROGATE, readFixture, serve, settingsFor } from './wire-test-support.ts';

/**
 * What attacker-written text (request paths, sshd user names, user agents) becomes in each channel's markup, and
 * whether our messages stay inside each service's documented limits. Sources are cited per case and in
 * __fixtures__/README.md.
 */

const noWait = async () => {};

async function payloadFor(kind: string, message: Notification) {
  const server = await serve((_request, response) => {
    if (kind === 'slack') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    } else sendJson(response, 200, {});
  });
  const result = await createNotifier(settingsFor(kind, server.url), { sleep: noWait }).send(message);
  assert.deepEqual(result, { status: 'sent' });
  return { body: server.requests[0].body, payload: JSON.parse(server.requests[0].body) };
}

const MENTIONS =
  '@everyone @here <@80351110224678912> <@!80351110224678912> <@&165511591545143296> <#103735883630395392>';

const hostile: Notification = {
  title: `login attack on web-1 by ${MENTIONS}`,
  message: `users root, ${MENTIONS}, [Unblock 10.0.0.1 here](https://phish.example/approve) ||hidden||`,
  severity: 'high',
  fields: [
    { name: 'user agent', value: `<https://phish.example> ${MENTIONS}` },
    { name: 'top path', value: '/.env/[review and approve](https://phish.example/x)' },
  ],
};

/** Removes Discord's backslash escapes (markdown punctuation after a backslash is literal). */
const unescapeDiscord = (text: string) => text.replace(/\\([\\[\]<>|*_~`#-])/g, '$1');

describe('discord: mentions, links, hidden text', () => {
  test('the webhook body suppresses every mention (docs/resources/message#allowed-mentions-object: parse [])', async () => {
    const { payload } = await payloadFor('discord', hostile);
    assert.deepEqual(payload.allowed_mentions, { parse: [] });
    assert.equal(payload.content, undefined, 'no content: embeds never ping, content could');
    const [embed] = payload.embeds;
    for (const text of [
      embed.title,
      embed.description,
      ...embed.fields.map((field: { value: string }) => field.value),
    ]) {
      // Mention and channel syntax is <@id>, <@!id>, <@&id>, <#id> (docs/reference#message-formatting).
      assert.doesNotMatch(text, /(^|[^\\])<[@#]/, `mention syntax survives in ${text}`);
      assert.doesNotMatch(text, /(^|[^\\])\[[^\]]*[^\\]\]\(/, `masked link survives in ${text}`);
      assert.doesNotMatch(text, /(^|[^\\])\|\|/, `spoiler (hidden text) survives in ${text}`);
    }
  });

  // discord.js's own escaper tests: the syntaxes that hide text or make links are neutralised as upstream does;
  // emphasis, headings and code are cosmetic in log text and kept (the daily recap uses emphasis): asserted as kept.
  const cases =
    readFixture<Array<{ escaper: string; test: string; input: string; upstream: string }>>('discord.js/escapers.json');
  for (const item of cases) {
    test(`discord.js ${item.escaper} (${item.test})`, () => {
      const ours = escapeMarkdown(item.input);
      if (item.escaper === 'escapeSpoiler') assert.equal(ours, item.upstream);
      else if (item.escaper === 'escapeMaskedLink') {
        // Upstream escapes only `[`; we escape `]` too. Both leave no masked link, and read back as the input.
        assert.equal(unescapeDiscord(ours), item.input);
        assert.doesNotMatch(ours, /(^|[^\\])\[/);
      } else assert.equal(ours, item.input, `${item.escaper}: documented difference, kept as written`);
    });
  }
});

describe('slack: the documented &, <, > escaping and no automatic parsing', () => {
  const cases = readFixture<Array<{ input: string; escaped: string }>>('slack/escaping-cases.json');
  for (const item of cases) {
    test(`escapes ${item.input}`, async () => {
      const { payload } = await payloadFor('slack', {
        title: `alert ${item.input}`,
        message: `seen ${item.input}`,
        severity: 'high',
        fields: [{ name: 'user', value: item.input }],
      });
      const mrkdwn = [payload.blocks[1].text, ...payload.blocks[2].fields];
      assert.equal(mrkdwn[0].text, `seen ${item.escaped}`);
      assert.ok(mrkdwn[1].text.endsWith(item.escaped), mrkdwn[1].text);
      assert.equal(payload.text, `[high] alert ${item.escaped}`);
      for (const object of mrkdwn) {
        assert.equal(object.type, 'mrkdwn');
        // reference/block-kit/composition-objects/text-object: verbatim false (the default) auto-links channel
        // names and parses certain mentions; true keeps plain-text content as written.
        assert.equal(object.verbatim, true, 'mrkdwn carrying log text is verbatim');
      }
    });
  }

  test('a cut never leaves a bare & (half an entity) at the end of a 3000-character text', async () => {
    for (let pad = 2990; pad <= 2999; pad++) {
      const { payload } = await payloadFor('slack', {
        title: 't',
        message: `${'a'.repeat(pad)}<<<<&&&&`,
        severity: 'low',
      });
      const text: string = payload.blocks[1].text.text;
      assert.ok(text.length <= 3000, `section text is ${text.length} long`);
      assert.doesNotMatch(text.replace(/&(amp|lt|gt);/g, ''), /&/, `half an entity at pad ${pad}: ${text.slice(-12)}`);
    }
  });
});

describe('teams: Adaptive Card markdown', () => {
  test('attacker text cannot form a [text](url) link, whatever the client does with backslashes', async () => {
    // adaptive-cards/authoring-cards/text-features: TextBlock markdown supports [Title](url); cards-format.md: so
    // do Fact.Title and Fact.Value. Clients differ on backslash escapes (microsoft/AdaptiveCards#4677,
    // MicrosoftDocs/msteams-docs#5793), so a link must be impossible without relying on them.
    const { payload } = await payloadFor('teams', hostile);
    const card = payload.attachments[0].content;
    const texts: string[] = [];
    JSON.stringify(card, (key, value) => {
      if ((key === 'text' || key === 'title' || key === 'value') && typeof value === 'string') texts.push(value);
      return value;
    });
    assert.ok(texts.length >= 5);
    for (const text of texts) assert.doesNotMatch(text, /\]\s*\(/, `a link can form in ${text}`);
    assert.ok(
      texts.some((text) =>
        text.replace(/\u200B/g, '').includes('[Unblock 10.0.0.1 here](https://phish.example/approve)'),
      ),
      'the text itself is still shown as written, with no backslashes added',
    );
  });
});

describe('size limits, cut on character boundaries', () => {
  const astral = '😀'.repeat(7000);
  const big: Notification = {
    title: astral,
    message: astral,
    severity: 'critical',
    fields: Array.from({ length: 30 }, (_, index) => ({ name: `${index}${astral}`, value: astral })),
  };

  test('discord: every embed limit holds in UTF-16 units, as discord.js validates (string length)', async () => {
    // docs/resources/message#embed-object-embed-limits; discord.js builders' Assertions use JS string length.
    const { payload } = await payloadFor('discord', big);
    const [embed] = payload.embeds;
    assert.ok(embed.title.length <= 256, `title ${embed.title.length}`);
    assert.ok(embed.description.length <= 4096, `description ${embed.description.length}`);
    assert.ok(embed.fields.length <= 25);
    let total = embed.title.length + embed.description.length + embed.footer.text.length;
    for (const field of embed.fields) {
      assert.ok(
        field.name.length <= 256 && field.value.length <= 1024,
        `field ${field.name.length}/${field.value.length}`,
      );
      total += field.name.length + field.value.length;
    }
    assert.ok(total <= 6000, `embed total ${total}`);
    // JSON.stringify writes a lone surrogate as a \udXXXX escape and a valid pair as itself.
    assert.doesNotMatch(JSON.stringify(payload), /\\ud[89a-f][0-9a-f]{2}/i);
    for (const text of [embed.title, embed.description]) assert.doesNotMatch(text, LONE_SURROGATE);
  });

  test('slack: header 150, section text 3000, field text 2000 (Block Kit reference), no split pair', async () => {
    const { payload } = await payloadFor('slack', big);
    assert.ok(payload.blocks[0].text.text.length <= 150);
    assert.ok(payload.blocks[1].text.text.length <= 3000);
    for (const field of payload.blocks[2].fields) assert.ok(field.text.length <= 2000);
    assert.ok(payload.blocks[2].fields.length <= 10);
    assert.ok(payload.text.length <= 3000);
    for (const text of [payload.blocks[0].text.text, payload.blocks[1].text.text, payload.text])
      assert.doesNotMatch(text, LONE_SURROGATE);
  });

  test('teams: the whole body stays under the 28 KB message limit (add-incoming-webhook.md)', async () => {
    const wide = '監'.repeat(9000);
    const { body } = await payloadFor('teams', {
      title: wide,
      message: wide,
      severity: 'high',
      fields: Array.from({ length: 30 }, (_, index) => ({ name: `${index}${wide}`, value: wide })),
    });
    assert.ok(Buffer.byteLength(body) <= 28 * 1024, `Teams body is ${Buffer.byteLength(body)} bytes`);
    const card = JSON.parse(body).attachments[0].content;
    assert.ok(JSON.stringify(card).includes('監'), 'the message is cut, not dropped');
  });
});
