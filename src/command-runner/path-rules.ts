import { posix } from 'node:path';
import type { Finding } from './danger-level.ts';

/** A shell word after static evaluation; `value` is undefined when the shell decides it at run time. */
export interface ShellWord {
  value: string | undefined;
  /** The source text, for messages. */
  raw: string;
  /** Contains an unquoted glob (`*`, `?`, `[`) or brace expansion: the shell may turn it into other words. */
  pattern: boolean;
  /** Written with `$'...'` escapes, a classic way to hide a program name. */
  obfuscated: boolean;
  /** Spells printable characters as numeric escapes (`$'\x72\x6d'` for `rm`): text hidden from whoever reads it. */
  hidden?: boolean;
}

/** Where writes destroy the system or persist an attacker (changes here are CRITICAL). */
export const DEFAULT_SYSTEM_PATHS = [
  '/bin',
  '/boot',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/root',
  '/sbin',
  '/sys',
  '/usr',
  '/var/lib',
  '/var/log',
  '/var/spool',
  '/var/backups',
];

/** Shell start-up and credential files in any home directory: writing them persists code or access. */
const PERSISTENCE_FILES =
  /(^|\/)(\.bashrc|\.bash_profile|\.bash_login|\.profile|\.zshrc|\.zprofile|\.ssh(\/|$)|\.config\/autostart)/;

/**
 * Files whose contents are credentials: reading them is HIGH (the output reaches a terminal, a model, a log).
 * /run/secrets holds a pod's service-account token (a cluster credential) and Docker's secrets; google-github-actions/auth
 * writes `gha-creds-<random>.json` (a service-account key or federation config) into the checked-out workspace.
 */
export const SECRET_FILES =
  /^(\/etc\/(shadow|gshadow|sudoers)(-|$)|(\/var)?\/run\/secrets\/.+|\/etc\/ssh\/ssh_host_.*_key$|\/proc\/[^/]+\/environ$|.*\/\.ssh\/id_[^/]*$|.*\/\.aws\/credentials$|.*\/\.kube\/config$|.*\/\.docker\/config\.json$|.*\/\.netrc$|.*\/\.pgpass$|.*\/\.git-credentials$|.*\/gha-creds-[^/]*\.json$|.*\.(key|p12|pfx|jks)$|.*\/[^/]*(priv|key)[^/]*\.pem$)/;

/**
 * A hidden file or directory right in a home directory (`~/.config/gh/hosts.yml`, `~/.npmrc`, `/root/.bash_history`):
 * where programs keep their settings and, often, their tokens. Only some have a name SECRET_FILES knows.
 */
export const HOME_SETTINGS_FILES = /^(\/home\/[^/]+|\/root)\/\.[^/]/;

/** Devices a redirect may write to without harm. */
const HARMLESS_DEVICES = /^\/dev\/(null|stdout|stderr|tty|fd\/\d+|zero|full)$/;

export interface PathContext {
  workingDirectory: string;
  systemPaths: readonly string[];
  /** After `cd $X` the shell's directory is unknown: relative paths are then decided at run time. */
  unknownDirectory?: boolean;
}

/** The absolute path a word names, `~` meaning some home directory; undefined when it is decided at run time. */
export function resolvePath(word: ShellWord, context: PathContext): string | undefined {
  if (word.value === undefined) return undefined;
  let text = word.value;
  if (word.pattern) text = text.replace(/[*?[{].*$/, '') || '/';
  if (text === '~' || text.startsWith('~/')) return posix.join('/home/~', text.slice(1));
  if (text.startsWith('~')) return posix.join('/home', text.slice(1));
  if (context.unknownDirectory && !text.startsWith('/')) return undefined;
  return posix.resolve(context.workingDirectory, text);
}

export function isSystemPath(path: string, context: PathContext): boolean {
  if (path === '/') return true;
  return context.systemPaths.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export function isOutside(path: string, workingDirectory: string): boolean {
  const relative = posix.relative(workingDirectory, path);
  return relative === '..' || relative.startsWith('../') || posix.isAbsolute(relative);
}

/** Level of writing to a path (redirect, tee, cp destination...). `strictDevices` also refuses /dev/null (mv onto it). */
export function writeTargetFinding(
  word: ShellWord,
  context: PathContext,
  how: string,
  strictDevices = false,
): Finding | undefined {
  // `>(cmd)` is a pipe into cmd, which is classified on its own (and `>(sh)` is CRITICAL there).
  if (word.raw.startsWith('>(')) return undefined;
  const path = resolvePath(word, context);
  if (path === undefined)
    return { level: 'HIGH', rule: 'write-dynamic-path', reason: `${how} to a path decided at run time (${word.raw})` };
  if (path.startsWith('/dev/tcp/') || path.startsWith('/dev/udp/'))
    return {
      level: 'CRITICAL',
      rule: 'network-redirect',
      reason: `${how} to a network socket ${path} (reverse shell)`,
    };
  if (path.startsWith('/dev/')) {
    if (!strictDevices && HARMLESS_DEVICES.test(path)) return undefined;
    return { level: 'CRITICAL', rule: 'device-write', reason: `${how} to device ${path}` };
  }
  if (path === '/dev') return { level: 'CRITICAL', rule: 'device-write', reason: `${how} to /dev` };
  if (isSystemPath(path, context))
    return { level: 'CRITICAL', rule: 'system-path-write', reason: `${how} to system path ${path}` };
  if (PERSISTENCE_FILES.test(path))
    return { level: 'CRITICAL', rule: 'persistence-file-write', reason: `${how} to start-up/credential file ${path}` };
  return { level: 'MEDIUM', rule: 'file-write', reason: `${how} to ${path}` };
}

/** Level of deleting or changing an existing path (rm, chmod, truncate...). */
export function destructiveTargetFinding(
  word: ShellWord,
  context: PathContext,
  how: string,
  recursive: boolean,
): Finding {
  const path = resolvePath(word, context);
  if (path === undefined)
    return recursive
      ? { level: 'CRITICAL', rule: 'recursive-dynamic-path', reason: `${how} recursively on ${word.raw}` }
      : { level: 'HIGH', rule: 'dynamic-path', reason: `${how} on a path decided at run time (${word.raw})` };
  if (path === '/' || path === '/home' || path === '/home/~' || path.startsWith('/dev/'))
    return { level: 'CRITICAL', rule: 'root-path', reason: `${how} on ${path}` };
  if (isSystemPath(path, context))
    return { level: 'CRITICAL', rule: 'system-path', reason: `${how} on system path ${path}` };
  if (PERSISTENCE_FILES.test(path))
    return { level: 'CRITICAL', rule: 'persistence-file', reason: `${how} on start-up/credential file ${path}` };
  if (recursive && (path === context.workingDirectory || !isOutside(context.workingDirectory, path)))
    return { level: 'CRITICAL', rule: 'recursive-working-tree', reason: `${how} recursively on ${path} or above it` };
  return { level: 'HIGH', rule: 'path-change', reason: `${how} on ${path}` };
}
