// Test helper: access-log events as the parsers produce them, for tests that feed detectors and the network guard.
import type { LogEvent } from '../log-event.ts';
import { normalizePath } from '../normalize-path.ts';

/** One GET request; `raw` is `<ip> <path>`. */
export function getEvent(clientIp: string, rawPath: string, status: number, time: number, userAgent: string): LogEvent {
  return {
    time,
    clientIp,
    method: 'GET',
    rawPath,
    path: normalizePath(rawPath),
    status,
    userAgent,
    raw: `${clientIp} ${rawPath}`,
  };
}

/** Ten sensitive paths scanners probe, in a fixed order (tests take as many as they need from the front). */
export const PROBE_PATHS: readonly string[] = [
  '/.env',
  '/.git/config',
  '/wp-config.php',
  '/config.xml',
  '/api/v1/secrets',
  '/.aws/credentials',
  '/.env.bak',
  '/backup.sql',
  '/.ssh/id_rsa',
  '/.npmrc',
];
const SCAN_PATHS = PROBE_PATHS.slice(0, 6);

/** One scanner's GETs of six sensitive paths, a second apart from `start`: enough for the detector to open an incident. */
export function scanBurst(ip: string, start: number, status: number, userAgent: string): LogEvent[] {
  return SCAN_PATHS.map((rawPath, index) => getEvent(ip, rawPath, status, start + index * 1000, userAgent));
}
