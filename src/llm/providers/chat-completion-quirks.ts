import { randomUUID } from 'node:crypto';

/**
 * Chat-completion answers that servers send in shapes the AI SDK misreads, put into OpenAI's shape before the SDK
 * reads them (__fixtures__/README.md names each source). Nothing here makes a model's output more trusted: every tool
 * call that survives is validated against its tool's schema like any other, and a refusal is never read as an answer.
 * - `arguments` as a JSON object instead of JSON text (llama-server before `--tool-args-object`, llama.cpp#20198): the
 *   SDK rejected the whole answer, so the model looked down whenever it called a tool. The object becomes its text.
 * - a tool call with an empty `id` (LM Studio): the SDK keeps `""`, and answering it by `tool_call_id: ""` makes LM
 *   Studio reject the next turn. It gets a fresh id.
 * - a tool-call entry with no function name (LM Studio's `{"id":"","type":"function"}` beside a text answer): not a
 *   call anyone can run, and the SDK rejected the whole answer for it. It is dropped; the text answer stays.
 * - `message.refusal` (OpenAI): the SDK passes the refusal on as answer text with `finish_reason: stop`, so it was
 *   repaired like a bad answer. The choice is marked `content_filter`, which the caller reports as a refusal.
 */
export function fetchWithChatCompletionQuirksFixed(fetchImpl: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    const body = await response.text();
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(fixChatCompletionQuirks(body), {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

interface LooseToolCall {
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

interface LooseCompletion {
  choices?: Array<{
    finish_reason?: unknown;
    message?: { refusal?: unknown; tool_calls?: LooseToolCall[] };
  }>;
}

/** The same body with the quirks above fixed; any other body is returned byte for byte. */
export function fixChatCompletionQuirks(body: string): string {
  let parsed: LooseCompletion;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  let changed = false;
  for (const choice of Array.isArray(parsed?.choices) ? parsed.choices : []) {
    const message = choice?.message;
    if (!message || typeof message !== 'object') continue;
    if (typeof message.refusal === 'string' && message.refusal.trim() && choice.finish_reason !== 'content_filter') {
      choice.finish_reason = 'content_filter';
      changed = true;
    }
    if (!Array.isArray(message.tool_calls)) continue;
    const named = message.tool_calls.filter(
      (call) => typeof call?.function?.name === 'string' && call.function.name.trim() !== '',
    );
    if (named.length !== message.tool_calls.length) {
      message.tool_calls = named;
      changed = true;
    }
    for (const call of named) {
      const target = call.function as { arguments?: unknown };
      if (typeof target.arguments === 'object' && target.arguments !== null) {
        target.arguments = JSON.stringify(target.arguments);
        changed = true;
      }
      if (call.id === '' || (typeof call.id === 'string' && call.id.trim() === '')) {
        call.id = `call_${randomUUID()}`;
        changed = true;
      }
    }
  }
  return changed ? JSON.stringify(parsed) : body;
}
