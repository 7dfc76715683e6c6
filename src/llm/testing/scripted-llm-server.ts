import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 that speaks the wire protocols of the LLM APIs we support (Ollama /api/chat and
 * /api/generate, OpenAI chat completions, Anthropic messages) and answers from a script, so tests exercise the real
 * provider packages, HTTP, retries and timeouts end to end.
 */
export type ScriptStep =
  /** `delayMs`: the answer comes that late (a slow model), for tests of what must not wait for it. */
  | { kind: 'text'; text: string; inputTokens?: number; outputTokens?: number; delayMs?: number }
  | {
      kind: 'tool_calls';
      calls: Array<{ name: string; arguments: unknown; rawArguments?: string }>;
      text?: string;
      inputTokens?: number;
      outputTokens?: number;
      delayMs?: number;
    }
  | { kind: 'status'; status: number; headers?: Record<string, string>; message?: string }
  | { kind: 'malformed' }
  /**
   * A body exactly as a real server sent it (an object is sent as JSON, a string verbatim), whatever the endpoint:
   * the shapes of llama.cpp, vLLM, Ollama and the rest, beside OpenAI's own (src/llm/providers/__fixtures__/).
   */
  | { kind: 'raw'; status?: number; headers?: Record<string, string>; body: unknown }
  | { kind: 'hang' };

export type WireProtocol = 'ollama' | 'openai' | 'anthropic';

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export class ScriptedLlmServer {
  readonly requests: RecordedRequest[] = [];
  readonly #steps: ScriptStep[] = [];
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();

  constructor() {
    this.#server = createServer((request, response) => void this.#handle(request, response));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Queues answers; when the script runs out the server answers 500 "script exhausted". */
  script(...steps: ScriptStep[]): this {
    this.#steps.push(...steps);
    return this;
  }

  /** Drops the unused rest of the script. */
  clearScript(): void {
    this.#steps.length = 0;
  }

  get remaining(): number {
    return this.#steps.length;
  }

  async close(): Promise<void> {
    for (const response of this.#hanging) response.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = (request.url ?? '').split('?')[0];
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      // recorded as empty; a client sending bad JSON is a failure the test sees
    }
    this.requests.push({ path, headers: request.headers, body });
    const protocol: WireProtocol | undefined =
      path.endsWith('/api/chat') || path.endsWith('/api/generate')
        ? 'ollama'
        : path.endsWith('/chat/completions')
          ? 'openai'
          : path.endsWith('/messages')
            ? 'anthropic'
            : undefined;
    const step = this.#steps.shift();
    if (!protocol) return send(response, 404, { error: `no such endpoint ${path}` });
    if (body.stream === true) return send(response, 400, { error: 'this test server does not stream' });
    if (!step) return send(response, 500, errorBody(protocol, 'script exhausted'));
    switch (step.kind) {
      case 'hang':
        this.#hanging.add(response);
        return;
      case 'malformed':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"id": "x", "choices": [ {"message": ');
        return;
      case 'raw':
        response.writeHead(step.status ?? 200, { 'content-type': 'application/json', ...step.headers });
        response.end(typeof step.body === 'string' ? step.body : JSON.stringify(step.body));
        return;
      case 'status':
        return send(response, step.status, errorBody(protocol, step.message ?? `status ${step.status}`), step.headers);
      default:
        if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
        return send(response, 200, answer(protocol, path, String(body.model ?? 'test-model'), step));
    }
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function errorBody(protocol: WireProtocol, message: string): unknown {
  if (protocol === 'openai') return { error: { message, type: 'server_error', code: null } };
  if (protocol === 'anthropic') return { type: 'error', error: { type: 'api_error', message } };
  return { error: message };
}

function answer(protocol: WireProtocol, path: string, model: string, step: ScriptStep): unknown {
  const text = step.kind === 'text' ? step.text : step.kind === 'tool_calls' ? (step.text ?? '') : '';
  const calls = step.kind === 'tool_calls' ? step.calls : [];
  const inputTokens = (step.kind === 'text' || step.kind === 'tool_calls' ? step.inputTokens : undefined) ?? 120;
  const outputTokens = (step.kind === 'text' || step.kind === 'tool_calls' ? step.outputTokens : undefined) ?? 40;
  if (protocol === 'ollama') {
    const base = {
      model,
      created_at: new Date().toISOString(),
      done: true,
      done_reason: 'stop',
      prompt_eval_count: inputTokens,
      eval_count: outputTokens,
    };
    if (path.endsWith('/api/generate')) return { ...base, response: text };
    return {
      ...base,
      message: {
        role: 'assistant',
        content: text,
        ...(calls.length
          ? { tool_calls: calls.map((call) => ({ function: { name: call.name, arguments: call.arguments } })) }
          : {}),
      },
    };
  }
  if (protocol === 'openai') {
    return {
      id: `chatcmpl-${randomUUID()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: calls.length && !text ? null : text,
            ...(calls.length
              ? {
                  tool_calls: calls.map((call) => ({
                    id: `call_${randomUUID().slice(0, 8)}`,
                    type: 'function',
                    function: { name: call.name, arguments: call.rawArguments ?? JSON.stringify(call.arguments) },
                  })),
                }
              : {}),
          },
          finish_reason: calls.length ? 'tool_calls' : 'stop',
        },
      ],
      usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
    };
  }
  return {
    id: `msg_${randomUUID().slice(0, 12)}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [
      ...(text ? [{ type: 'text', text }] : []),
      ...calls.map((call) => ({
        type: 'tool_use',
        id: `toolu_${randomUUID().slice(0, 8)}`,
        name: call.name,
        input: call.arguments,
      })),
    ],
    stop_reason: calls.length ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens },
  };
}
