/**
 * OpenAI specifies a tool call's `arguments` as JSON text; some OpenAI-compatible servers send the JSON object itself
 * (llama-server builds before object arguments became the opt-in `--tool-args-object`, llama.cpp#20198). The AI SDK
 * rejects the whole answer for it, so the model looked down whenever it called a tool. The object is turned back into
 * text before the SDK reads the answer; nothing else changes, and the call is validated against the tool's schema
 * like any other.
 */
export function fetchWithToolArgumentsAsText(fetchImpl: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    const body = await response.text();
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(toolArgumentsAsText(body), {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

interface LooseCompletion {
  choices?: Array<{ message?: { tool_calls?: Array<{ function?: { arguments?: unknown } }> } }>;
}

/** The same body with every object `arguments` as JSON text; any other body is returned as it came. */
export function toolArgumentsAsText(body: string): string {
  let parsed: LooseCompletion;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  let changed = false;
  for (const choice of Array.isArray(parsed?.choices) ? parsed.choices : []) {
    const calls = choice?.message?.tool_calls;
    for (const call of Array.isArray(calls) ? calls : []) {
      const target = call?.function;
      if (target && typeof target.arguments === 'object' && target.arguments !== null) {
        target.arguments = JSON.stringify(target.arguments);
        changed = true;
      }
    }
  }
  return changed ? JSON.stringify(parsed) : body;
}
