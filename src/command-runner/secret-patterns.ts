import { posix } from 'node:path';
import type { PathContext } from './path-rules.ts';

/**
 * Credential files as they are usually named, for patterns: `cat /etc/sh*` or `cat ~/.ss?/id_*` reads them although
 * no word is their name. `/home/~` stands for any home directory, as in resolvePath.
 */
const HOMES = ['/root', '/home/~'];
const IN_HOME = [
  '.ssh/id_rsa',
  '.ssh/id_ecdsa',
  '.ssh/id_ed25519',
  '.aws/credentials',
  '.kube/config',
  '.docker/config.json',
  '.netrc',
  '.pgpass',
  '.git-credentials',
];
const CREDENTIAL_EXAMPLES = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/sudoers',
  '/etc/ssh/ssh_host_rsa_key',
  '/etc/ssh/ssh_host_ecdsa_key',
  '/etc/ssh/ssh_host_ed25519_key',
  '/proc/self/environ',
  '/proc/1/environ',
  ...HOMES.flatMap((home) => IN_HOME.map((file) => `${home}/${file}`)),
];
/** Credential files by name in any directory: their random part is what a pattern stands for (`gha-creds-*.json`). */
const ANYWHERE = ['gha-creds-0123456789abcdef.json'];

/** The credential file a glob or brace pattern (already statically evaluated) can expand to, if any. */
export function credentialFileMatching(pattern: string, context: PathContext): string | undefined {
  if (pattern.length > 512) return undefined;
  let text = pattern;
  if (text === '~' || text.startsWith('~/')) text = posix.join('/home/~', text.slice(1));
  else if (text.startsWith('~')) text = posix.join('/home', text.slice(1));
  else if (context.unknownDirectory && !text.startsWith('/')) return undefined;
  const absolute = posix.resolve(context.workingDirectory, text);
  const matcher = globToRegExp(absolute);
  const found = CREDENTIAL_EXAMPLES.find((example) => matcher.test(example));
  if (found) return found;
  // Only a pattern that spells the start of the name: `*.json` would otherwise hold every read of a JSON file.
  const directory = posix.dirname(absolute);
  const literalStart = posix.basename(absolute).split(/[*?[{]/)[0];
  if (literalStart === '') return undefined;
  return ANYWHERE.map((name) => `${directory}/${name}`).find(
    (example) => posix.basename(example).startsWith(literalStart) && matcher.test(example),
  );
}

/** Bash pathname expansion as a regular expression: `*`, `?`, `[...]`/`[!...]`, `{a,b}`; `**` may cross directories. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index];
    if (char === '*') {
      const double = glob[index + 1] === '*';
      source += double ? '.*' : '[^/]*';
      if (double) index++;
    } else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = glob.indexOf(']', index + 2);
      if (end === -1) source += '\\[';
      else {
        const body = glob
          .slice(index + 1, end)
          .replace(/^[!^]/, '^')
          .replace(/\\/g, '\\\\');
        source += `[${body}]`;
        index = end;
      }
    } else if (char === '{') source += '(?:';
    else if (char === '}') source += ')';
    else if (char === ',' && source.includes('(?:')) source += '|';
    else source += char.replace(/[.+^$()|\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    // a pattern we cannot translate matches anything under its literal start
    const start = glob.split(/[*?[{]/)[0];
    return { test: (path: string) => path.startsWith(start) } as RegExp;
  }
}
