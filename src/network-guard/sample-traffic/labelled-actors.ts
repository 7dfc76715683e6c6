import { normalizeIp } from '../../core/ip-address.ts';
import type { Prng } from '../../core/prng.ts';
import type { GeneratedRequest } from './format-traefik-line.ts';
import {
  ACCEPT_ANY,
  ACCEPT_HTML,
  BROWSER_AGENTS,
  CRAWLERS,
  EVASIVE_PATHS,
  FORGED_VICTIM_IP,
  MONITORS,
  OFFICE_IP,
  SCANNER_PATHS,
  SITES,
  TRUSTED_PROXIES,
} from './traffic-catalog.ts';

export const ATTACKER_KINDS = [
  'burst-scanner',
  'spoofed-agent-scanner',
  'slow-scanner',
  'ipv6-rotating-scanner',
  'encoded-path-scanner',
  'secret-exposure',
  'forged-forwarded-for',
] as const;
export type AttackerKind = (typeof ATTACKER_KINDS)[number];

export interface LabelledAttacker {
  /** The address (or IPv6 /64) a correct detector names. */
  ip: string;
  kind: AttackerKind;
  expectedThreat: 'secrets_scanning' | 'secret_exposure';
  requests: number;
  firstSeen: string;
  lastSeen: string;
  /** For a rotating scanner: every address it used. */
  addresses?: string[];
  /** What makes this one interesting, in words. */
  note: string;
}

interface Window {
  start: number;
  span: number;
}

const www = SITES[0];

function probe(
  time: number,
  random: Prng,
  fields: Partial<GeneratedRequest> & Pick<GeneratedRequest, 'peerIp' | 'path' | 'status' | 'userAgent'>,
): GeneratedRequest {
  return {
    time: Math.floor(time),
    nanos: random.int(0, 999_999),
    peerPort: random.int(32768, 60999),
    method: 'GET',
    protocol: 'HTTP/1.1',
    host: www.host,
    size: fields.status === 200 ? random.int(900, 4000) : 19,
    durationMs: random.int(0, 4),
    accept: ACCEPT_ANY,
    service: www.service,
    ...fields,
  };
}

function failureStatus(random: Prng): number {
  return random.weighted([
    [404, 80],
    [401, 10],
    [403, 10],
  ]);
}

/** Evenly spread probes with jitter over [start, start + duration). */
function spread(random: Prng, count: number, start: number, duration: number): number[] {
  const times: number[] = [];
  for (let index = 0; index < count; index++) times.push(start + ((index + random.next()) * duration) / count);
  return times;
}

/** Requests of one labelled attacker; `forJson` is false for CLF, which cannot carry a spoofed header safely. */
export function attackerRequests(
  kind: AttackerKind,
  random: Prng,
  window: Window,
  forJson: boolean,
): { requests: GeneratedRequest[]; attacker: Omit<LabelledAttacker, 'requests' | 'firstSeen' | 'lastSeen'> } {
  const at = (fraction: number) => window.start + window.span * fraction;
  switch (kind) {
    case 'burst-scanner': {
      const ip = '203.0.113.45';
      const agent = random.pick(['gitleaks/8.21.2', 'trufflehog/3.84.1']);
      const requests = spread(random, 160, at(0.15), 120_000).map((time, index) =>
        probe(time, random, {
          peerIp: ip,
          // Claims to be the allowlisted office: only the TCP peer counts when the peer is not a trusted proxy.
          forwardedFor: forJson ? OFFICE_IP : undefined,
          path: SCANNER_PATHS[index % SCANNER_PATHS.length],
          status: failureStatus(random),
          userAgent: agent,
        }),
      );
      return {
        requests,
        attacker: {
          ip,
          kind,
          expectedThreat: 'secrets_scanning',
          note: `${agent}, 160 sensitive paths in 2 minutes${forJson ? ', X-Forwarded-For forged to the office IP' : ''}`,
        },
      };
    }
    case 'spoofed-agent-scanner': {
      const ip = '198.51.100.23';
      const agent = BROWSER_AGENTS[0];
      const requests = spread(random, 90, at(0.25), 80_000).map((time) =>
        probe(time, random, {
          peerIp: ip,
          path: random.pick(SCANNER_PATHS),
          status: failureStatus(random),
          userAgent: agent,
          accept: ACCEPT_HTML,
        }),
      );
      return {
        requests,
        attacker: {
          ip,
          kind,
          expectedThreat: 'secrets_scanning',
          note: 'browser user agent, 90 sensitive paths in 80 s',
        },
      };
    }
    case 'slow-scanner': {
      const ip = '192.0.2.77';
      const paths = random.shuffle(SCANNER_PATHS).slice(0, 20);
      const requests = spread(random, 20, at(0.3), 3_300_000).map((time, index) =>
        probe(time, random, {
          peerIp: ip,
          path: paths[index],
          status: random.chance(0.8) ? 404 : 403,
          userAgent: BROWSER_AGENTS[4],
        }),
      );
      return {
        requests,
        attacker: { ip, kind, expectedThreat: 'secrets_scanning', note: '20 distinct sensitive paths over 55 minutes' },
      };
    }
    case 'ipv6-rotating-scanner': {
      const prefix = '2001:db8:bad:5ca';
      const addresses: string[] = [];
      const requests = spread(random, 120, at(0.55), 100_000).map((time, index) => {
        const groups = [random.int(1, 0xffff), random.int(0, 0xffff), random.int(0, 0xffff), random.int(1, 0xffff)];
        const address = normalizeIp(`${prefix}:${groups.map((group) => group.toString(16)).join(':')}`)!;
        addresses.push(address);
        return probe(time, random, {
          peerIp: address,
          path: SCANNER_PATHS[(index * 7) % SCANNER_PATHS.length],
          status: 404,
          userAgent: 'Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))',
          protocol: 'HTTP/2.0',
        });
      });
      return {
        requests,
        attacker: {
          ip: `${prefix}::/64`,
          kind,
          expectedThreat: 'secrets_scanning',
          addresses,
          note: 'nuclei, a new address of one /64 for every request',
        },
      };
    }
    case 'encoded-path-scanner': {
      const ip = '203.0.113.99';
      const requests = spread(random, 60, at(0.45), 60_000).map((time, index) =>
        probe(time, random, {
          peerIp: ip,
          path: EVASIVE_PATHS[index % EVASIVE_PATHS.length],
          status: random.chance(0.9) ? 404 : 400,
          userAgent: BROWSER_AGENTS[5],
        }),
      );
      return {
        requests,
        attacker: {
          ip,
          kind,
          expectedThreat: 'secrets_scanning',
          note: 'percent-encoded, mixed-case and dot-segment paths',
        },
      };
    }
    case 'secret-exposure': {
      const ip = '198.51.100.200';
      const paths = ['/.git/config', '/.env.local', '/.env', '/wp-config.php', '/.aws/credentials', '/config.json'];
      const requests = spread(random, 30, at(0.65), 40_000).map((time, index) => {
        const path = paths[index % paths.length];
        const exposed = path === '/.env' && index < 12;
        return probe(time, random, {
          peerIp: ip,
          path,
          status: exposed ? 200 : 404,
          size: exposed ? 1834 : 19,
          userAgent: 'Go-http-client/1.1',
        });
      });
      return {
        requests,
        attacker: { ip, kind, expectedThreat: 'secret_exposure', note: 'GET /.env answered 200 (1834 bytes)' },
      };
    }
    case 'forged-forwarded-for': {
      const ip = '192.0.2.150';
      const requests = spread(random, 70, at(0.75), 60_000).map((time) =>
        probe(time, random, {
          peerIp: TRUSTED_PROXIES[1],
          // The attacker wrote the victim; the CDN edge appended the attacker; the load balancer appended the edge.
          forwardedFor: `${FORGED_VICTIM_IP}, ${ip}, ${TRUSTED_PROXIES[0]}`,
          path: random.pick(SCANNER_PATHS),
          status: failureStatus(random),
          userAgent: 'python-requests/2.32.3',
        }),
      );
      return {
        requests,
        attacker: {
          ip,
          kind,
          expectedThreat: 'secrets_scanning',
          note: `behind the trusted proxies, X-Forwarded-For starts with the forged ${FORGED_VICTIM_IP}`,
        },
      };
    }
  }
}

/** Benign actors with their own rhythm: uptime monitors, search crawlers, the office's own checks. */
export function backgroundActorRequests(random: Prng, window: Window): GeneratedRequest[] {
  const requests: GeneratedRequest[] = [];
  for (const [index, monitor] of MONITORS.entries()) {
    for (let time = window.start + index * 11_000; time < window.start + window.span; time += 30_000) {
      requests.push({
        ...probe(time + random.int(0, 900), random, {
          peerIp: monitor.ip,
          path: monitor.path,
          status: 200,
          userAgent: monitor.userAgent,
        }),
        size: 15,
        method: index === 0 ? 'HEAD' : 'GET',
      });
    }
  }
  for (const crawler of CRAWLERS) {
    const count = Math.max(8, Math.floor(window.span / 240_000));
    for (const [index, time] of spread(random, count, window.start, window.span).entries()) {
      const roll = index % 10;
      const path =
        roll === 0
          ? '/robots.txt'
          : roll === 1
            ? '/sitemap.xml'
            : roll === 5
              ? '/old-site/catalog/item-42.html'
              : random.pick(www.pages);
      requests.push(
        probe(time, random, {
          peerIp: crawler.ip,
          path,
          status: roll === 5 ? 404 : roll === 0 && crawler.ip.startsWith('157.') ? 304 : 200,
          userAgent: crawler.userAgent,
          protocol: 'HTTP/1.1',
          accept: ACCEPT_HTML,
        }),
      );
    }
  }
  // The office runs a few checks of its own exposure: odd requests from an allowlisted address.
  const officeChecks: Array<[number, string, number, string]> = [
    [0.1, '/.env', 404, 'curl/8.5.0'],
    [0.4, '/.git/config', 404, 'curl/8.5.0'],
    [0.6, '/server-status', 403, 'curl/8.5.0'],
    [0.8, '/admin/config', 401, BROWSER_AGENTS[3]],
  ];
  for (const [fraction, path, status, userAgent] of officeChecks) {
    requests.push(probe(window.start + window.span * fraction, random, { peerIp: OFFICE_IP, path, status, userAgent }));
  }
  return requests;
}
