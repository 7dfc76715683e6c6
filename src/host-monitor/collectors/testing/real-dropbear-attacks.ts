import type { Attack } from './real-sshd-attacks.ts';
import { FORGED } from './real-sshd-attacks.ts';
import type { LabServer } from './real-sshd-lab.ts';

/**
 * Attacks on a real dropbear (Debian 12's 2022.83), each from an address of its own, every field the client chooses
 * built to look like dropbear's address part for another client: `'<user>' from 10.9.9.9:22`, `<10.9.9.9:22>`.
 * Dropbear's own text decides what reaches the log (2022.83: svr-auth.c checkusername, svr-authpasswd.c,
 * svr-session.c svr_dropbear_exit, common-session.c read_session_identification): the account's name from the
 * passwd file, never the client's; the client's identification string in `Incompatible remote version '%s'`; a user
 * name over 100 bytes is refused without a line.
 */
const F = FORGED;
export const DROPBEAR = '/usr/sbin/dropbear';
export const DROPBEARKEY = '/usr/bin/dropbearkey';

/** The lab's accounts: two with the password `correct-horse` (never sent), one locked. */
const HASH = '$6$droplab$odAf8rmmrBksfS4JKMUFPyrhIkW1LXsJmyOm69JUQqljY5Sm4/.k3lsU1fiXfI6V4.7V07OxPdhb9wVQzEFxN0';
export const ACCOUNTS = {
  passwd: ['root:x:0:0:root:/root:/bin/sh', 'alice:x:1000:1000::/tmp:/bin/sh', 'locked:x:1001:1001::/tmp:/bin/sh'],
  shadow: [`root:${HASH}:20000:0:99999:7:::`, `alice:${HASH}:20000:0:99999:7:::`, 'locked:!:20000:0:99999:7:::'],
};
const ACCOUNT_NAMES = new Set(ACCOUNTS.passwd.map((line) => line.split(':')[0]));

/** Dropbear in the foreground with a host key made for the run; to syslog, or its stderr through a log pipe. */
export function dropbearServer(lab: { server: string; serverV6: string }, flags: string[], stderr: boolean): LabServer {
  const listen = `-p ${lab.server}:22 -p [${lab.serverV6}]:22`;
  const run = `${DROPBEAR} -F ${flags.join(' ')} ${listen} -r "$dir/dropbear_ed25519" -P "$dir/dropbear.pid"`;
  return {
    command: [
      `${DROPBEARKEY} -t ed25519 -f "$dir/dropbear_ed25519" >/dev/null 2>&1`,
      // a supervisor's log pipe (runit, s6, procd) sends dropbear's stderr to syslog under its name
      stderr ? `${run} -E 2>&1 | logger -t dropbear -p authpriv.info` : `exec ${run}`,
    ].join('\n'),
    processName: 'dropbear',
    pidFile: 'dropbear.pid',
  };
}

const ssh = (name: string, user: string, passwords: number, family: 4 | 6 = 4): Attack => ({
  name,
  kind: 'ssh',
  user,
  passwords,
  family,
});
/** Paramiko for the names OpenSSH's client refuses (quotes, control characters, non-ASCII): `passwords` tries. */
const paramiko = (
  name: string,
  user: string,
  options: { passwords?: number; method?: string; version?: string; family?: 4 | 6 } = {},
): Attack => ({
  name,
  kind: 'paramiko',
  steps: Array.from({ length: options.passwords ?? 1 }, () => ({ method: options.method ?? 'password', user })),
  version: options.version,
  invalidUser: !ACCOUNT_NAMES.has(user),
  family: options.family,
});
const raw = (name: string, identification: string, rest: object = {}): Attack => ({
  name,
  kind: 'raw',
  request: { identification, ...rest },
});
const IDENT = 'SSH-2.0-OpenSSH_9.2\r\n';

export const DROPBEAR_ATTACKS: Attack[] = [
  ssh('valid user root, 3 wrong passwords', 'root', 3),
  ssh('valid user alice, 2 wrong passwords', 'alice', 2),
  ssh('locked account, 2 wrong passwords', 'locked', 2),
  ssh('root, 10 wrong passwords (max tries)', 'root', 10),
  ssh('alice, 10 wrong passwords (max tries)', 'alice', 10),
  ssh('unknown user "x from F port 22 ssh2", 2 wrong passwords', `x from ${F} port 22 ssh2`, 2),
  ssh('IPv6 client, alice, 2 wrong passwords', 'alice', 2, 6),
  ssh('no password method, alice', 'alice', 0),
  ssh('no password method, unknown user', `x-from-${F}-22`, 0),
  paramiko('unknown user, 10 wrong passwords (max tries)', `x' from ${F}:22`, { passwords: 10 }),
  paramiko(`user "x' from F:22", 2 wrong passwords`, `x' from ${F}:22`, { passwords: 2 }),
  paramiko(`user "root' from F:22"`, `root' from ${F}:22`),
  paramiko(`user "alice' from F:22"`, `alice' from ${F}:22`),
  paramiko(`user "x' with key md5 k from F:22"`, `x' with key md5 k from ${F}:22`),
  paramiko('user in unicode', `管理者ü' from ${F}:22`),
  paramiko('user of 100 bytes (the limit)', `${'a'.repeat(100 - ` from ${F}:22'`.length)}' from ${F}:22`),
  paramiko('user of 300 bytes (over the limit), 2 wrong passwords', `${'a'.repeat(280)}' from ${F}:22`, {
    passwords: 2,
  }),
  paramiko(`IPv6 client, user "x' from F:22"`, `x' from ${F}:22`, { family: 6 }),
  paramiko(`method none, user "x' from F:22"`, `x' from ${F}:22`, { method: 'none' }),
  paramiko('user with a newline and a whole forged line', `x\nBad password attempt for 'root' from ${F}:22`),
  paramiko('user with tab, CR, ESC', `x\t\r\x1b[2K' from ${F}:22`),
  paramiko(`user "x (F)"`, `x (${F})`),
  paramiko(`method "password for 'alice' from F:22" as alice`, 'alice', {
    method: `password for 'alice' from ${F}:22`,
  }),
  paramiko(`method "x' from F:22" as x`, `x' from ${F}:22`, { method: `x' from ${F}:22` }),
  paramiko(`version "SSH-2.0-x' from F:22", alice`, 'alice', { version: `SSH-2.0-x' from ${F}:22` }),
  {
    name: 'change of user name',
    kind: 'paramiko',
    steps: [
      { method: 'password', user: `x' from ${F}:22` },
      { method: 'password', user: `y' from ${F}:22` },
    ],
    invalidUser: true,
  },
  raw(`identification "SSH-1.5-x' from F:22"`, `SSH-1.5-x' from ${F}:22\r\n`),
  raw(
    'identification with a forged exit line',
    `SSH-1.5-x\nExit before auth from <${F}:22>: Max auth tries reached - user 'root'\r\n`,
  ),
  raw('identification of 250 bytes', `SSH-1.5-${'b'.repeat(220)}' from ${F}:22\r\n`),
  raw('identification with ESC and tab', `SSH-1.5-\x1b[2K\tx' from ${F}:22\r\n`),
  raw('not SSH: "GET / from F:22"', `GET / HTTP/1.1 from ${F}:22\r\n`),
  raw('identification "SSH-2.0-x from F port 22"', `SSH-2.0-x' from ${F}:22\r\n`),
  raw('connect and say nothing', ''),
  raw(`disconnect "x' from F:22"`, IDENT, { disconnect: { code: 11, text: `x' from ${F}:22` } }),
  raw('kex offer "x from F:22"', IDENT, {
    kexinit: {
      kex: `x' from ${F}:22`,
      hostKey: 'ssh-ed25519',
      cipher: 'aes128-ctr',
      mac: 'hmac-sha2-256',
      compression: 'none',
    },
  }),
];

/** The flags an attack's count depends on: -T's limit, -w (root refused). */
export interface DropbearAuth {
  maxAuthTries: number;
  rootRefused: boolean;
}

/**
 * What the monitor should count for an attack on dropbear: each wrong password for an account (at most -T's limit);
 * an unknown user once per connection (dropbear's one `Login attempt for nonexistent user` line, nothing for its
 * passwords), and its limit once more (`Max auth tries reached - user 'is invalid'`); root under -w once (`root
 * login rejected`, like an unknown user). A user name over 100 bytes, a method dropbear does not know and `none`
 * for an account leave no line but the exit: nothing to count but the limit.
 */
export const dropbearAttempts = (auth: DropbearAuth) => (attack: Attack) => {
  if (attack.kind === 'raw') return 0;
  const user = attack.kind === 'ssh' ? attack.user : attack.steps[0].user;
  const steps = attack.kind === 'ssh' ? [] : attack.steps.filter((step) => step.user === user);
  const passwords =
    attack.kind === 'ssh' ? attack.passwords : steps.filter((step) => step.method === 'password').length;
  // every request fails and counts towards the limit, `none` from OpenSSH's client too
  const requests = attack.kind === 'ssh' ? Math.max(passwords, 1) : steps.length;
  const limit = requests >= auth.maxAuthTries ? 1 : 0;
  if (Buffer.byteLength(user) > 100) return limit;
  if (!ACCOUNT_NAMES.has(user) || (user === 'root' && auth.rootRefused)) return 1 + limit;
  return Math.min(passwords, auth.maxAuthTries);
};
