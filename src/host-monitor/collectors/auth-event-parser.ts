import { isIP } from 'node:net';
import type { AuthEvent, SyslogRecord } from '../observations.ts';

const USER = '(\\S+)';
const ADDRESS = '([0-9a-fA-F:.]+)';
const PATTERNS: Array<{ pattern: RegExp; build: (match: RegExpExecArray) => Omit<AuthEvent, 'program'> }> = [
  {
    // Failed password for invalid user admin from 203.0.113.5 port 52122 ssh2
    pattern: new RegExp(`^Failed (\\S+) for (invalid user )?${USER} from ${ADDRESS} port (\\d+)`),
    build: (match) => ({
      type: 'failed_password',
      method: match[1],
      invalidUser: Boolean(match[2]),
      user: match[3],
      sourceIp: match[4],
      port: Number(match[5]),
    }),
  },
  {
    // Invalid user admin from 203.0.113.5 port 52122   (older OpenSSH: without "port")
    pattern: new RegExp(`^Invalid user ${USER}? ?from ${ADDRESS}(?: port (\\d+))?`),
    build: (match) => ({
      type: 'invalid_user',
      invalidUser: true,
      user: match[1],
      sourceIp: match[2],
      port: match[3] ? Number(match[3]) : undefined,
    }),
  },
  {
    // Accepted publickey for alice from 192.0.2.10 port 50522 ssh2: ED25519 SHA256:...
    pattern: new RegExp(`^Accepted (\\S+) for ${USER} from ${ADDRESS} port (\\d+)`),
    build: (match) => ({
      type: 'accepted',
      method: match[1],
      user: match[2],
      sourceIp: match[3],
      port: Number(match[4]),
    }),
  },
  {
    // error: maximum authentication attempts exceeded for invalid user admin from 203.0.113.5 port 52122 ssh2 [preauth]
    pattern: new RegExp(
      `maximum authentication attempts exceeded for (invalid user )?${USER} from ${ADDRESS}(?: port (\\d+))?`,
    ),
    build: (match) => ({
      type: 'max_auth_attempts',
      invalidUser: Boolean(match[1]),
      user: match[2],
      sourceIp: match[3],
      port: match[4] ? Number(match[4]) : undefined,
    }),
  },
  {
    // Disconnecting authenticating user root 203.0.113.5 port 52122: Too many authentication failures [preauth]
    pattern: new RegExp(
      `^Disconnecting (?:authenticating|invalid) user ${USER} ${ADDRESS} port (\\d+): Too many authentication failures`,
    ),
    build: (match) => ({ type: 'max_auth_attempts', user: match[1], sourceIp: match[2], port: Number(match[3]) }),
  },
  {
    // pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root
    pattern: /^pam_unix\((\S+?):auth\): authentication failure;(.*)$/,
    build: (match) => {
      const fields = Object.fromEntries(
        [...match[2].matchAll(/(\w+)=(\S*)/g)].map((field) => [field[1], field[2]] as [string, string]),
      );
      return {
        type: 'pam_auth_failure',
        method: match[1],
        user: fields.user || fields.logname || undefined,
        sourceIp: fields.rhost && isIP(fields.rhost) ? fields.rhost : undefined,
      };
    },
  },
  {
    // FAILED LOGIN (1) on '/dev/tty1' FOR 'root', Authentication failure
    pattern: /^FAILED LOGIN \(\d+\) on '([^']*)'(?: FROM '([^']*)')? FOR '([^']*)'/,
    build: (match) => ({
      type: 'failed_login',
      method: match[1],
      user: match[3],
      sourceIp: match[2] && isIP(match[2]) ? match[2] : undefined,
    }),
  },
];

const AUTH_PROGRAMS = /^(sshd|sshd-session|login|sudo|su|systemd-logind|gdm-password|lightdm|polkitd)$/;

/** Turns an sshd/login/PAM line into a structured event with source IP and user; undefined when it is not one. */
export function parseAuthEvent(record: SyslogRecord): AuthEvent | undefined {
  if (!AUTH_PROGRAMS.test(record.program)) return undefined;
  const message = record.message.replace(/^error: /, '');
  for (const { pattern, build } of PATTERNS) {
    const match = pattern.exec(message);
    if (!match) continue;
    const event: AuthEvent = { time: record.time, host: record.host, program: record.program, ...build(match) };
    if (event.sourceIp && !isIP(event.sourceIp)) event.sourceIp = undefined;
    return event;
  }
  return undefined;
}
