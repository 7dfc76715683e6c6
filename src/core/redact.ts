import {
  redactSecretDataJson,
  redactSecretDataYaml,
  SECRET_DATA_JSON,
  SECRET_DATA_YAML,
} from './redact-kubernetes-secret.ts';

/**
 * Tokens that carry their issuer's prefix, each with the label it is redacted to (gitleaks' rule ids for them are in
 * __fixtures__/gitleaks-cases.jsonl). All are tried in one scan: each alternative starts with a literal or a few
 * letters, so the regex engine skips ahead to a possible first character, and one scan costs about what one rule did
 * (with 53 alternatives it takes the time the 11 separate rules it replaced took).
 */
const PREFIXED_TOKENS: Array<[string, RegExp]> = [
  ['jwt', /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['aws-key', /(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/],
  ['github-token', /gh[pousr]_[A-Za-z0-9]{30,}\b/],
  ['slack-token', /(?:xox[abeposr]|xapp)-[A-Za-z0-9-]{10,}/],
  ['api-key', /sk-(?:ant-)?[A-Za-z0-9_-]{16,}/],
  ['api-key', /gsk_[A-Za-z0-9]{20,}/],
  ['api-key', /[rsp]k_(?:live|test|prod)_[A-Za-z0-9]{10,}/],
  ['github-token', /github_pat_[A-Za-z0-9_]{30,}/],
  ['npm-token', /npm_[A-Za-z0-9]{30,}/],
  ['api-key', /hf_[A-Za-z0-9]{30,}/],
  ['api-key', /AIza[0-9A-Za-z_-]{30,}/],
  // every GitLab family: personal (and routable), CI job, deploy, feature flag, feed, mail, agent, OAuth app, trigger,
  // runner, SCIM, runner registration
  ['gitlab-token', /(?:gl(?:pat|cbt|dt|ffct|ft|imt|agent|oas|ptt|rt|soat)-|GR1348941)[\w.-]{20,}/],
  ['grafana-token', /gl(?:c_[A-Za-z0-9+/]{32,}={0,3}|sa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b)/],
  ['grafana-token', /eyJrIjoi[A-Za-z0-9]{70,}={0,3}/],
  ['api-key', /api_org_[A-Za-z]{34}\b/],
  ['digitalocean-token', /do[opr]_v1_[a-f0-9]{64}\b/],
  ['vault-token', /hv[sbr]\.[\w-]{24,}/],
  ['pypi-token', /pypi-AgEIcHlwaS5vcmc[\w-]{50,}/],
  ['doppler-token', /dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}/],
  ['pulumi-token', /pul-[a-f0-9]{40}\b/],
  ['databricks-token', /dapi[a-f0-9]{32}(?:-\d)?\b/],
  ['sentry-token', /sntry(?:s_[A-Za-z0-9+/=_]{60,}|u_[a-f0-9]{64}\b)/],
  ['heroku-key', /HRKU-AA[\w-]{58}/],
  ['sendgrid-key', /SG\.[\w-]{16,32}\.[\w-]{16,64}/],
  ['twilio-key', /SK[0-9a-fA-F]{32}\b/],
  ['aws-bedrock-key', /ABSK[A-Za-z0-9+/]{100,}={0,2}/],
  ['age-key', /AGE-SECRET-KEY-1[0-9A-Z]{58}\b/],
  ['openshift-token', /sha256~[\w-]{43}(?![\w-])/],
  ['1password-token', /ops_eyJ[A-Za-z0-9+/]{250,}={0,3}/],
  [
    '1password-secret-key',
    /A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b/,
  ],
  ['dynatrace-token', /dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}/],
  ['artifactory-token', /(?:AKCp[A-Za-z0-9]{69}|cmVmd[A-Za-z0-9]{59})\b/],
  ['api-key', /pplx-[A-Za-z0-9]{48}/],
  ['flyio-token', /(?:fo1_[\w-]{43}|fm(?:1[ar]|2)_[A-Za-z0-9+/]{100,}={0,3})/],
  ['planetscale-token', /pscale_(?:pw|tkn|oauth)_[\w=.-]{32,64}/],
  ['prefect-token', /pnu_[A-Za-z0-9]{36}/],
  ['linear-token', /lin_(?:api|oauth)_[A-Za-z0-9]{40}/],
  ['notion-token', /ntn_\d{11}[A-Za-z0-9]{35}\b/],
  ['atlassian-token', /ATATT3[\w=-]{186}/],
  ['postman-key', /PMAK-[A-Fa-f0-9]{24}-[A-Fa-f0-9]{34}/],
  ['shopify-token', /shp(?:ss|at|ca|pa)_[A-Fa-f0-9]{32}/],
  ['square-token', /(?:EAAA|sq0atp-)[\w-]{22,60}|sq0csp-[\w-]{43}/],
  ['rubygems-key', /rubygems_[a-f0-9]{48}/],
  ['brevo-key', /x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}/],
  ['alibaba-key', /LTAI[A-Za-z0-9]{20}\b/],
  // not a favicon's digest: `favicon.ico-<32 hex>.png`
  ['infracost-token', /ico-[A-Za-z0-9]{32}(?![\w-]|\.\w)/],
  ['harness-key', /[ps]at\.[\w-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}/],
  ['octopus-key', /API-[A-Z0-9]{26}\b/],
  ['scalingo-token', /tk-us-[\w-]{48}/],
  ['clickhouse-key', /4b1d[A-Za-z0-9]{38}\b/],
  ['defined-networking-key', /dnkey-[\w=-]{26}-[\w=-]{52}/],
  ['sourcegraph-token', /sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}\b/],
  ['mailgun-key', /key-[a-f0-9]{32}\b/],
];
const PREFIXED_TOKEN = new RegExp(
  `\\b(?:${PREFIXED_TOKENS.map(([, pattern]) => `(${pattern.source})`).join('|')})`,
  'g',
);

function labelPrefixedToken(...match: unknown[]): string {
  const alternative = match.slice(1, 1 + PREFIXED_TOKENS.length).findIndex((group) => group !== undefined);
  return `[REDACTED:${PREFIXED_TOKENS[alternative][0]}]`;
}

/** What String.replace hands a replacer: the match, its groups, then the offset and the whole text. */
// biome-ignore lint/suspicious/noExplicitAny: the lib types a replacer's arguments as any[] (groups, offset, text)
type Replacer = (match: string, ...groups: any[]) => string;

/**
 * Removes secrets and personal data from text before it reaches a model, a log or the audit.
 * Patterns are conservative: a false redaction costs a little context, a missed one leaks a secret.
 * A rule's third element lists lower-case literals one of which every match contains: text (lower-cased) holding none
 * of them skips that rule's scan. Given for the rules that try a match at almost every position (one that starts with
 * a literal is scanned fast by the regex engine itself); an incident storm redacts tens of thousands of samples.
 */
const RULES: Array<[RegExp, string | Replacer, string[]?]> = [
  // `curl -u user:password`, quoted or not, and the flag may sit on a continuation line of the same command
  [
    /(\s(?:-u|--user)(?:=|[ \t]+))((?=\S)(?:"[^"]*"|'[^']*'|[^\s'":]+)?(?::(?:"[^"]*"|'[^']*'|[^\s'"]*))?)/g,
    redactCurlUser,
    ['curl'],
  ],
  [
    /-----BEGIN[ A-Z0-9_-]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9_-]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    '[REDACTED:private-key]',
  ],
  [
    // any scheme (Bearer, Basic, Token, Api-Token, Negotiate, AWS4-HMAC-SHA256...) or none
    /\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(?:[A-Za-z][\w-]*[ \t]+(?=[^\s"',;]))?[^\s"',;]+/gi,
    '$1$2[REDACTED]',
    ['authorization'],
  ],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]', ['bearer', 'basic']],
  [/\b[a-z0-9]{14}\.atlasv1\.[\w=-]{60,70}/gi, '[REDACTED:terraform-token]', ['atlasv1']],
  [PREFIXED_TOKEN, labelPrefixedToken],
  // Telegram bot tokens (also inside the Bot API URL, api.telegram.org/bot<token>/), only where Telegram is named
  [/(?<!\d)\d{5,16}:A[\w-]{34}(?![\w-])/g, '[REDACTED:telegram-token]', ['telegr']],
  // Vault tokens before 1.10: `s.` and 24 letters and digits, both present (gitleaks' false positives are code like
  // s.AcceptanceTimeoutSeconds); starts with its literal
  [/\bs\.(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{24}\b/g, '[REDACTED:vault-token]'],
  [SECRET_DATA_YAML, redactSecretDataYaml, ['secret']],
  [SECRET_DATA_JSON, redactSecretDataJson, ['secret']],
  // Azure AD (Entra) client secrets: three characters, a digit, `Q~`, then 31-34 more; standing alone as a word
  [/(?<![\w~.-])[\w~.]{3}\dQ~[\w~.-]{31,34}(?![\w~.-])/g, '[REDACTED:azure-client-secret]', ['q~']],
  // incoming-webhook URLs are their own credential: keep the host, drop the path that authorises a post
  [/\b(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9+/]{20,}/g, '$1[REDACTED]'],
  [/(\.webhook\.office\.com\/webhookb2\/)[^\s"'<>]+/gi, '$1[REDACTED]', ['webhookb2']],
  [/\b(discord(?:app)?\.com\/api\/webhooks\/\d+\/)[\w-]+/gi, '$1[REDACTED]', ['/webhooks/']],
  // `?key=` (API keys) and `?code=` (OAuth authorization codes in callback URLs) are live credentials in access logs.
  [/([?&;])((?:key|code)=)([^&\s"',;#]+)/gi, '$1$2[REDACTED]', ['key=', 'code=']],
  // name=value, name: value, ("name", "value") as in getenv/setProperty calls. The separator stays on its line, so an
  // empty `API_KEY=` does not take the next line's name for its value. `auth` names a credential; `author` and
  // `authority` (git log, certificates) do not. A name is at most 64 characters on each side of its keyword: unbounded,
  // a 16 KB run of `passpass…` (a request target is the client's text) took 110 ms, quadratic in its length.
  [
    /([?&;\s"'{,]|^)((?:[\w-]{0,64}?)(?:pass(?:word|wd)?|secret|token|api[_-]?key|apikey|access[_-]?key|auth(?!or(?!i[sz]))|session|sig(?:nature)?|creds?|credential|private[_-]?key|client[_-]?secret)[\w-]{0,64})(["']?[ \t]*[=:][ \t]*["']?|["'][ \t]*,[ \t]*["'])([^&\s"',;}]+)/gi,
    redactNamedValue,
    ['pass', 'secret', 'token', 'key', 'auth', 'session', 'sig', 'cred'],
  ],
  // user:password@ in any URL; the user may be empty (redis://:password@host)
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]*):([^/\s@]+)@/gi, '$1$2:[REDACTED]@', ['@']],
  [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, '[REDACTED:email]', ['@']],
  [/\b((?:set-)?cookie)(["']?\s*:\s*)[^\r\n"]+/gi, '$1$2[REDACTED]', ['cookie']],
  // personal identifiers passed in query strings
  [/([?&;]|^)((?:user(?:name)?|login|email|e-mail|phone|mobile|ssn)=)([^&\s"',;#]+)/gi, '$1$2[REDACTED]', ['=']],
  // card numbers: only digit runs that pass the Luhn check, so epoch milliseconds and counters survive
  [/\b\d(?:[ -]?\d){12,18}\b/g, (match) => (luhnValid(match.replace(/\D/g, '')) ? '[REDACTED:card]' : match)],
];

/**
 * The value of a name=value pair whose name names a credential, except a count of tokens (`max_tokens: 512`,
 * `prompt_tokens=10` in LLM usage and settings): a plural `tokens` with a number is no secret.
 */
function redactNamedValue(_match: string, before: string, name: string, separator: string, value: string): string {
  if (/tokens$/i.test(name) && /^\d{1,12}$/.test(value)) return before + name + separator + value;
  return `${before}${name}${separator}[REDACTED]`;
}

/** Keeps the user name and the quoting; a password that is a shell variable names no secret and stays. */
function redactCurlUser(_match: string, flag: string, credential: string): string {
  const colon = credential.indexOf(':');
  if (colon < 0) return flag + credential; // no password: curl asks for it
  const password = credential.slice(colon + 1).replace(/^["'{]+|["'}]+$/g, '');
  if (password.startsWith('$')) return flag + credential;
  if (password === '') return `${flag}[REDACTED]`; // "secret:" puts the secret in the user part
  return `${flag}${credential.slice(0, colon + 1)}[REDACTED]`;
}

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
