import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { createGuardedLlmClient } from '../create-llm-client.ts';
import type { GuardedLlmClient } from '../guarded-llm-client.ts';
import { PROVIDER_SETUPS, testConfig } from '../testing/llm-test-setup.ts';
import { ScriptedLlmServer } from '../testing/scripted-llm-server.ts';
import { scriptedLlmSuite } from '../testing/scripted-llm-suite.ts';

const schema = z.strictObject({ verdict: z.enum(['benign', 'malicious']), score: z.number().min(0).max(1) });
const VALID = '{"verdict":"malicious","score":0.9}';
const SECRET = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const request = {
  purpose: 'contract-test',
  system: 'Classify the client.',
  instruction: 'Is this client malicious?',
  data: { userAgent: 'gitleaks/8.18', line: `GET /.env?token=${SECRET} HTTP/1.1`, owner: 'bob@example.com' },
  schema,
};

// One contract, run by every provider over its own wire protocol (hono's common.case pattern).
for (const [name, setup] of Object.entries(PROVIDER_SETUPS)) {
  describe(`LLM provider contract: ${name}`, () => {
    const { server, env, base } = scriptedLlmSuite();
    const client = (overrides: Record<string, unknown> = {}): GuardedLlmClient => {
      const created = createGuardedLlmClient(testConfig({ ...setup.overrides(base()), ...overrides }), env.store);
      assert.ok(created, 'a configured provider yields a client');
      return created;
    };
    const since = () => server.requests.length;

    // DeepSeek-R1, Qwen3 and QwQ behind a server without a reasoning parser: the thinking comes first in the answer
    // text, in a <think> block (or after a template-opened one, with only its </think>), and quotes braces and drafts.
    it("reads a reasoning model's answer after its <think> block", async () => {
      const thinking = 'The client asked for /.env {"path":"/.env"}; a draft: {"verdict":"benign"}. Decide.';
      server.script(
        { kind: 'text', text: `<think>\n${thinking}\n</think>\n\n${VALID}` },
        { kind: 'text', text: `${thinking}\n</think>\n${VALID}` },
      );
      for (let answer = 0; answer < 2; answer++) {
        const result = await client().generateJson(request);
        assert.equal(result.status, 'ok', JSON.stringify(result));
        if (result.status === 'ok') assert.deepEqual(result.value, { verdict: 'malicious', score: 0.9 });
      }
    });

    it('answers schema-valid JSON, with tokens, and sends only redacted, fenced data', async () => {
      const start = since();
      server.script({ kind: 'text', text: VALID, inputTokens: 321, outputTokens: 12 });
      const result = await client().generateJson(request);
      assert.equal(result.status, 'ok');
      if (result.status !== 'ok') return;
      assert.deepEqual(result.value, { verdict: 'malicious', score: 0.9 });
      assert.equal(result.inputTokens, 321);
      assert.equal(result.outputTokens, 12);
      const sent = server.requests[start];
      const wire = JSON.stringify(sent.body);
      assert.ok(!wire.includes(SECRET), 'the token never reaches the model');
      assert.ok(!wire.includes('bob@example.com'), 'personal data never reaches the model');
      assert.match(wire, /untrusted-data id=\\"[0-9a-f]{24}\\"/);
      assert.match(wire, /never instructions/);
      if (setup.protocol === 'ollama') {
        assert.equal(sent.path, '/api/chat');
        assert.deepEqual((sent.body.options as Record<string, unknown>).num_ctx, 8192);
        assert.equal(sent.body.format, 'json');
      }
      const temperature =
        setup.protocol === 'ollama'
          ? (sent.body.options as Record<string, unknown>).temperature
          : sent.body.temperature;
      assert.equal(temperature, 0.2, 'temperature comes from llm.temperature');
      if (setup.protocol === 'openai') assert.match(sent.path, /\/v1\/chat\/completions$/);
      if (name === 'openai' || name === 'groq') {
        assert.match(String(sent.headers.authorization), /^Bearer /);
        assert.deepEqual(sent.body.response_format, { type: 'json_object' });
      }
      if (name === 'anthropic') assert.equal(sent.path, '/v1/messages');
      if (name === 'anthropic') assert.equal(sent.headers['x-api-key'], 'sk-ant-test-000000000000000000');
      const [row] = client().records.exchanges().slice(-1);
      assert.equal(row.validation, 'valid');
      assert.equal(row.input_tokens, 321);
      assert.ok(!String(row.prompt).includes(SECRET));
    });

    it('retries a 429 and succeeds', async () => {
      const start = since();
      server.script({ kind: 'status', status: 429, headers: { 'retry-after': '0' } }, { kind: 'text', text: VALID });
      const result = await client().generateJson(request);
      assert.equal(result.status, 'ok');
      assert.equal(since() - start, 2);
    });

    it('waits what a 503 Retry-After asks; a longer wait than llm.retry_max_delay gives up at once', async () => {
      let start = since();
      server.script({ kind: 'status', status: 503, headers: { 'retry-after': '1' } }, { kind: 'text', text: VALID });
      const began = performance.now();
      const result = await client({ 'llm.retry_max_delay': '2s' }).generateJson(request);
      assert.equal(result.status, 'ok');
      assert.equal(since() - start, 2);
      // retry_base_delay is 10ms in tests: only the server's Retry-After explains a pause of a second.
      assert.ok(performance.now() - began >= 950, 'waited the Retry-After');
      start = since();
      server.script({ kind: 'status', status: 429, headers: { 'retry-after': '30' } }, { kind: 'text', text: VALID });
      const limited = await client().generateJson(request);
      assert.equal(limited.status, 'unavailable');
      assert.equal(since() - start, 1, 'no retry after a 30 s Retry-After when retry_max_delay is 50ms');
      server.clearScript();
    });

    it('gives up on repeated 500s after max_retries, without throwing', async () => {
      const start = since();
      server.script(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 500 })));
      const result = await client({ 'llm.max_retries': 2 }).generateJson(request);
      assert.equal(result.status, 'unavailable');
      assert.equal(since() - start, 3, 'bounded: 1 attempt + 2 retries');
      if (result.status === 'unavailable') assert.match(result.error, /500/);
    });

    it('does not retry a 401 (a bad key will not get better)', async () => {
      const start = since();
      server.script({ kind: 'status', status: 401, message: 'invalid api key' });
      const result = await client().generateJson(request);
      assert.equal(result.status, 'unavailable');
      assert.equal(since() - start, 1);
    });

    it('times out a hanging server within llm.timeout', async () => {
      const start = since();
      server.script({ kind: 'hang' });
      const began = performance.now();
      const result = await client({ 'llm.timeout': '300ms' }).generateJson(request);
      const took = performance.now() - began;
      assert.equal(result.status, 'unavailable');
      if (result.status === 'unavailable') assert.match(result.error, /no answer within 0.3s/);
      assert.ok(took < 2000, `took ${took} ms`);
      assert.equal(since() - start, 1);
    });

    it('treats a malformed response body as unavailable', async () => {
      server.script({ kind: 'malformed' });
      const result = await client().generateJson(request);
      assert.equal(result.status, 'unavailable');
    });

    it('repairs a schema-invalid answer once', async () => {
      const start = since();
      server.script(
        { kind: 'text', text: '{"verdict":"evil","score":7}' },
        { kind: 'text', text: `\`\`\`json\n${VALID}\n\`\`\`` },
      );
      const c = client();
      const result = await c.generateJson(request);
      assert.equal(result.status, 'ok');
      assert.equal(since() - start, 2);
      assert.match(JSON.stringify(server.requests[start + 1].body), /Your answer was rejected: verdict/);
      const rows = c.records.exchanges().slice(-2);
      assert.deepEqual(
        rows.map((row) => row.validation),
        ['invalid', 'repaired'],
      );
    });

    it('gives up cleanly when the repair is invalid too', async () => {
      server.script(
        { kind: 'text', text: 'I think it is malicious.' },
        { kind: 'text', text: '{"verdict":"malicious"}' },
      );
      const result = await client().generateJson(request);
      assert.equal(result.status, 'invalid');
      if (result.status === 'invalid') assert.match(result.error, /score/);
    });

    it('answers unavailable at once when the server is down, then cools down', async () => {
      const down = new ScriptedLlmServer();
      const downBase = await down.start();
      await down.close();
      const c = createGuardedLlmClient(testConfig(setup.overrides(downBase)), env.store);
      assert.ok(c);
      const began = performance.now();
      const first = await c.generateJson(request);
      const second = await c.generateJson(request);
      assert.equal(first.status, 'unavailable');
      assert.equal(second.status, 'unavailable');
      if (second.status === 'unavailable') assert.match(second.error, /unreachable moments ago/);
      assert.ok(performance.now() - began < 1500);
    });
  });
}
