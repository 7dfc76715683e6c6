import { clientAddress } from './client-address.ts';
import type { SshdEvent } from './sshd-message-parser.ts';

interface LoginShape {
  pattern: RegExp;
  /** The groups of the tty, the remote host (a name, an address, or util-linux's tty when local) and the user. */
  tty?: number;
  host: number;
  user: number;
}

/**
 * The failures `login` writes, one line per failed attempt (the last one as the limit or session line). Two
 * programs are called login:
 * - shadow's (Debian, Ubuntu, Alpine): "FAILED LOGIN (%u)%s FOR '%s', %s" and "TOO MANY LOGIN TRIES (%u)%s FOR '%s'",
 *   where %s is " on '<tty>' from '<host>'" for a remote login (the -h host, or utmp's) and " on '<tty>'" otherwise;
 * - util-linux's (Fedora, RHEL, Arch): "FAILED LOGIN %u FROM %s FOR %s, %s", "TOO MANY LOGIN TRIES (%u) FROM %s FOR
 *   %s, %s" and, for the last attempt, "FAILED LOGIN SESSION FROM %s FOR %s, %s", where the host is the -h host or
 *   the tty name.
 * The user name (what was typed at the prompt) is the client's text and comes after the host; the host is the login
 * daemon's (telnetd, rlogind) and, unquoted in util-linux's, has no space.
 */
const SHAPES: LoginShape[] = [
  { pattern: /^FAILED LOGIN \(\d+\) on '([^']*)'(?: (?:from|FROM) '([^']*)')? FOR '(.*)', /, tty: 1, host: 2, user: 3 },
  { pattern: /^TOO MANY LOGIN TRIES \(\d+\) on '([^']*)'(?: from '([^']*)')? FOR '(.*)'$/, tty: 1, host: 2, user: 3 },
  {
    pattern: /^(?:FAILED LOGIN \d+|TOO MANY LOGIN TRIES \(\d+\)|FAILED LOGIN SESSION) FROM (\S+) FOR (.*), /,
    host: 1,
    user: 2,
  },
];

function read(shape: LoginShape, match: RegExpExecArray): SshdEvent {
  const host = match[shape.host];
  const address = clientAddress(host);
  return {
    type: 'failed_login',
    method: shape.tty !== undefined ? match[shape.tty] : address === undefined ? host : undefined,
    user: match[shape.user],
    sourceIp: address,
  };
}

/**
 * A login failure as an event (without an address for a local login), or nothing. The host comes before the user
 * name, right after the fixed start, so no name moves it: one reading is enough, and a name holding `', ` or ` FOR `
 * still counts its attempt.
 */
export function parseLoginMessage(message: string): SshdEvent | undefined {
  for (const shape of SHAPES) {
    const match = shape.pattern.exec(message);
    if (match) return read(shape, match);
  }
  return undefined;
}
