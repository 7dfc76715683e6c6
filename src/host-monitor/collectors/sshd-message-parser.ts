import { isIP } from 'node:net';
import type { AuthEvent, AuthEventType } from '../observations.ts';

type SshdEvent = Omit<AuthEvent, 'program' | 'time' | 'host'>;

/** An address as sshd prints it (ssh_remote_ipaddr): IPv4, IPv6, IPv4-mapped; checked with isIP afterwards. */
const IP = '([0-9A-Fa-f:.]+)';
/** sshd's own key description after `ssh2: ` (format_key_info): `RSA SHA256:...`, `ED25519-CERT SHA256:... ID ...`. */
const KEY_INFO = '(?:: [A-Z0-9-]+ (?:SHA256|MD5):\\S+.*)?';
const PREAUTH = '(?: \\[preauth\\])?';
/** `log_preamble` of packet.c: `authenticating user root `, `invalid user admin `, `user root `, or nothing. */
const PREAMBLE = '(?:(?:authenticating |invalid )?user (.*) )?';

interface Shape {
  /** Written with a greedy user group; the lazy twin is derived from it. */
  pattern: string;
  build: (match: RegExpExecArray) => SshdEvent | undefined;
}

const port = (text: string | undefined) => (text === undefined ? undefined : Number(text));
const failureType = (method: string): AuthEventType => (method === 'none' ? 'failed_none' : 'failed_password');

/**
 * The messages OpenSSH 7-9 writes about authentication and connections (auth.c, auth2.c, auth-pam.c, packet.c,
 * sshd.c), each anchored where sshd writes the address: a user name is whatever the client sent (spaces, `from`,
 * addresses included), so a user field is matched both greedily and lazily and the line counts only when both
 * readings agree on the address. A user name built to look like `x from 9.9.9.9 port 1 ssh2` yields nothing rather
 * than a framed address.
 */
const SHAPES: Shape[] = [
  {
    // auth.c auth_log: "%s %s%s%s for %s%.100s from %.200s port %d ssh2%s%s" (Accepted|Failed|Partial|Postponed)
    pattern: `^(Accepted|Failed) (\\S+) for (invalid user )?(.*) from ${IP} port (\\d+) ssh2${KEY_INFO}$`,
    build: (m) => ({
      type: m[1] === 'Accepted' ? 'accepted' : failureType(m[2]),
      method: m[2],
      invalidUser: Boolean(m[3]) || undefined,
      user: m[4],
      sourceIp: m[5],
      port: port(m[6]),
    }),
  },
  {
    // auth.c getpwnamallow: "Invalid user %.100s from %.100s port %d" (OpenSSH < 7.4: without the port)
    pattern: `^Invalid user (.*) from ${IP}(?: port (\\d+))?$`,
    build: (m) => ({ type: 'invalid_user', invalidUser: true, user: m[1], sourceIp: m[2], port: port(m[3]) }),
  },
  {
    // auth.c allowed_user: "User %.100s from %.100s not allowed because <reason>" (the host is an IP unless UseDNS)
    pattern: `^User (.*) from ${IP} not allowed because (listed in DenyUsers|not listed in AllowUsers|a group is listed in DenyGroups|none of user's groups are listed in AllowGroups|not in any group)$`,
    build: (m) => ({ type: 'refused', user: m[1], sourceIp: m[2], method: m[3] }),
  },
  {
    // auth.c auth_root_allowed: "ROOT LOGIN REFUSED FROM %.200s port %d"
    pattern: `^ROOT LOGIN REFUSED FROM ${IP}(?: port (\\d+))?$`,
    build: (m) => ({ type: 'refused', user: 'root', sourceIp: m[1], port: port(m[2]), method: 'PermitRootLogin' }),
  },
  {
    // auth.c auth_maxtries_exceeded: "maximum authentication attempts exceeded for %s%.100s from %.200s port %d ssh2"
    pattern: `^maximum authentication attempts exceeded for (invalid user )?(.*) from ${IP} port (\\d+) ssh2${PREAUTH}$`,
    build: (m) => ({
      type: 'max_auth_attempts',
      invalidUser: Boolean(m[1]) || undefined,
      user: m[2],
      sourceIp: m[3],
      port: port(m[4]),
    }),
  },
  {
    // packet.c ssh_packet_disconnect with the connection id: "Disconnecting <preamble><ip> port <n>: Too many ..."
    pattern: `^Disconnecting ${PREAMBLE}${IP} port (\\d+): Too many authentication failures${PREAUTH}$`,
    build: (m) => ({ type: 'max_auth_attempts', user: m[1], sourceIp: m[2], port: port(m[3]), method: 'disconnect' }),
  },
  {
    // auth-pam.c: "PAM: Authentication failure for %s%.100s from %.100s" ("illegal user " when invalid)
    pattern: `^PAM: Authentication failure for (illegal user )?(.*) from ${IP}$`,
    build: (m) => ({
      type: 'pam_auth_failure',
      method: 'sshd',
      invalidUser: Boolean(m[1]) || undefined,
      user: m[2],
      sourceIp: m[3],
    }),
  },
  {
    // packet.c sshpkt_vfatal: "Connection closed by <id>", "Disconnected from <id>", "Connection reset by <id>"
    pattern: `^(Connection closed by|Disconnected from|Connection reset by) ${PREAMBLE}${IP} port (\\d+)${PREAUTH}$`,
    build: (m) => ({ type: 'disconnected', method: m[1], user: m[2], sourceIp: m[3], port: port(m[4]) }),
  },
  {
    // packet.c: "Received disconnect from <id>:%u: %.400s" (the text after the code is the client's)
    pattern: `^Received disconnect from ${PREAMBLE}${IP} port (\\d+):(\\d+): (?:.*)$`,
    build: (m) => ({
      type: 'disconnected',
      method: `received disconnect ${m[4]}`,
      user: m[1],
      sourceIp: m[2],
      port: port(m[3]),
    }),
  },
  {
    // sshd.c grace_alarm_handler: "Timeout before authentication for %s port %d"
    pattern: `^Timeout before authentication for ${IP} port (\\d+)$`,
    build: (m) => ({ type: 'disconnected', method: 'login grace timeout', sourceIp: m[1], port: port(m[2]) }),
  },
  {
    // packet.c: "Unable to negotiate with <id>: no matching %s found. Their offer: %s"
    pattern: `^Unable to negotiate with ${PREAMBLE}${IP} port (\\d+): no matching (.+?) found\\. Their offer: (?:.*)$`,
    build: (m) => ({
      type: 'negotiation_failed',
      method: `no matching ${m[4]}`,
      user: m[1],
      sourceIp: m[2],
      port: port(m[3]),
    }),
  },
  {
    // sshd.c: sshpkt_fatal(ssh, r, "banner exchange") -> "banner exchange: Connection from <id>: <error>"
    pattern: `^banner exchange: Connection from ${IP} port (\\d+): (?:.*)$`,
    build: (m) => ({ type: 'negotiation_failed', method: 'banner exchange', sourceIp: m[1], port: port(m[2]) }),
  },
  {
    // OpenSSH 7.x sshd.c: "Bad protocol version identification '%.100s' from %s port %d" (client text first)
    pattern: `^Bad protocol version identification '(?:.*)' from ${IP} port (\\d+)$`,
    build: (m) => ({ type: 'negotiation_failed', method: 'bad protocol version', sourceIp: m[1], port: port(m[2]) }),
  },
  {
    // OpenSSH 7.x sshd.c: "Did not receive identification string from %s port %d"
    pattern: `^Did not receive identification string from ${IP}(?: port (\\d+))?$`,
    build: (m) => ({ type: 'negotiation_failed', method: 'no identification', sourceIp: m[1], port: port(m[2]) }),
  },
];

const COMPILED = SHAPES.map((shape) => ({
  greedy: new RegExp(shape.pattern),
  // Only the user fields are free text: `(.*)` becomes lazy, the client's trailing texts `(?:.*)` stay as written.
  lazy: new RegExp(shape.pattern.replaceAll('(.*)', '(.*?)')),
  build: shape.build,
}));

/** sshd's message (after `error: `/`fatal: ` and the Solaris `[ID ... auth.info]` prefix) as an event, or nothing. */
export function parseSshdMessage(message: string): SshdEvent | undefined {
  for (const { greedy, lazy, build } of COMPILED) {
    const first = greedy.exec(message);
    if (!first) continue;
    const second = lazy.exec(message);
    const event = build(first);
    if (!event?.sourceIp || !isIP(event.sourceIp)) return undefined;
    const twin = second ? build(second) : undefined;
    // Two readings of one line: the user name carries an address of its own. Nobody is blamed for it.
    if (!twin || twin.sourceIp !== event.sourceIp || twin.port !== event.port || twin.user !== event.user)
      return undefined;
    return event;
  }
  return undefined;
}
