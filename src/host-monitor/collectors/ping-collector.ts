import { isIP } from 'node:net';
import type { PingIcmpError, PingResult } from '../observations.ts';
import { runCommand } from './run-command.ts';

/**
 * Parses ping's summary, in the C locale (`pingTarget` runs ping with LC_ALL=C: iputils translates these lines).
 * Linux iputils: `4 packets transmitted, 3 received, +1 duplicates, +1 corrupted, +2 errors, 25% packet loss, time
 * 3050ms` and `rtt min/avg/max/mdev = a/b/c/d ms`; BSD/macOS: `3 packets transmitted, 3 packets received, +2 duplicates,
 * 0.0% packet loss` and `round-trip min/avg/max/stddev = ...` (`std-dev` in FreeBSD's and macOS's ping6); BusyBox:
 * `1 packets transmitted, 1 packets received, 2 duplicates, 0% packet loss` and `round-trip min/avg/max = ...`.
 * No rtt line (nothing came back) leaves the round-trip times undefined.
 */
export function parsePingOutput(target: string, text: string): PingResult | undefined {
  const counts =
    /(\d+) packets transmitted, (\d+) (?:packets )?received,(?: \+?\d+ (?:duplicates|corrupted|errors),)* ([\d.]+(?:e[+-]?\d+)?)% packet loss/.exec(
      text,
    );
  if (!counts) return undefined;
  const result: PingResult = {
    target,
    transmitted: Number(counts[1]),
    received: Number(counts[2]),
    lossPercent: Number(counts[3]),
  };
  const rtt = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev|std-dev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(
    text,
  );
  if (rtt) {
    result.rttMinMs = Number(rtt[1]);
    result.rttAvgMs = Number(rtt[2]);
    result.rttMaxMs = Number(rtt[3]);
  }
  return result;
}

/** A host name or address only: a target starting with `-` would otherwise be read as an option. */
export function isValidPingTarget(target: string): boolean {
  return isIP(target) !== 0 || /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(target);
}

/**
 * ICMP errors ping printed, by sender and message (`From 10.0.2.2 icmp_seq=1 Destination Host Unreachable`, IPv6's
 * `Destination unreachable: Address unreachable`): the sender is a router on the way, never the target. Only an IP
 * address (ping runs with -n) and printable text are kept.
 */
export function parseIcmpErrors(text: string): PingIcmpError[] {
  const errors = new Map<string, PingIcmpError>();
  for (const match of text.matchAll(/^From (\S+) icmp_seq=\d+ ([ -~]{1,120})$/gm)) {
    const [, from, message] = match;
    if (isIP(from) === 0) continue;
    const key = `${from} ${message}`;
    const entry = errors.get(key) ?? { from, message: message.trim(), count: 0 };
    entry.count++;
    errors.set(key, entry);
  }
  return [...errors.values()];
}

/** iputils' messages when it sends nothing: no route on this host, or a name the resolver (getaddrinfo) refused. */
const NO_ROUTE = /^ping: (?:connect|sendmsg|sendto): (No route to host|Network is unreachable)$/m;
/** glibc's and musl's gai_strerror texts for a name that does not resolve. */
const UNRESOLVED =
  /^(?:Name or service not known|Temporary failure in name resolution|No address associated with hostname|Non-recoverable failure in name resolution|Name does not resolve|Address family for hostname not supported)$/;

/**
 * What one ping run says about a target: its statistics (with the ICMP errors routers sent), a target unreachable
 * before any packet left (no route), a name that does not resolve, or undefined when the output says none of these.
 */
export function readPingRun(target: string, stdout: string, stderr: string): PingResult | undefined {
  const parsed = parsePingOutput(target, stdout);
  if (parsed) {
    const icmpErrors = parseIcmpErrors(stdout);
    if (icmpErrors.length > 0) parsed.icmpErrors = icmpErrors;
    return parsed;
  }
  const unreachable = { target, transmitted: 0, received: 0, lossPercent: 100 };
  const noRoute = NO_ROUTE.exec(stderr);
  if (noRoute) return { ...unreachable, failure: { kind: 'no-route', message: noRoute[0].slice('ping: '.length) } };
  // `ping: <target>: <gai_strerror text>`: the target is our own configured text, the message glibc's.
  const prefix = `ping: ${target}: `;
  const line = stderr.split('\n').find((item) => item.startsWith(prefix));
  const message = line?.slice(prefix.length);
  if (message && UNRESOLVED.test(message)) {
    return { ...unreachable, failure: { kind: 'unresolved', message } };
  }
  return undefined;
}

export async function pingTarget(
  target: string,
  count: number,
): Promise<PingResult | { target: string; error: string }> {
  if (!isValidPingTarget(target)) return { target, error: `not a host name or IP address: ${JSON.stringify(target)}` };
  const command = await runCommand('ping', ['-c', String(count), '-W', '2', '-n', target], {
    timeoutMs: (count * 3 + 5) * 1000,
    cLocale: true,
  });
  if (command.status === 'missing') return { target, error: command.error };
  const read = readPingRun(target, command.stdout, command.stderr);
  if (read) return read;
  const reason =
    command.status === 'failed'
      ? command.stderr.trim().slice(0, 300) || command.error
      : 'no statistics line in its output';
  return { target, error: `ping ${target}: ${reason}` };
}
