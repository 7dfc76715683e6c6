/**
 * Flags text that looks like it is talking to the model rather than being data: instructions to ignore the prompt,
 * role or format markers, requests to change the allowlist or stop blocking. A flag is recorded and shown; the text
 * still reaches the model only as fenced data, and nothing it says is obeyed (tool calls pass deterministic policy).
 */
export interface InjectionFlag {
  rule: string;
  /** Where the text came from (`data`, `tool:query_logs`...). */
  source: string;
  /** The matching fragment, shortened. */
  excerpt: string;
}

const RULES: ReadonlyArray<[string, RegExp]> = [
  [
    'override-instructions',
    /\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|any|the|your|system)\b[^.\n]{0,20}\b(instructions?|prompts?|rules?|directions?|guidelines?|messages?)\b/i,
  ],
  ['new-instructions', /\b(new|updated|real|actual)\s+(instructions?|task|system\s+prompt)\s*[:-]/i],
  ['role-play', /\b(you are now|act as|pretend (to be|you are)|from now on,? you)\b/i],
  ['prompt-reference', /\b(system prompt|developer message|jailbreak|DAN mode)\b/i],
  [
    'role-marker',
    /(<\|im_(start|end)\|>|\[\/?INST\]|<<\/?SYS>>|^\s*(system|assistant)\s*:|<\/?(system|assistant|tool|think)>)/im,
  ],
  ['fence-escape', /<\/?untrusted-data\b|```\s*(system|assistant)/i],
  [
    'policy-change',
    /\b(allow-?list|white-?list|unblock|whitelist|trust|exempt)\b[^\n]{0,40}\b(\d{1,3}(\.\d{1,3}){3}|[0-9a-f]{1,4}(:[0-9a-f]{0,4}){2,7})\b/i,
  ],
  ['do-not-block', /\b(do not|don't|never|stop)\s+(block|flag|report|alert)/i],
  ['tool-coercion', /\b(call|invoke|run|use)\s+(the\s+)?(tool|function)\s+\w+/i],
];

/** Scans every string in `value` (depth-first); at most `limit` flags so a flood of them stays bounded. */
export function detectInjection(value: unknown, source: string, limit = 20): InjectionFlag[] {
  const flags: InjectionFlag[] = [];
  const visit = (item: unknown): void => {
    if (flags.length >= limit) return;
    if (typeof item === 'string') {
      for (const [rule, pattern] of RULES) {
        const match = pattern.exec(item);
        if (match && flags.length < limit) flags.push({ rule, source, excerpt: excerptAround(item, match.index) });
      }
    } else if (Array.isArray(item)) {
      for (const element of item) visit(element);
    } else if (item && typeof item === 'object') {
      for (const [key, element] of Object.entries(item)) {
        visit(key);
        visit(element);
      }
    }
  };
  visit(value);
  return flags;
}

function excerptAround(text: string, index: number): string {
  const start = Math.max(0, index - 20);
  const fragment = text.slice(start, start + 120).replace(/\s+/g, ' ');
  return `${start > 0 ? '…' : ''}${fragment}${start + 120 < text.length ? '…' : ''}`;
}
