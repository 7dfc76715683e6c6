import type { AuthEvent, SyslogRecord } from '../observations.ts';
import { clientAddress, unmapped } from './client-address.ts';
import type { DropbearConnections } from './dropbear-connections.ts';
import { parseDropbearMessage } from './dropbear-message-parser.ts';
import { parseLoginMessage } from './login-message-parser.ts';
import { parseSshdMessage } from './sshd-message-parser.ts';

/** sshd before 9.8, its per-connection process since 9.8 and its auth process since 10.0. */
const SSHD_PROGRAMS = /^(sshd|sshd-session|sshd-auth)$/;
/**
 * Programs whose login lines we read. cockpit-session checks a web console login (the host's accounts) through PAM
 * and writes pam_unix's failure with the rhost cockpit-ws gave it: the client's socket address.
 */
const AUTH_PROGRAMS =
  /^(sshd|sshd-session|sshd-auth|dropbear|login|sudo|su|systemd-logind|gdm-password|lightdm|polkitd|cockpit-session)$/;

/**
 * pam_unix support.c: "authentication failure; logname=%s uid=%d euid=%d tty=%s ruser=%s rhost=%s  user=%s", the
 * `  user=` part only with a user, after `pam_unix(<service>:auth): ` (`(pam_unix) ` before Linux-PAM 0.99). The user
 * is the client's text, and so may be ruser (OpenSSH leaves it empty, but a PAM module or another program may set it
 * from what the client sent: fail2ban's gh-2070 sample has `ruser=root` in sshd's lines). Read both ways, the
 * earliest and the latest ` rhost=`: a line that reads two ways (a name holding ` rhost=9.9.9.9`) blames nobody.
 */
const PAM_FAILURE_SHAPE =
  '^(?:pam_unix\\((\\S+?):auth\\):|\\(pam_unix\\)) authentication failure; logname=\\S* uid=\\d+ euid=\\d+ tty=\\S* ruser=(.*) rhost=(\\S*) ?(?: user=(.*))?$';
const PAM_FAILURE = new RegExp(PAM_FAILURE_SHAPE);
const PAM_FAILURE_LAZY = new RegExp(PAM_FAILURE_SHAPE.replace('ruser=(.*)', 'ruser=(.*?)'));

/** The PAM failure's service, rhost and user when both readings agree; null when they do not; undefined: not one. */
function pamFailure(message: string) {
  const greedy = PAM_FAILURE.exec(message);
  if (!greedy) return undefined;
  const lazy = PAM_FAILURE_LAZY.exec(message);
  if (!lazy || lazy[2] !== greedy[2] || lazy[3] !== greedy[3] || lazy[4] !== greedy[4]) return null;
  return { service: greedy[1], rhost: greedy[3], user: greedy[4] };
}

/** Prefixes in front of the message: sshd's log level, the Solaris message id (`[ID 800047 auth.info]`). */
const MESSAGE_PREFIX = /^(?:\[ID \d+ [a-z0-9]+\.[a-z]+\] )?(?:(?:error|fatal|warning|info|verbose): )?/;

/**
 * Linux-PAM before 0.99 opened syslog as `<service>(pam_unix)`: `su(pam_unix)[23164]: authentication failure; ...`
 * (OSSEC's and Wazuh's pam.ini). Read as the service's line with the `(pam_unix) ` prefix those releases' text has.
 */
const OLD_PAM_TAG = /^([^\s()]+)\(pam_unix\)$/;

function withPamTagRead(record: SyslogRecord): SyslogRecord {
  const tag = OLD_PAM_TAG.exec(record.program);
  return tag ? { ...record, program: tag[1], message: `(pam_unix) ${record.message}` } : record;
}

/**
 * Turns an sshd/login/PAM line into a structured event with source IP and user; undefined when it is not one. With
 * `dropbear`, the lines read before (in order) give a dropbear refusal written without an address its process's.
 */
export function parseAuthEvent(logged: SyslogRecord, dropbear?: DropbearConnections): AuthEvent | undefined {
  const event = readAuthEvent(logged, dropbear);
  if (!event || !logged.addressless) return event;
  const { sourceIp: _sourceIp, port: _port, ...local } = event;
  return local;
}

function readAuthEvent(logged: SyslogRecord, dropbear?: DropbearConnections): AuthEvent | undefined {
  const record = withPamTagRead(logged);
  if (!AUTH_PROGRAMS.test(record.program)) return undefined;
  const message = record.message.replace(MESSAGE_PREFIX, '');
  const base = { time: record.time, host: record.host, program: record.program };
  const pam = pamFailure(message);
  if (pam === null) return undefined;
  if (pam) {
    return {
      ...base,
      type: 'pam_auth_failure',
      method: pam.service ?? record.program,
      user: pam.user || undefined,
      sourceIp: clientAddress(pam.rhost),
    };
  }
  if (SSHD_PROGRAMS.test(record.program) || record.program === 'dropbear') {
    const event =
      record.program !== 'dropbear'
        ? parseSshdMessage(message, record.message)
        : dropbear
          ? dropbear.read(record, message)
          : parseDropbearMessage(message);
    return event ? { ...base, ...event, sourceIp: unmapped(event.sourceIp) } : undefined;
  }
  const login = parseLoginMessage(message);
  return login ? { ...base, ...login } : undefined;
}

/**
 * The record's event once for each message the line stands for: rsyslog writes `message repeated N times: [ ...]`
 * for N identical messages (N failed passwords of one connection), each an attempt of its own.
 */
export function parseAuthEvents(record: SyslogRecord, dropbear?: DropbearConnections): AuthEvent[] {
  const event = parseAuthEvent(record, dropbear);
  if (!event) return [];
  return Array.from({ length: record.occurrences ?? 1 }, () => ({ ...event }));
}
