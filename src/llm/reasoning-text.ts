/**
 * The answer of a reasoning model without its reasoning. Local reasoning models (DeepSeek-R1 and its distills, Qwen3,
 * QwQ, Phi-4-reasoning) write their thinking into the answer text as `<think>...</think>` before the answer when the
 * server does not split it off (an OpenAI-compatible llama.cpp, vLLM or LM Studio without a reasoning parser, Groq's
 * `reasoning_format: raw`), and where the chat template already opened the block, only its `</think>` appears. The
 * thinking quotes the data it read (braces of log lines, draft JSON): left in, it made every JSON answer unreadable,
 * and a recap would have carried it to Discord. Only a block at the start is reasoning; a `</think>` later in an answer
 * that did not start with one is the answer's own text (it may quote a log line) and stays.
 */
const OPENING = /^\s*<think>/;
const CLOSING = '</think>';

export function withoutReasoning(text: string): string {
  const opened = OPENING.exec(text);
  const close = text.indexOf(CLOSING);
  if (opened) return close < 0 ? '' : text.slice(close + CLOSING.length).trimStart();
  // A template-opened block: the answer starts with the thinking itself and holds one `</think>` and no `<think>`.
  if (close >= 0 && !text.includes('<think>') && text.indexOf(CLOSING, close + 1) < 0)
    return text.slice(close + CLOSING.length).trimStart();
  return text;
}
