import { isIP } from 'node:net';
import type { AuthEvent, SyslogRecord } from '../observations.ts';
import { parseDropbearMessage } from './dropbear-message-parser.ts';
import { parseSshdMessage } from './sshd-message-parser.ts';

/** sshd before 9.8, its per-connection process since 9.8 and its auth process since 10.0. */
const SSHD_PROGRAMS = /^(sshd|sshd-session|sshd-auth)$/;
const AUTH_PROGRAMS =
  /^(sshd|sshd-session|sshd-auth|dropbear|login|sudo|su|systemd-logind|gdm-password|lightdm|polkitd)$/;

/**
 * pam_unix support.c: "authentication failure; logname=%s uid=%d euid=%d tty=%s ruser=%s rhost=%s  user=%s", the
 * `  user=` part only with a user, after `pam_unix(<service>:auth): ` (`(pam_unix) ` before Linux-PAM 0.99). The user
 * name is the client's text, so it is everything after the first `rhost=<token> ` that ends the line or is followed
 * by ` user=`; a user named `x rhost=9.9.9.9` changes nothing.
 */
const PAM_FAILURE =
  /^(?:pam_unix\((\S+?):auth\):|\(pam_unix\)) authentication failure; logname=\S* uid=\d+ euid=\d+ tty=\S* ruser=(.*?) rhost=(\S*) ?(?: user=(.*))?$/;

/** FAILED LOGIN (1) on '/dev/tty1' FROM 'host' FOR 'root', Authentication failure  (util-linux login) */
const FAILED_LOGIN = /^FAILED LOGIN \(\d+\) on '([^']*)'(?: FROM '([^']*)')? FOR '(.*)', /;

/** Prefixes in front of the message: sshd's log level, the Solaris message id (`[ID 800047 auth.info]`). */
const MESSAGE_PREFIX = /^(?:\[ID \d+ [a-z0-9]+\.[a-z]+\] )?(?:(?:error|fatal|warning|info|verbose): )?/;

/** Turns an sshd/login/PAM line into a structured event with source IP and user; undefined when it is not one. */
export function parseAuthEvent(record: SyslogRecord): AuthEvent | undefined {
  if (!AUTH_PROGRAMS.test(record.program)) return undefined;
  const message = record.message.replace(MESSAGE_PREFIX, '');
  const base = { time: record.time, host: record.host, program: record.program };
  const pam = PAM_FAILURE.exec(message);
  if (pam) {
    const rhost = pam[3];
    return {
      ...base,
      type: 'pam_auth_failure',
      method: pam[1] ?? record.program,
      user: pam[4] || undefined,
      sourceIp: rhost && isIP(rhost) ? rhost : undefined,
    };
  }
  if (SSHD_PROGRAMS.test(record.program) || record.program === 'dropbear') {
    const event = record.program === 'dropbear' ? parseDropbearMessage(message) : parseSshdMessage(message);
    return event ? { ...base, ...event } : undefined;
  }
  const login = FAILED_LOGIN.exec(message);
  if (login) {
    return {
      ...base,
      type: 'failed_login',
      method: login[1],
      user: login[3],
      sourceIp: login[2] && isIP(login[2]) ? login[2] : undefined,
    };
  }
  return undefined;
}
