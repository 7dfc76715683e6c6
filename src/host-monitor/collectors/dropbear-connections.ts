import { isIP } from 'node:net';
import type { SyslogRecord } from '../observations.ts';
import { ADDRESS, dropbearMessage, parseDropbearMessage } from './dropbear-message-parser.ts';
import type { SshdEvent } from './sshd-message-parser.ts';

/**
 * svr-main.c: the connection's own process writes `Child connection from %s:%s` first, the address dropbear
 * accepted (getnameinfo, numeric): never text the client sent.
 */
const CHILD_CONNECTION = new RegExp(`^Child connection from ${ADDRESS}$`);
/** svr_dropbear_exit: the connection's process ends (`Exit before auth`, `Exit (user)`, `Early exit`). */
const EXIT = /^(?:Exit|Early exit)\b/;

/**
 * svr-auth.c checkusername's refusals that dropbear 2020.79 to 2024.84 (Debian 12's 2022.83, Ubuntu 22.04 and
 * 24.04) write without the client's address. Each is the connection's only line for its user name: dropbear logs
 * none of the passwords that follow (svr-authpasswd.c returns before). The user, where there is one, is the
 * account's name from the passwd file, not the client's text.
 */
const ADDRESSLESS: Array<{ pattern: RegExp; build: (m: RegExpExecArray) => SshdEvent }> = [
  { pattern: /^Login attempt for nonexistent user$/, build: () => ({ type: 'invalid_user', invalidUser: true }) },
  { pattern: /^root login rejected$/, build: () => ({ type: 'refused', user: 'root', method: 'no root login (-w)' }) },
  {
    pattern: /^User '(.*)' has invalid shell, rejected$/,
    build: (m) => ({ type: 'refused', user: m[1], method: 'invalid shell' }),
  },
  {
    pattern: /^Logins are restricted to the group \S+ but user '(.*)' is not a member$/,
    build: (m) => ({ type: 'refused', user: m[1], method: 'group restriction (-G)' }),
  },
];

/** Connections whose process is kept at most (the oldest forgotten first). */
const MAX_CONNECTIONS = 4096;

/**
 * The address of each running dropbear connection, by host and process id, from its `Child connection` line: a
 * refusal dropbear wrote without an address is the client's of its own process. The pid is the syslog tag's, or
 * the `[pid]` of dropbear's stderr prefix (-E through a log pipe). Kept from one read to the next (a connection's
 * lines may be split across two), forgotten at the process's exit line.
 */
export class DropbearConnections {
  private readonly addresses = new Map<string, { sourceIp: string; port: number }>();

  /** The event of a dropbear line, with its process's address when dropbear wrote none. */
  read(record: SyslogRecord, message: string): SshdEvent | undefined {
    const { text, pid: stderrPid } = dropbearMessage(message);
    const pid = stderrPid ?? record.pid;
    // a line of dropbear's stderr and one of its syslog are never one process's: no pid is read for the other
    const key =
      pid === undefined ? undefined : `${record.host ?? ''}|${stderrPid === undefined ? 'tag' : 'stderr'}|${pid}`;
    const child = CHILD_CONNECTION.exec(text);
    if (child && key) {
      const sourceIp = child[1] ?? child[2];
      if (isIP(sourceIp)) this.remember(key, { sourceIp, port: Number(child[3]) });
      return undefined;
    }
    const event = parseDropbearMessage(text);
    if (key && EXIT.test(text)) this.addresses.delete(key);
    if (event || !key) return event;
    const address = this.addresses.get(key);
    if (!address) return undefined;
    for (const { pattern, build } of ADDRESSLESS) {
      const match = pattern.exec(text);
      if (match) return { ...build(match), ...address };
    }
    return undefined;
  }

  private remember(key: string, address: { sourceIp: string; port: number }) {
    this.addresses.delete(key);
    this.addresses.set(key, address);
    if (this.addresses.size > MAX_CONNECTIONS) this.addresses.delete(this.addresses.keys().next().value as string);
  }
}
