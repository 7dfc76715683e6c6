import { isIP } from 'node:net';

/** sshd and dropbear print an IPv4 client of a dual-stack socket as `::ffff:1.2.3.4` at times: one client, one key. */
export const unmapped = (ip: string | undefined) => ip?.replace(/^::ffff:(?=\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$)/i, '');

/** A link-local IPv6 address as getnameinfo writes it, with its zone (`fe80::1%eth0`). */
const ZONED = /^([0-9A-Fa-f]*:[0-9A-Fa-f:.]*)%[0-9A-Za-z_.-]+$/;

/**
 * A host field another program filled (pam_unix's rhost, login's host) as the client's address: a link-local one
 * without its zone and `::ffff:` unmapped, as sshd's own lines are read, so one client is one key in every line;
 * undefined for a host name, a tty or nothing.
 */
export function clientAddress(host: string | undefined): string | undefined {
  const address = host?.replace(ZONED, '$1');
  return address && isIP(address) ? unmapped(address) : undefined;
}
