import { compileShapes, port, readShapes, type Shape, type SshdEvent } from './sshd-message-parser.ts';

/**
 * Where dropbear writes the client (svr-session.c addrstring): `203.0.113.5:40022`, an IPv6 address in brackets
 * since 2026.94 (`[2001:db8::5]:40022`), without them before (`2001:db8::5:40022`: the last colon starts the port).
 * Groups: the bracketed address, the bare one, the port.
 */
export const ADDRESS = '(?:\\[([0-9A-Fa-f:.]+)\\]|([0-9A-Fa-f:.]+)):(\\d+)';
/** The user name as dropbear quotes it: the client's text, quotes and all. */
const USER = "'(.*)'";

/**
 * Dropbear before 2020 (sign_key_fingerprint) wrote a key as `md5 78:d6:...`, or `sha1!! ...` in builds without MD5:
 * `Pubkey auth succeeded for 'root' with key md5 78:d6:41:... from 10.10.10.241:51737` (Wazuh's dropbear.ini).
 */
const OLD_FINGERPRINT = '(?:md5 |sha1!! )?';

/** svr-auth.c writes `is invalid` where the user does not exist. */
const maxTriesUser = (user: string) => (user === 'is invalid' ? { invalidUser: true } : { user });

const address = (match: RegExpExecArray, at: number) => ({
  sourceIp: match[at] ?? match[at + 1],
  port: port(match[at + 2]),
});

/**
 * The messages dropbear (2019-2026: svr-auth.c, svr-authpasswd.c, svr-authpubkey.c, svr-session.c) writes about
 * logins. The address ends the line, or (an exit) comes right after its fixed start, so a user name holding
 * `' from 9.9.9.9:1` cannot move it; the greedy and lazy readings are compared all the same.
 */
const SHAPES: Shape[] = [
  {
    // svr-authpasswd.c: "Bad password attempt for '%s' from %s" (lower-case in old releases) and "Too-long password
    // attempt for '%s' from %s"; svr-authpam.c (built with PAM): "Bad PAM password attempt for '%s' from %s"
    pattern: `^(?:[Bb]ad(?: PAM)?|Too-long) password attempt for ${USER} from ${ADDRESS}$`,
    build: (m) => ({ type: 'failed_password', method: 'password', user: m[1], ...address(m, 2) }),
  },
  {
    // svr-authpubkey.c: "Pubkey auth bad signature for '%s' with key %s from %s"
    pattern: `^Pubkey auth bad signature for ${USER} with key ${OLD_FINGERPRINT}\\S+ from ${ADDRESS}$`,
    build: (m) => ({ type: 'failed_password', method: 'publickey', user: m[1], ...address(m, 2) }),
  },
  {
    // svr-auth.c checkusername: "Login attempt for nonexistent user from %s" (older: "login attempt ..."); 2020.79
    // to 2024.84 wrote no address (read with the process's `Child connection` line: dropbear-connections.ts)
    pattern: `^[Ll]ogin attempt for nonexistent user from ${ADDRESS}$`,
    build: (m) => ({ type: 'invalid_user', invalidUser: true, ...address(m, 1) }),
  },
  {
    // svr-session.c svr_dropbear_exit: "Exit before auth from <%s>: (user '%s', %u fails): %s" (no colon after the
    // address before 2020.79), without the user part before a valid user name; the message is svr-auth.c's "Max auth
    // tries reached - user '%s'" ('is invalid' for a user that does not exist)
    pattern: `^Exit before auth from <${ADDRESS}>:? (?:\\(user '(?:.*)', \\d+ fails\\): )?Max auth tries reached - user ${USER}$`,
    build: (m) => ({ type: 'max_auth_attempts', method: 'max auth tries', ...maxTriesUser(m[4]!), ...address(m, 1) }),
  },
  {
    // older releases wrote the address last: "Exit before auth (user '%s', %u fails): Max auth tries reached - user
    // '%s' from %s"
    pattern: `^Exit before auth \\(user '(?:.*)', \\d+ fails\\): Max auth tries reached - user ${USER} from ${ADDRESS}$`,
    build: (m) => ({ type: 'max_auth_attempts', method: 'max auth tries', ...maxTriesUser(m[1]!), ...address(m, 2) }),
  },
  {
    // svr_dropbear_exit for any other end before auth (the client left, a read failed, the auth timeout): a
    // connection that tried no login or whose failures were written above, a disconnect; the address comes right
    // after the fixed start, before the client's user name
    pattern: `^Exit before auth from <${ADDRESS}>:? (?:.*)$`,
    build: (m) => ({ type: 'disconnected', method: 'exit before auth', ...address(m, 1) }),
  },
  {
    // svr-authpasswd.c / svr-authpubkey.c / svr-authpam.c ("PAM password auth succeeded") success (not the "extra
    // auth required" partial one)
    pattern: `^(Password|Pubkey|PAM password) auth succeeded for ${USER}(?: with (?:\\S+ key |key ${OLD_FINGERPRINT})\\S+)? from ${ADDRESS}$`,
    build: (m) => ({
      type: 'accepted',
      method: m[1] === 'Pubkey' ? 'publickey' : 'password',
      user: m[2],
      ...address(m, 3),
    }),
  },
];

const COMPILED = compileShapes(SHAPES);
/** dropbear in the foreground, its stderr sent to syslog, puts its pid and time first: `[825] Jul 10 23:53:52 `. */
const STDERR_PREFIX = /^\[(\d+)\] [A-Z][a-z]{2} [ 0-3]\d \d\d:\d\d:\d\d /;

/** A dropbear message without its stderr prefix, and the pid the prefix names. */
export function dropbearMessage(message: string): { text: string; pid?: number } {
  const prefix = STDERR_PREFIX.exec(message);
  return prefix ? { text: message.slice(prefix[0].length), pid: Number(prefix[1]) } : { text: message };
}

/** A dropbear message as an event, or nothing. */
export function parseDropbearMessage(message: string): SshdEvent | undefined {
  return readShapes(COMPILED, dropbearMessage(message).text);
}
