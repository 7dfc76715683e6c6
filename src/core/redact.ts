/**
 * Removes secrets and personal data from text before it reaches a model, a log or the audit.
 * Patterns are conservative: a false redaction costs a little context, a missed one leaks a secret.
 * A rule's third element is a literal every match contains: text without it skips that rule's scan (the slowest rules
 * try a match at every position, and most log lines hold no `@` and no `=`).
 */
const RULES: Array<[RegExp, string | ((match: string, ...groups: string[]) => string), string?]> = [
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    '[REDACTED:private-key]',
    '-----BEGIN ',
  ],
  [
    /\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(bearer|basic|token|digest)?\s*[^\s"',;]+/gi,
    '$1$2[REDACTED]',
  ],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[REDACTED:jwt]'],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[REDACTED:aws-key]'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, '[REDACTED:github-token]'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, '[REDACTED:slack-token]'],
  [/\bsk-(ant-)?[A-Za-z0-9_-]{16,}/g, '[REDACTED:api-key]'],
  [/\bgsk_[A-Za-z0-9]{20,}/g, '[REDACTED:api-key]'],
  [/\b[rsp]k_(live|test)_[A-Za-z0-9]{10,}/g, '[REDACTED:api-key]'],
  [/\bgithub_pat_[A-Za-z0-9_]{30,}/g, '[REDACTED:github-token]'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/g, '[REDACTED:gitlab-token]'],
  [/\bnpm_[A-Za-z0-9]{30,}/g, '[REDACTED:npm-token]'],
  [/\bhf_[A-Za-z0-9]{30,}/g, '[REDACTED:api-key]'],
  // `?key=` (API keys) and `?code=` (OAuth authorization codes in callback URLs) are live credentials in access logs.
  [/([?&;])((?:key|code)=)([^&\s"',;#]+)/gi, '$1$2[REDACTED]', '='],
  [/\bAIza[0-9A-Za-z_-]{30,}/g, '[REDACTED:api-key]'],
  [
    /([?&;\s"'{,]|^)((?:[\w-]*?)(?:pass(?:word|wd)?|secret|token|api[_-]?key|apikey|access[_-]?key|auth|session|sig(?:nature)?|credential|private[_-]?key|client[_-]?secret)[\w-]*)(["']?\s*[=:]\s*["']?)([^&\s"',;}]+)/gi,
    '$1$2$3[REDACTED]',
  ],
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi, '$1$2:[REDACTED]@', '@'],
  [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, '[REDACTED:email]', '@'],
  [/\b((?:set-)?cookie)(["']?\s*:\s*)[^\r\n"]+/gi, '$1$2[REDACTED]'],
  // personal identifiers passed in query strings
  [/([?&;]|^)((?:user(?:name)?|login|email|e-mail|phone|mobile|ssn)=)([^&\s"',;#]+)/gi, '$1$2[REDACTED]', '='],
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
  for (const [pattern, replacement, needs] of RULES) {
    if (needs !== undefined && !result.includes(needs)) continue;
    result =
      typeof replacement === 'string' ? result.replace(pattern, replacement) : result.replace(pattern, replacement);
  }
  return result;
}

/**
 * Keys whose string value is a secret whatever it looks like: a logged header (`request_X-Api-Key`,
 * `request_Cookie: sid=...`, `http.request.headers.authorization`) or a field (`apiKey`, `client_secret`) names it.
 */
const SECRET_KEY =
  /(?:authorization|cookie|password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)$/i;

/** Redacts every string inside a JSON-like value, and the whole string value of a key that names a secret. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
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
