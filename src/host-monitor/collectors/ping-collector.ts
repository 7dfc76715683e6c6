import { isIP } from 'node:net';
import type { PingResult } from '../observations.ts';
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
  const parsed = parsePingOutput(target, command.stdout);
  if (parsed) return parsed;
  const reason =
    command.status === 'failed'
      ? command.stderr.trim().slice(0, 300) || command.error
      : 'no statistics line in its output';
  return { target, error: `ping ${target}: ${reason}` };
}
