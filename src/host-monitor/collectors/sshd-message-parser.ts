import { isIP } from 'node:net';
import type { AuthEvent, AuthEventType } from '../observations.ts';

export type SshdEvent = Omit<AuthEvent, 'program' | 'time' | 'host'>;

/**
 * An address as sshd prints it (ssh_remote_ipaddr): IPv4, IPv6, IPv4-mapped; checked with isIP afterwards. getnameinfo
 * writes a link-local IPv6 client with its zone (`fe80::1%eth0`): an interface name, dropped from the address.
 */
const IP = '([0-9A-Fa-f:.]+)(?:%[0-9A-Za-z_.-]+)?';
/**
 * What auth_log writes after the address: the protocol (`ssh2`, `ssh1` before OpenSSH 7.4, nothing in some builds),
 * then `: ` and the method's details (key fingerprints, old colon-separated MD5 ones, certificate IDs, hostbased
 * client user and host: partly the client's text). Any text may follow `: `, so a user name ending in `ssh2:` reads
 * two ways and blames nobody.
 */
const AUTH_LOG_END = '(?: ssh[12])?(?:: .*)?';
const PREAUTH = '(?: \\[preauth\\])?';
/** `log_preamble` of packet.c: `authenticating user root `, `invalid user admin `, `user root `, or nothing. */
const PREAMBLE = '(?:(?:authenticating |invalid )?user (.*) )?';

export interface Shape {
  /** Written with a greedy user group; the lazy twin is derived from it. */
  pattern: string;
  build: (match: RegExpExecArray) => SshdEvent | undefined;
  /** Text the client chose comes before the address, and not as the event's user (an identification string). */
  clientTextFirst?: true;
}

interface CompiledShape {
  greedy: RegExp;
  lazy: RegExp;
  build: Shape['build'];
  clientTextFirst?: true;
}

/**
 * sshd writes a syslog line with `syslog(pri, "%.500s", ...)` (log.c do_log) after escaping it: a byte that is not
 * printable ASCII becomes `\ooo`, and a preauth line is escaped twice (the child, then the monitor): 5 characters.
 * The log preamble takes 200 bytes of user name (packet.c `%.200s`), so a name can push sshd's own address past the
 * 500th character and choose how the line ends: `Connection closed by invalid user <name> 10.9.9.9 port 22`, sshd's
 * `<address> port N [preauth]` cut off (real sshd 9.2p1 and rsyslogd, `real-sshd.integration.test.ts`). A message of
 * 500 bytes or more may have been cut: it is read only when no client text comes before its address.
 */
export const SYSLOG_MESSAGE_MAX = 500;

export const port = (text: string | undefined) => (text === undefined ? undefined : Number(text));
const failureType = (method: string): AuthEventType => (method === 'none' ? 'failed_none' : 'failed_password');

/** auth.c auth_log's line, with or without its ` port N` (the sixth group). */
function authLogEvent(m: RegExpExecArray): SshdEvent {
  return {
    type: m[1] === 'Accepted' ? 'accepted' : failureType(m[2]!),
    method: m[2],
    invalidUser: Boolean(m[3]) || undefined,
    user: m[4],
    sourceIp: m[5],
    ...(m[6] === undefined ? {} : { port: port(m[6]) }),
  };
}

/** auth.c auth_maxtries_exceeded's line, in either OpenSSH's wording: (invalid user )?, user, address, port. */
function maxAttempts(m: RegExpExecArray): SshdEvent {
  return {
    type: 'max_auth_attempts',
    invalidUser: Boolean(m[1]) || undefined,
    user: m[2],
    sourceIp: m[3],
    port: port(m[4]),
  };
}

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
    pattern: `^(Accepted|Failed) (\\S+) for (invalid user )?(.*) from ${IP} port (\\d+)${AUTH_LOG_END}$`,
    build: authLogEvent,
  },
  {
    // the same line without ` port N` (fail2ban's corpus has it): the address ends the line, so the user name before
    // it cannot move it; a line the shape above also reads with another address blames nobody (parseSshdMessage).
    pattern: `^(Accepted|Failed) (\\S+) for (invalid user )?(.*) from ${IP}$`,
    build: authLogEvent,
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
    pattern: `^ROOT LOGIN REFUSED FROM ${IP}(?: port (\\d+))?${PREAUTH}$`,
    build: (m) => ({ type: 'refused', user: 'root', sourceIp: m[1], port: port(m[2]), method: 'PermitRootLogin' }),
  },
  {
    // auth.c auth_maxtries_exceeded: "maximum authentication attempts exceeded for %s%.100s from %.200s port %d ssh2"
    pattern: `^maximum authentication attempts exceeded for (invalid user )?(.*) from ${IP} port (\\d+) ssh2${PREAUTH}$`,
    build: maxAttempts,
  },
  {
    // OpenSSH 6.x auth.c auth_maxtries_exceeded: packet_disconnect("Too many authentication failures for %s%.100s
    // from %.200s port %d %s") (Debian 8, Ubuntu 14.04); 7.x logs "maximum authentication attempts exceeded" instead
    pattern: `^Disconnecting: Too many authentication failures for (invalid user )?(.*) from ${IP} port (\\d+) ssh[12]${PREAUTH}$`,
    build: (m) => ({ ...maxAttempts(m), method: 'disconnect' }),
  },
  {
    // packet.c ssh_packet_disconnect with the connection id: "Disconnecting <preamble><ip> port <n>: Too many ..."
    pattern: `^Disconnecting ${PREAMBLE}${IP} port (\\d+): Too many authentication failures${PREAUTH}$`,
    build: (m) => ({ type: 'max_auth_attempts', user: m[1], sourceIp: m[2], port: port(m[3]), method: 'disconnect' }),
  },
  {
    // auth-pam.c: "PAM: %s for %s%.100s from %.100s" with pam_strerror's text ("illegal user " when invalid):
    // Linux-PAM's "Authentication failure", "User not known to the underlying authentication module", OpenPAM's
    // (FreeBSD, macOS) "authentication error", "unknown user"; macOS adds "via <local address>"
    pattern: `^PAM: (?:[Aa]uthentication (?:failure|error)|User not known to the underlying authentication module|unknown user) for (illegal user )?(.*) from ${IP}(?: via \\S+)? ?$`,
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
    // the same before OpenSSH 7.2: the address alone
    pattern: `^(Connection closed by|Disconnected from|Connection reset by) ${IP}${PREAUTH}$`,
    build: (m) => ({ type: 'disconnected', method: m[1], sourceIp: m[2] }),
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
    // the same before OpenSSH 7.2: "Received disconnect from %s: %u: %.400s"
    pattern: `^Received disconnect from ${IP}: ?(\\d+): (?:.*)$`,
    build: (m) => ({ type: 'disconnected', method: `received disconnect ${m[2]}`, sourceIp: m[1] }),
  },
  {
    // sshd.c grace_alarm_handler: "Timeout before authentication for %s port %d"
    pattern: `^Timeout before authentication for ${IP} port (\\d+)$`,
    build: (m) => ({ type: 'disconnected', method: 'login grace timeout', sourceIp: m[1], port: port(m[2]) }),
  },
  {
    // OpenSSH 9.8 sshd.c, the listener about a session process: "Timeout before authentication for connection from
    // %s to %s, pid = %ld"
    pattern: `^Timeout before authentication for connection from ${IP} to \\S+, pid = \\d+$`,
    build: (m) => ({ type: 'disconnected', method: 'login grace timeout', sourceIp: m[1] }),
  },
  {
    // OpenSSH 9.8 sshd.c drop_connection, PerSourcePenalties: "drop connection #%d from [%s]:%d on [%s]:%d %s" with
    // srclimit.c's "penalty: <reason>" (the listener refuses a source it penalised for what it logged before: not
    // another attempt); "past MaxStartups", the same line for any source when sshd is full, is not read
    pattern: `^drop connection #\\d+ from \\[${IP}\\]:(\\d+) on \\[[^\\]]*\\]:\\d+ (penalty: .+)$`,
    build: (m) => ({ type: 'disconnected', method: m[3], sourceIp: m[1], port: port(m[2]) }),
  },
  {
    // auth2.c input_userauth_request: a second user name on one connection, "Change of username or service not
    // allowed: (%s,%s) -> (%s,%s)", through ssh_packet_disconnect with the connection id
    pattern: `^Disconnecting ${PREAMBLE}${IP} port (\\d+): Change of username or service not allowed: (?:.*)$`,
    build: (m) => ({ type: 'refused', user: m[1], sourceIp: m[2], port: port(m[3]), method: 'change of user name' }),
  },
  {
    // tcp_wrappers (libwrap, refuse()): "refused connect from %s" with eval_client: the client's ident and host name
    // (its text), then the address in parentheses
    pattern: `^refused connect from (?:.*) \\(${IP}\\)$`,
    build: (m) => ({ type: 'refused', sourceIp: m[1], method: 'tcp_wrappers' }),
    clientTextFirst: true,
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
    // the same in OpenSSH 6.8-7.2 (kex.c, ssh_remote_ipaddr): the address alone, right after the fixed start
    pattern: `^Unable to negotiate with ${IP}: no matching (.+?) found\\. Their offer: (?:.*)$`,
    build: (m) => ({ type: 'negotiation_failed', method: `no matching ${m[2]}`, sourceIp: m[1] }),
  },
  {
    // sshd.c: sshpkt_fatal(ssh, r, "banner exchange") -> "banner exchange: Connection from <id>: <error>"
    pattern: `^banner exchange: Connection from ${IP} port (\\d+): (?:.*)$`,
    build: (m) => ({ type: 'negotiation_failed', method: 'banner exchange', sourceIp: m[1], port: port(m[2]) }),
  },
  {
    // packet.c sshpkt_fatal from the dispatch loop: "ssh_dispatch_run_fatal: Connection from <id>: <error>"
    pattern: `^ssh_dispatch_run_fatal: Connection from ${PREAMBLE}${IP} port (\\d+): (?:.*)$`,
    build: (m) => ({ type: 'negotiation_failed', method: 'dispatch', user: m[1], sourceIp: m[2], port: port(m[3]) }),
  },
  {
    // OpenSSH 7.x sshd.c: "Bad protocol version identification '%.100s' from %s port %d" (client text first)
    pattern: `^Bad protocol version identification '(?:.*)' from ${IP} port (\\d+)$`,
    build: (m) => ({ type: 'negotiation_failed', method: 'bad protocol version', sourceIp: m[1], port: port(m[2]) }),
    clientTextFirst: true,
  },
  {
    // the obfuscated-handshake patch some distributions carry: "Magic value check failed (%u) on obfuscated
    // handshake from %s port %d"
    pattern: `^Magic value check failed \\(\\d+\\) on obfuscated handshake from ${IP} port (\\d+)$`,
    build: (m) => ({ type: 'negotiation_failed', method: 'obfuscated handshake', sourceIp: m[1], port: port(m[2]) }),
  },
  {
    // OpenSSH 7.x sshd.c: "Did not receive identification string from %s port %d"
    pattern: `^Did not receive identification string from ${IP}(?: port (\\d+))?$`,
    build: (m) => ({ type: 'negotiation_failed', method: 'no identification', sourceIp: m[1], port: port(m[2]) }),
  },
];

const COMPILED = compileShapes(SHAPES);
/**
 * An auth_log line that ends in ` from <address>` reads two ways: a line without the port whose user name holds
 * `x from 9.9.9.9 port 22 ssh2: x`, or a line with the port whose details end so (protocol 1's `ssh1: ruser <client
 * text>`). Unless both give one address, nobody is blamed.
 */
const AUTH_LOG_START = /^(?:Accepted|Failed) \S+ for /;
const ADDRESS_LAST = new RegExp(` from ${IP}$`);

/**
 * sshd's message (after `error: `/`fatal: ` and the Solaris `[ID ... auth.info]` prefix) as an event, or nothing.
 * `logged` is the message as the log has it, prefixes included: its length tells whether sshd may have cut it.
 */
export function parseSshdMessage(message: string, logged: string = message): SshdEvent | undefined {
  const mayBeCut = Buffer.byteLength(logged) >= SYSLOG_MESSAGE_MAX;
  const event = readShapes(COMPILED, message, mayBeCut);
  if (event && AUTH_LOG_START.test(message)) {
    const last = ADDRESS_LAST.exec(message);
    if (last && isIP(last[1]) && last[1] !== event.sourceIp) return undefined;
  }
  return event;
}

/** Each shape with its lazy twin: only the user fields are free text, so `(.*)` becomes lazy; `(?:.*)` stays. */
export function compileShapes(shapes: readonly Shape[]): CompiledShape[] {
  return shapes.map((shape) => ({
    greedy: new RegExp(shape.pattern),
    lazy: new RegExp(shape.pattern.replaceAll('(.*)', '(.*?)')),
    build: shape.build,
    clientTextFirst: shape.clientTextFirst,
  }));
}

/**
 * The event of the first shape the message has, when its greedy and lazy readings agree on the address, port and
 * user; else nothing. Two readings of one line: the user name carries an address of its own, and nobody is blamed.
 * A message that may have been cut (`mayBeCut`) may end in client text: only an address before any is read.
 */
export function readShapes(shapes: readonly CompiledShape[], message: string, mayBeCut = false): SshdEvent | undefined {
  for (const { greedy, lazy, build, clientTextFirst } of shapes) {
    const first = greedy.exec(message);
    if (!first) continue;
    const second = lazy.exec(message);
    const event = build(first);
    if (!event?.sourceIp || !isIP(event.sourceIp)) return undefined;
    if (mayBeCut && (event.user !== undefined || clientTextFirst)) return undefined;
    const twin = second ? build(second) : undefined;
    if (!twin || twin.sourceIp !== event.sourceIp || twin.port !== event.port || twin.user !== event.user)
      return undefined;
    return event;
  }
  return undefined;
}
