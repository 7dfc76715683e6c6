/**
 * Removes secrets and personal data from text before it reaches a model, a log or the audit.
 * Patterns are conservative: a false redaction costs a little context, a missed one leaks a secret.
 * A rule's third element lists lower-case literals one of which every match contains: text (lower-cased) holding none
 * of them skips that rule's scan. Given for the rules that try a match at almost every position (one that starts with
 * a literal is scanned fast by the regex engine itself); an incident storm redacts tens of thousands of samples.
 */
const RULES: Array<[RegExp, string | ((match: string, ...groups: string[]) => string), string[]?]> = [
  [
    /-----BEGIN[ A-Z0-9_-]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9_-]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    '[REDACTED:private-key]',
  ],
  [
    /\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(bearer|basic|token|digest)?\s*[^\s"',;]+/gi,
    '$1$2[REDACTED]',
    ['authorization'],
  ],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]', ['bearer', 'basic']],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[REDACTED:jwt]'],
  [/\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/g, '[REDACTED:aws-key]'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, '[REDACTED:github-token]'],
  [/\b(?:xox[abeposr]|xapp)-[A-Za-z0-9-]{10,}/g, '[REDACTED:slack-token]'],
  [/\bsk-(ant-)?[A-Za-z0-9_-]{16,}/g, '[REDACTED:api-key]'],
  [/\bgsk_[A-Za-z0-9]{20,}/g, '[REDACTED:api-key]'],
  [/\b[rsp]k_(?:live|test|prod)_[A-Za-z0-9]{10,}/g, '[REDACTED:api-key]'],
  [/\bgithub_pat_[A-Za-z0-9_]{30,}/g, '[REDACTED:github-token]'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/g, '[REDACTED:gitlab-token]'],
  [/\bnpm_[A-Za-z0-9]{30,}/g, '[REDACTED:npm-token]'],
  [/\bhf_[A-Za-z0-9]{30,}/g, '[REDACTED:api-key]'],
  // `?key=` (API keys) and `?code=` (OAuth authorization codes in callback URLs) are live credentials in access logs.
  [/([?&;])((?:key|code)=)([^&\s"',;#]+)/gi, '$1$2[REDACTED]', ['key=', 'code=']],
  [/\bAIza[0-9A-Za-z_-]{30,}/g, '[REDACTED:api-key]'],
  [
    /([?&;\s"'{,]|^)((?:[\w-]*?)(?:pass(?:word|wd)?|secret|token|api[_-]?key|apikey|access[_-]?key|auth|session|sig(?:nature)?|credential|private[_-]?key|client[_-]?secret)[\w-]*)(["']?\s*[=:]\s*["']?)([^&\s"',;}]+)/gi,
    '$1$2$3[REDACTED]',
    ['pass', 'secret', 'token', 'key', 'auth', 'session', 'sig', 'credential'],
  ],
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi, '$1$2:[REDACTED]@', ['@']],
  [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, '[REDACTED:email]', ['@']],
  [/\b((?:set-)?cookie)(["']?\s*:\s*)[^\r\n"]+/gi, '$1$2[REDACTED]', ['cookie']],
  // personal identifiers passed in query strings
  [/([?&;]|^)((?:user(?:name)?|login|email|e-mail|phone|mobile|ssn)=)([^&\s"',;#]+)/gi, '$1$2[REDACTED]', ['=']],
  // card numbers: only digit runs that pass the Luhn check, so epoch milliseconds and counters survive
  [/\b\d(?:[ -]?\d){12,18}\b/g, (match) => (luhnValid(match.replace(/\D/g, '')) ? '[REDACTED:card]' : match)],
];

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function redactSecrets(text: string): string {
  let result = text;
  let lower = text.toLowerCase();
  for (const [pattern, replacement, needs] of RULES) {
    if (needs && !needs.some((literal) => lower.includes(literal))) continue;
    const before = result;
    result =
      typeof replacement === 'string' ? result.replace(pattern, replacement) : result.replace(pattern, replacement);
    if (result !== before) lower = result.toLowerCase(); // later rules test what is left
  }
  return result;
}

const MEMO_MAX_CHARS = 300;
const MEMO_ENTRIES = 2000;
const memo = new Map<string, string>();

/**
 * redactSecrets for short text that recurs (user agents rebuilt into every drain's evidence, audit fields such as a
 * decision's reason): memoised, at most MEMO_ENTRIES strings of MEMO_MAX_CHARS (the memo is emptied when full).
 */
export function redactRecurring(text: string): string {
  if (text.length > MEMO_MAX_CHARS) return redactSecrets(text);
  let redacted = memo.get(text);
  if (redacted === undefined) {
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    redacted = redactSecrets(text);
    memo.set(text, redacted);
  }
  return redacted;
}

/**
 * Keys whose string value is a secret whatever it looks like: a logged header (`request_X-Api-Key`,
 * `request_Cookie: sid=...`, `http.request.headers.authorization`) or a field (`apiKey`, `client_secret`) names it.
 */
const SECRET_KEY =
  /(?:authorization|cookie|password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)$/i;

/** Redacts every string inside a JSON-like value, and the whole string value of a key that names a secret. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactRecurring(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        typeof item === 'string' && item !== '' && SECRET_KEY.test(key) ? '[REDACTED]' : redactDeep(item),
      ]),
    ) as T;
  }
  return value;
}
