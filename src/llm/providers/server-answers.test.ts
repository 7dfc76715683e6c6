import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { createGuardedLlmClient } from '../create-llm-client.ts';
import { PROVIDER_SETUPS, testConfig } from '../testing/llm-test-setup.ts';
import { scriptedLlmSuite } from '../testing/scripted-llm-suite.ts';

/**
 * Answers as llama.cpp, vLLM, Ollama, TGI, Groq, DeepSeek, OpenRouter, Mistral, LM Studio, LocalAI, Anthropic and OpenAI
 * really send them (__fixtures__/README.md names each source), replayed
 * from a loopback server through the provider packages we ship: reasoning beside the answer never reaches what we
 * parse or record as the answer, a cut answer is never read, tool calls come back in every shape servers use, and an
 * error names the model, the endpoint and the server's own message, retried only on 429 and 5xx.
 */

interface ServerAnswer {
  name: string;
  source: string;
  setup: 'ollama' | 'openai-compatible' | 'groq' | 'openai' | 'anthropic';
  call: 'json' | 'tools';
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
  expect: {
    status: string;
    value?: unknown;
    calls?: Array<{ name: string; input: unknown }>;
    error?: string[];
    requests?: number;
    estimatedTokens?: boolean;
  };
}

const SETUPS = {
  ollama: PROVIDER_SETUPS['ollama (/api/chat URL)'],
  'openai-compatible': PROVIDER_SETUPS['openai-compatible (vLLM/LM Studio /v1)'],
  groq: PROVIDER_SETUPS.groq,
  openai: PROVIDER_SETUPS.openai,
  anthropic: PROVIDER_SETUPS.anthropic,
};
const FIXTURES = join(import.meta.dirname, '__fixtures__');
// Every reasoning text in the fixtures ends with this sentence; it must never be part of an answer we keep.
const REASONING_MARK = 'Scanners probe secrets';
const schema = z.strictObject({ verdict: z.enum(['benign', 'malicious']), score: z.number().min(0).max(1) });
const weather = {
  name: 'get_weather',
  description: 'The weather in a city',
  argumentsSchema: z.strictObject({ city: z.string() }),
};

const folders = readdirSync(FIXTURES, { withFileTypes: true }).filter((entry) => entry.isDirectory());
for (const folder of folders) {
  const answers = JSON.parse(readFileSync(join(FIXTURES, folder.name, 'responses.json'), 'utf8')) as ServerAnswer[];
  describe(`${folder.name}: answers as the server sends them`, () => {
    const { server, env, base } = scriptedLlmSuite();
    for (const answer of answers) {
      it(answer.name, async () => {
        const setup = SETUPS[answer.setup];
        const client = createGuardedLlmClient(
          testConfig({ ...setup.overrides(base()), 'llm.max_retries': 2 }),
          env.store,
        );
        assert.ok(client);
        const start = server.requests.length;
        const rowsBefore = client.records.exchanges().length;
        // The same answer every time it is asked: a repair or a retry sees what the server would send again.
        server.script(
          ...[1, 2, 3].map(() => ({
            kind: 'raw' as const,
            status: answer.status,
            headers: answer.headers,
            body: answer.body,
          })),
        );
        const outcome =
          answer.call === 'json'
            ? await client.generateJson({
                purpose: 'server-answer',
                system: 'Classify the client.',
                instruction: 'Is this client malicious?',
                data: { userAgent: 'gitleaks/8.18', path: '/.env' },
                schema,
              })
            : await client.chat({
                purpose: 'server-answer',
                system: 'Use the tools.',
                messages: [{ role: 'user', content: 'What is the weather in Tokyo?' }],
                tools: [weather],
                answerSchema: schema,
                runId: `run-${start}`,
                turn: 1,
              });
        server.clearScript();
        const { expect } = answer;
        assert.equal(outcome.status, expect.status, JSON.stringify(outcome));
        assert.equal(server.requests.length - start, expect.requests ?? 1, 'requests sent');
        if (expect.value !== undefined) assert.deepEqual('value' in outcome && outcome.value, expect.value);
        if (expect.calls) {
          assert.ok(outcome.status === 'tool_calls');
          assert.deepEqual(
            outcome.toolCalls.map(({ name, input }) => ({ name, input })),
            expect.calls,
          );
          for (const call of outcome.toolCalls) assert.match(call.id, /\S/, 'every call has an id to answer it by');
        }
        const error = 'error' in outcome ? outcome.error : '';
        for (const part of expect.error ?? []) assert.ok(error.includes(part), `${JSON.stringify(part)} in: ${error}`);
        if (outcome.status === 'unavailable') {
          const model = String(setup.overrides(base())['llm.model']);
          assert.ok(error.includes(model), `the error names the model ${model}: ${error}`);
        }
        if (expect.estimatedTokens && outcome.status === 'ok') {
          assert.ok(outcome.inputTokens > 0, 'a server that reports no usage is charged an estimate');
          assert.ok(outcome.outputTokens > 0);
        }
        const apiKey = setup.overrides(base())['llm.api_key'];
        for (const row of client.records.exchanges().slice(rowsBefore)) {
          assert.ok(!String(row.raw_answer ?? '').includes(REASONING_MARK), 'no reasoning in the recorded answer');
          if (typeof apiKey === 'string') assert.ok(!JSON.stringify(row).includes(apiKey), 'no API key recorded');
        }
        if (typeof apiKey === 'string') assert.ok(!error.includes(apiKey), 'no API key in the error');
      });
    }
  });
}
